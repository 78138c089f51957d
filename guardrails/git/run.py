"""Running git: the one place in guardrails that starts a process.

Every git command goes through :func:`_run`, with an environment that keeps the user's own
diff tooling and locale out of what we read (and every diff gets :data:`_DIFF_OPTIONS`, for
the same reason); git's complaints become :class:`GitError`.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from guardrails.errors import GitError
from guardrails.git.parse import _text

# The user's own diff tooling must not change what we read.
_DROPPED_ENV = frozenset({"GIT_EXTERNAL_DIFF", "GIT_DIFF_OPTS", "GIT_PAGER"})

# Raw + patch in one process. -U0 makes every hunk exactly the lines that changed;
# --inter-hunk-context=0 stops git from gluing nearby hunks together; -C also finds renames.
# --text: the change under review controls .gitattributes, and `*.py -diff` there would make
# git print "Binary files differ" and hide every added line from the rules. We decide what
# is binary ourselves, from the content (changes.is_binary, git's own NUL heuristic).
_DIFF_OPTIONS = (
    "-z",
    "--text",
    "--raw",
    "-p",
    "-U0",
    "--inter-hunk-context=0",
    "--no-abbrev",
    "-C",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--submodule=short",
    "--no-relative",
)
# The same diff as two processes: the raw records (quick: the blob ids, which the contents
# are read by) and the patch text (the slow part on a wide range), which git prints alike
# either way. A wide range reads the blobs while git is still writing the patch.
_RAW_OPTIONS = tuple(o for o in _DIFF_OPTIONS if o not in ("-p", "-U0", "--inter-hunk-context=0"))
_PATCH_OPTIONS = tuple(o for o in _DIFF_OPTIONS if o != "--raw")


# What a git command returns (only this module names subprocess).
_Completed = subprocess.CompletedProcess[bytes]
_popen = subprocess.Popen  # every git process starts here (tests count them here)


def _git_complaint(stderr: bytes) -> str:
    """git's own reason, on one line: its fatal:/error: lines, prefixes dropped."""
    lines = [ln.strip() for ln in _text(stderr).splitlines() if ln.strip()]
    picked = [ln for ln in lines if ln.startswith(("fatal:", "error:"))] or lines[-1:]
    return "; ".join(re.sub(r"^(fatal|error): ", "", ln) for ln in picked) or "no message"


def _env(extra: Mapping[str, str] | None) -> dict[str, str]:
    # The environment is inherited on purpose: inside a git hook GIT_DIR and GIT_INDEX_FILE
    # name the index that is about to be committed (`git commit -a` uses a temporary one).
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update({"LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"})
    if extra:
        env.update(extra)
    return env


