"""Command line: thin click commands. Options are parsed here; the work is in commands/*.

Exit codes (DESIGN §3): 0 pass or warn, 1 blocked, 2 usage, config or internal error. Every
error ends in one line on stderr; ``--debug`` adds the traceback. Heavy modules are imported
inside the commands so that ``guardrails --help`` and the hook start fast.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import click

from guardrails import __version__
from guardrails.errors import EXIT_ERROR, GuardrailsError, os_error_line

FORMATS_AFFECTED = ("text", "json", "mermaid", "dot")
FORMATS_GRAPH = ("text", "json", "dot", "mermaid", "graphml")


def run(ctx: click.Context, fn: Callable[[], int]) -> None:
    """The one error handler: user errors and internal errors both exit 2 (fail closed)."""
    debug = bool(ctx.obj and ctx.obj.get("debug")) or os.environ.get("GUARDRAILS_DEBUG") == "1"
    try:
        code = fn()
    except GuardrailsError as exc:
        if debug:
            import traceback  # only with --debug

            traceback.print_exc()
        click.echo(f"guardrails: error: {exc.render()}", err=True)
        code = EXIT_ERROR
    except (click.exceptions.Exit, click.ClickException, click.Abort):
        raise
    except KeyboardInterrupt:
        click.echo("guardrails: interrupted", err=True)
        code = EXIT_ERROR
    except OSError as exc:  # the machine said no (a name too long, no permission): say what
        if debug:
            import traceback  # only with --debug

            traceback.print_exc()
        click.echo(f"guardrails: error: {os_error_line(exc)}", err=True)
        code = EXIT_ERROR
    except Exception as exc:  # fail closed: an internal error is never a silent pass
        if debug:
            import traceback  # only with --debug

            traceback.print_exc()
        # In the pre-commit hook, say how to get past our own bug: CI judges the change again.
        around = (
            "; to commit anyway: git commit --no-verify (the CI gate still judges the change)"
            if ctx.params.get("staged")
            else ""
        )
        click.echo(
            f"guardrails: internal error: {type(exc).__name__}: {exc} "
            f"(rerun with --debug for a traceback, and please report it{around})",
            err=True,
        )
        code = EXIT_ERROR
    if ctx.obj and ctx.obj.get("exit_zero"):
        code = 0
    ctx.exit(code)


def change_selectors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The change selectors `check` and `affected` share (DESIGN §3)."""
    options = [
        click.option("--staged", is_flag=True, help="The staged change (index vs HEAD)."),
        click.option("--base", metavar="REV", help="merge-base(REV, head)..head, as in a PR."),
        click.option("--head", metavar="REV", help="The head revision for --base (default HEAD)."),
        click.option(
            "--patch",
            "patch",
            metavar="FILE|-",
            type=click.File("rb"),
            help="A unified diff applied in memory to HEAD ('-' reads stdin).",
        ),
        click.option(
            "--config",
            "config",
            metavar="PATH",
            help="Config file relative to the repository root [default: guardrails.yaml;"
            " a path named here must exist].",
        ),
        click.option(
            "-C", "--repo", "repo", metavar="DIR", default=".", help="Run as if started in DIR."
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="guardrails")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """guardrails: who a change affects, whether it is safe, and who must approve it."""
    ctx.obj = {"debug": debug}


class _OrderedCommand(click.Command):
    """A command that remembers the order its options came in: `--output F` belongs to the
    `--format` before it, which click's per-option lists do not say."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            _, _, order = self.make_parser(ctx).parse_args(args=list(args))
        except click.UsageError:
            order = []  # click's own parse below reports the error
        ctx.meta["guardrails.option_order"] = [p.name for p in order]
        return super().parse_args(ctx, args)


def report_pairs(
    order: list[str | None], formats: tuple[str, ...], outputs: tuple[str, ...]
) -> list[tuple[str, str | None]]:
    """(format, file or None) in command-line order: each --output takes the --format before
    it (`--format github --format sarif --output a.sarif`: github to stdout, sarif to a.sarif)."""
    pairs: list[list[str | None]] = []
    fi = oi = 0
    for name in order:
        if name == "fmt" and fi < len(formats):
            pairs.append([formats[fi], None])
            fi += 1
        elif name == "output" and oi < len(outputs):
            if not pairs or pairs[-1][1] is not None:
                raise GuardrailsError(
                    f"--output {outputs[oi]} has no --format before it",
                    fix="write each report as a pair: --format sarif --output guardrails.sarif",
                )
            pairs[-1][1] = outputs[oi]
            oi += 1
    return [(str(f), o) for f, o in pairs]


def _check_formats() -> list[str]:
    from guardrails.report.registry import formats

    return list(formats())


@cli.command(cls=_OrderedCommand)
@change_selectors
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_check_formats()),
    multiple=True,
    help="Report format [default: text]; repeat with --output for several reports.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False),
    multiple=True,
    help="Write the report of the --format before it to FILE (repeatable).",
)
@click.option("--strict", is_flag=True, help="Warnings block too.")
@click.option(
    "--approvals",
    metavar="FILE",
    multiple=True,
    help="Reviews JSON: GitHub's pulls/N/reviews, GitLab's MR approvals, or "
    '[{"user","state","commit"}]. Repeatable.',
)
@click.option(
    "--policy-from",
    type=click.Choice(["base", "head"]),
    help="Which revision's config and policies judge the change [default: base with --base].",
)
@click.option(
    "--author-kind",
    type=click.Choice(["agent", "human"]),
    help="Who wrote the change, when you know better than the evidence "
    "(env: GUARDRAILS_AUTHOR_KIND).",
)
@click.pass_context
def check(ctx: click.Context, /, **opts: Any) -> None:
    """Is this change safe? Runs every rule on it; exit 1 when a finding blocks."""
    from guardrails.commands import check as cmd

    order = ctx.meta.get("guardrails.option_order", [])
    formats, outputs = opts.pop("fmt"), opts.pop("output")
    run(ctx, lambda: cmd.main(reports=report_pairs(order, formats, outputs), **opts))


@cli.command()
@change_selectors
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS_AFFECTED), default="text", show_default=True
)
@click.option("--depth", type=click.IntRange(min=0), help="Stop after N hops.")
@click.option(
    "--why", "why_node", metavar="NODE", help="Every shortest chain from NODE to the change."
)
@click.option("--output", type=click.Path(dir_okay=False), help="Write to FILE instead of stdout.")
@click.option(
    "--exit-zero",
    is_flag=True,
    help="Exit 0 even on errors (the informational pre-commit hook never fails).",
)
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="List every affected node (text output summarises a radius of more than 25).",
)
@click.pass_context
def affected(ctx: click.Context, /, **opts: Any) -> None:
    """Who does this change affect? The blast radius, with the chain that explains each node."""
    from guardrails.commands import affected as cmd

    exit_zero = opts.pop("exit_zero")
    if exit_zero:
        ctx.obj["exit_zero"] = True
    run(ctx, lambda: cmd.main(**opts))


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS_GRAPH),
    default="text",
    show_default=True,
    help="text: a summary (counts by type, team and tier; the most depended-on nodes); "
    "json or graphml: every node and edge.",
)
@click.option("--focus", metavar="NODE", help="Only NODE and its neighbourhood.")
@click.option("--depth", type=click.IntRange(min=0), help="Hops around --focus (default: all).")
@click.option(
    "--config",
    metavar="PATH",
    help="Config file relative to the repository root [default: guardrails.yaml].",
)
@click.option("-C", "--repo", "repo", metavar="DIR", default=".")
@click.option("--output", type=click.Path(dir_okay=False), help="Write to FILE instead of stdout.")
@click.pass_context
def graph(ctx: click.Context, /, **opts: Any) -> None:
    """The dependency graph of the working tree."""
    from guardrails.commands import graph as cmd

    run(ctx, lambda: cmd.main(**opts))


@cli.command()
@click.option(
    "--config",
    metavar="PATH",
    help="Config file relative to the repository root [default: guardrails.yaml].",
)
@click.option("-C", "--repo", "repo", metavar="DIR", default=".")
@click.pass_context
def validate(ctx: click.Context, /, **opts: Any) -> None:
    """Check guardrails.yaml, CODEOWNERS and catalogs; exit 2 listing every problem."""
    from guardrails.commands import validate as cmd

    run(ctx, lambda: cmd.main(**opts))


@cli.command()
@click.option("-C", "--repo", "repo", metavar="DIR", default=".")
@click.option("--force", is_flag=True, help="Overwrite an existing guardrails.yaml.")
@click.option("--stdout", is_flag=True, help="Print the starter config instead of writing it.")
@click.option(
    "--agent-skill",
    is_flag=True,
    help="Instead, write .agents/skills/guardrails/SKILL.md and .claude/skills/guardrails/SKILL.md:"
    " the gate, taught to coding agents.",
)
@click.pass_context
def init(ctx: click.Context, /, agent_skill: bool = False, **opts: Any) -> None:
    """Write a starter guardrails.yaml inferred from the repository (services, owners, imports)."""
    if agent_skill:
        from guardrails import skill

        run(ctx, lambda: skill.write(opts["repo"], force=opts["force"]))
    from guardrails.commands import init as cmd

    run(ctx, lambda: cmd.main(**opts))


@cli.group()
def policies() -> None:
    """The policy packs in force, and their fixture cases."""


_config_option = click.option(
    "--config",
    metavar="PATH",
    help="Config file relative to the repository root [default: guardrails.yaml].",
)


@policies.command("list")
@_config_option
@click.option("-C", "--repo", "repo", metavar="DIR", default=".")
@click.pass_context
def policies_list(ctx: click.Context, /, **opts: Any) -> None:
    """Every policy of every pack the config names, in the order they apply."""
    from guardrails.commands import policies as cmd

    run(ctx, lambda: cmd.list_main(**opts))


@policies.command("show")
@click.argument("policy_id", metavar="ID")
@_config_option
@click.option("-C", "--repo", "repo", metavar="DIR", default=".")
@click.pass_context
def policies_show(ctx: click.Context, /, policy_id: str, **opts: Any) -> None:
    """One policy: its condition, grade, requirement, rationale and runbook."""
    from guardrails.commands import policies as cmd

    run(ctx, lambda: cmd.show_main(policy_id, **opts))


@policies.command("test")
@click.argument("directory", metavar="[DIR]", required=False, type=click.Path(file_okay=False))
@click.pass_context
def policies_test(ctx: click.Context, /, directory: str | None) -> None:
    """Run fixture cases (default: the built-in packs' own); exit 1 when one fails."""
    from guardrails.commands import policies as cmd

    run(ctx, lambda: cmd.test_main(directory))


@cli.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    help="Build the demo repository here (kept) instead of a temp dir.",
)
@click.option("--keep", is_flag=True, help="Keep the temp repository to explore it.")
@click.pass_context
def demo(ctx: click.Context, /, **opts: Any) -> None:
    """The acme org and an AI agent's change, checked end to end."""
    from guardrails.commands import demo as cmd

    run(ctx, lambda: cmd.main(**opts))


@cli.command()
@click.option("-C", "--repo", "repo", metavar="DIR", default=".")
@click.option(
    "--affected",
    is_flag=True,
    help="Print the blast radius instead of gating; never fails (the guardrails-affected hook).",
)
@click.pass_context
def hook(ctx: click.Context, /, repo: str, affected: bool) -> None:
    """The gate as a git hook: the staged change at commit time, the pushed range at push time
    (PRE_COMMIT_FROM_REF..PRE_COMMIT_TO_REF, as pre-commit and hooks/pre-push set them)."""
    from guardrails.commands import hook as cmd

    if affected:
        ctx.obj["exit_zero"] = True
    run(ctx, lambda: cmd.main(repo=repo, affected=affected, environ=os.environ))


@cli.command("install-hooks")
@click.option("-C", "--repo", "repo", metavar="DIR", default=".")
@click.option("--force", is_flag=True, help="Replace hooks that guardrails did not install.")
@click.pass_context
def install_hooks(ctx: click.Context, /, **opts: Any) -> None:
    """Install the plain git hooks (pre-commit, pre-push), for teams without pre-commit."""
    from guardrails.commands import install_hooks as cmd

    run(ctx, lambda: cmd.main(**opts))


@cli.command()
@click.pass_context
def mcp(ctx: click.Context, /) -> None:
    """Serve the Model Context Protocol over stdio for coding agents (read-only tools:
    affected, check_patch, why, owners). Needs the extra: pip install 'guardrails[mcp]'."""
    from guardrails.commands import mcp as cmd

    run(ctx, cmd.main)


def _collect_less() -> None:
    """Tune the cyclic garbage collector for a short run. Without this, the collector
    keeps scanning objects that stay alive for the whole run: the modules just imported,
    the tree listings, the cached records. On django's ten-file hook that cost ~10 ms of
    ~0.2 s in about 45 collections, which freed almost nothing.

    So the objects alive now are frozen out of every collection (``gc.freeze``; the few
    hundred cycles the imports left behind stay with them). The youngest generation is
    then collected every 50,000 allocations instead of 700. The older generations keep
    their thresholds, counted in young collections, so on Python 3.14 (whose incremental
    collector reads them differently) nothing else changes. A cycle is still freed, only
    later: ``guardrails mcp`` runs for a long time, so collection must not stop."""
    import gc

    gc.freeze()
    gc.set_threshold(50_000, *gc.get_threshold()[1:])


def main() -> None:
    """The console script. Exit codes stay 0/1/2: click's own "Aborted!" (exit 1) would read
    as "blocked", so an interrupt or a usage error is exit 2, like every other error."""
    from guardrails.commands.output import finish, protect_streams

    _collect_less()
    protect_streams()  # closed or broken stdout/stderr: never exit 1, never a traceback
    try:
        code = cli.main(standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("guardrails: interrupted", err=True)
        code = EXIT_ERROR
    except click.ClickException as exc:
        exc.show()
        code = EXIT_ERROR
    finish(code if isinstance(code, int) else 0)
