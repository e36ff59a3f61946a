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


@main.command()
@click.option(
    "--rubric",
    "rubrics",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False),
    help="A rubric to serve; repeat for several exams. The exam id is the file's stem.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--token",
    envvar="GRADER_TOKEN",
    help="Instructor token (default: $GRADER_TOKEN, else a random one, printed).",
)
@click.option(
    "--rate-limit",
    default=120.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Requests a minute per client address (0: no limit).",
)
@click.option(
    "--max-body",
    default=2_000_000,
    show_default=True,
    type=click.IntRange(1024),
    help="Largest request body in bytes.",
)
@click.option(
    "--timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0.1),
    help="Seconds before a request's grading is abandoned (504).",
)
def serve(rubrics, host, port, workers, token, rate_limit, max_body, timeout) -> None:
    """Run the HTTP service: student self-check page and API (extra [serve])."""
    from grader.service.run import run_service

    run_service(
        rubric_paths=list(rubrics),
        host=host,
        port=port,
        workers=workers,
        token=token,
        rate_per_minute=rate_limit,
        max_body_bytes=max_body,
        request_timeout=timeout,
        announce=click.echo,
    )