class _Pending:
    """A git process started now and read when its answer is needed, so that independent
    commands overlap (the pre-commit hook asks git five things, most of which do not depend
    on each other: run one after another they were a tenth of a hook run)."""

    def __init__(
        self,
        args: Sequence[str],
        cwd: Path,
        *,
        input: bytes | None = None,
        env: Mapping[str, str] | None = None,
        ok: tuple[int, ...] = (0,),
    ) -> None:
        self._args, self._input, self._ok = args, input, ok
        self._done: subprocess.CompletedProcess[bytes] | None = None
        try:
            self._proc = _popen(
                ["git", *args],
                cwd=cwd,
                env=_env(env),
                stdin=subprocess.PIPE if input is not None else None,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except FileNotFoundError as exc:
            raise GitError("git is not installed or not on PATH", fix="install git") from exc

    def result(self, ok: tuple[int, ...] | None = None) -> subprocess.CompletedProcess[bytes]:
        """The finished process (waited for once); GitError when it exited outside ``ok``
        (the one it was started with, unless given here)."""
        if self._done is None:
            try:
                out, err = self._proc.communicate(self._input)
            except BaseException:
                self._proc.kill()
                self._proc.wait()
                raise
            self._done = subprocess.CompletedProcess(
                self._proc.args, self._proc.returncode, out, err
            )
        proc = self._done
        if proc.returncode not in (self._ok if ok is None else ok):
            command = next(a for a in self._args if not a.startswith("-") and "=" not in a)
            raise GitError(
                f"git {command} failed: {_git_complaint(proc.stderr)}",
                fix="check that `git status` works in this repository",
            )
        return proc

    def close(self) -> None:
        """Stop the process if its answer is no longer wanted (the caller failed first), and
        reap it: no process or pipe outlives the call that started it."""
        if self._done is None:
            self._proc.kill()
            self._proc.communicate()
            self._done = subprocess.CompletedProcess(self._proc.args, -9, b"", b"")


def drain(*pending: _Pending) -> None:
    """Read every process in ``pending`` to its end at once: each one's input written and
    its output read as it comes, so none waits, its pipe full, until another is read (as
    ``result()`` one after the other would make a later process do). ``result()`` then
    returns at once."""
    import selectors

    todo = [p for p in pending if p._done is None]
    if len(todo) < 2:
        return
    read: dict[int, list[bytes]] = {}  # fd -> what came so far
    write: dict[int, memoryview] = {}  # fd -> input not written yet
    fds: list[tuple[int, int]] = []  # each process's (stdout, stderr)
    try:
        with selectors.DefaultSelector() as selector:
            for p in todo:
                proc = p._proc
                assert proc.stdout is not None and proc.stderr is not None
                if proc.stdin is not None:
                    if p._input:
                        os.set_blocking(proc.stdin.fileno(), False)
                        write[proc.stdin.fileno()] = memoryview(p._input)
                        selector.register(proc.stdin, selectors.EVENT_WRITE)
                    else:
                        proc.stdin.close()
                fds.append((proc.stdout.fileno(), proc.stderr.fileno()))
                for stream in (proc.stdout, proc.stderr):
                    read[stream.fileno()] = []
                    selector.register(stream, selectors.EVENT_READ)
            while selector.get_map():
                for key, _ in selector.select():
                    fd = key.fd
                    if fd in write:
                        left = write[fd]
                        try:
                            n = os.write(fd, left[:65536])
                        except BlockingIOError:  # the pipe filled between select and write
                            n = 0
                        except BrokenPipeError:  # it exited without reading it all
                            n = len(left)
                        write[fd] = left[n:]
                        if n < len(left):
                            continue
                    else:
                        data = os.read(fd, 65536)
                        if data:
                            read[fd].append(data)
                            continue
                    selector.unregister(key.fileobj)
                    key.fileobj.close()  # type: ignore[union-attr]
    except BaseException:
        for p in todo:  # interrupted: stopped and reaped, their pipes closed
            p._proc.kill()
            for pipe in (p._proc.stdin, p._proc.stdout, p._proc.stderr):
                if pipe is not None:
                    pipe.close()
            p._proc.wait()
            p._done = subprocess.CompletedProcess(p._proc.args, -9, b"", b"")
        raise
    for p, (out, err) in zip(todo, fds, strict=True):
        p._proc.wait()
        p._done = subprocess.CompletedProcess(
            p._proc.args, p._proc.returncode, b"".join(read[out]), b"".join(read[err])
        )


def _run(
    args: Sequence[str],
    cwd: Path,
    *,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    ok: tuple[int, ...] = (0,),
) -> subprocess.CompletedProcess[bytes]:
    return _Pending(args, cwd, input=input, env=env, ok=ok).result()


def _open_error(cwd: str, stderr: bytes) -> GitError:
    complaint = _git_complaint(stderr)
    if "not a git repository" in complaint:
        return GitError("not a git repository", path=cwd, fix="run inside a clone, or pass --repo")
    owner = re.search(r"dubious ownership in repository at '(.*)'", complaint)
    if owner:
        return GitError(
            "git refuses to read this repository: it belongs to another user",
            path=cwd,
            fix=f"git config --global --add safe.directory {owner[1]}",
        )
    if "must be run in a work tree" in complaint:
        return GitError(
            "this needs a work tree (not a bare repository or a .git directory)",
            path=cwd,
            fix="run inside a checkout of the repository",
        )
    return GitError(
        f"cannot open the repository: {complaint}",
        path=cwd,
        fix="check that `git status` works here",
    )
