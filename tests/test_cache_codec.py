"""The cache codec round-trips the records (msgspec Structs and dataclasses alike), decodes
only the classes its reader names, and the records that hide a field from ``==``, ``hash``
or ``repr`` (which msgspec cannot say per field) still do."""

from __future__ import annotations

import dataclasses
import marshal

import pytest

from guardrails.cache.codec import CodecError, Decoder, encode, is_record_class, records_of
from guardrails.catalog import model
from guardrails.catalog.model import Catalog, Origin, Service, Team
from guardrails.changes import FileChange, LineRange
from guardrails.errors import Problem
from guardrails.imports.build import BuildStats, ImportGraph
from guardrails.imports.edges import GraphState, ImportEdge
from guardrails.semantic import facts


@dataclasses.dataclass(frozen=True)
class _Plain:
    a: int
    b: tuple[str, ...] = ()


def test_records_round_trip_through_marshal() -> None:
    catalog = Catalog(
        teams={"ta": Team("ta", handles=("@org/ta",))},
        services={"a": Service("a", owner="ta", paths=("a/**",))},
    )
    # guardrails: ignore[safety.pickle] -- marshal of the test's own plain data, as the store
    decoded = Decoder(records_of(model))(marshal.loads(marshal.dumps(encode(catalog))))
    assert decoded == catalog and type(decoded) is Catalog
    assert decoded.services["a"].paths == ("a/**",)


def test_a_dataclass_record_still_round_trips() -> None:
    value = (_Plain(1, ("x",)), Origin("f.yaml", 3))
    decoder = Decoder((_Plain, Origin))
    # guardrails: ignore[safety.pickle] -- marshal of the test's own plain data, as the store
    assert decoder(marshal.loads(marshal.dumps(encode(value)))) == value


def test_only_named_classes_decode() -> None:
    data = encode(Origin("f.yaml", 3))
    with pytest.raises(CodecError):
        Decoder(records_of(facts))(data)  # Origin is not among the semantic diff's records
    with pytest.raises(CodecError):
        Decoder(records_of(model))(["Origin", "f.yaml"])  # a field short
    with pytest.raises(CodecError):
        encode([1])  # real lists are refused: lists mean records


def test_record_classes_are_found_by_kind() -> None:
    assert is_record_class(Catalog) and is_record_class(_Plain)
    assert not is_record_class(Catalog()) and not is_record_class(int)


def test_hidden_fields_stay_hidden() -> None:
    change = FileChange("M", "a.py", "a.py", new_data=b"secret", added_lines=(LineRange(1, 2),))
    assert "secret" not in repr(change) and "added_lines=(LineRange(start=1, end=2),)" in repr(
        change
    )
    edge = ImportEdge("a.py", 1, "b", (), "b.py", False, False, False, "import b")
    state = GraphState(("x",), ((),), ())
    assert state == GraphState(("x",), ((),), (), anchor=("k", ("x",)))
    assert hash(state) == hash(GraphState(("x",), ((),), (), anchor=("k", ())))
    graph = ImportGraph((edge,), (Problem("p"),), ("",))
    other = ImportGraph((edge,), (Problem("p"),), ("",), {"a.py": "a"}, BuildStats(1, 0, 1, 0, 0.5))
    assert graph == other and hash(graph) == hash(other)
    assert "services" not in repr(other) and "stats=BuildStats(" in repr(other)
