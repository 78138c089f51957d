"""Command line: thin click commands over guardrails.commands.*; no logic lives here."""

from __future__ import annotations

import sys

import click

from guardrails import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="guardrails")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """guardrails: who a change affects, whether it is safe, and who must approve it."""
    ctx.obj = {"debug": debug}


def main() -> None:
    sys.exit(cli.main(standalone_mode=True))
