"""Command line: click commands only. Each parses options, calls ``grader.api``
and prints. Heavy modules (sympy, numpy) are imported inside the commands so
that ``grader --help`` stays fast.

Exit codes (DESIGN.md): 0 ok; 1 graded but below ``--min-score``; 2 bad input,
with a one-line ``error:`` message and no traceback.
"""

from __future__ import annotations

import sys

import click

from grader import __version__
from grader.errors import GraderError


class _GraderGroup(click.Group):
    """Catches the grader's own errors once, at the edge."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GraderError as error:
            click.echo(f"error: {error.format()}", err=True)
            sys.exit(error.exit_code)


@click.group(cls=_GraderGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grader")
def main() -> None:
    """Auto-grading of exam answers: math, code and free text, scored by YAML rubrics."""


# Commands are added below, one per concern, each a thin wrapper over grader.api.
