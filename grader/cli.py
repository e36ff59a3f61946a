"""Command line: click commands only. Each parses options, calls ``grader.api``
and prints. Heavy modules (sympy, numpy) are imported inside the commands so
that ``grader --help`` stays fast.

Exit codes (DESIGN.md): 0 ok; 1 graded but below ``--min-score``; 2 bad input,
with a one-line ``error:`` message and no traceback.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from grader import __version__
from grader.errors import GraderError
from grader.report.formats import FORMATS, RenderOptions, get_format


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


def _allow_outside_rubric_dir(command):
    """``--allow-outside-rubric-dir``: the one switch for rubric files elsewhere."""
    return click.option(
        "--allow-outside-rubric-dir",
        "allow_outside",
        is_flag=True,
        help="Let the rubric's context and references files be outside its folder "
        "(default: refused, a rubric reads files from its own folder only).",
    )(command)


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
@click.option(
    "--results",
    "results",
    multiple=True,
    help="EXAM=DIR: a graded class (grader grade --out DIR) for the review page at /review.",
)
@click.option(
    "--review-db", help="Decision database for the review page (default: DIR/decisions.sqlite)."
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    help="Address of a reverse proxy whose X-Forwarded-For is believed (repeatable; "
    "default: none, every client is its own address).",
)
@click.option(
    "--rate-limit-address",
    default=1200.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Requests a minute per address for requests that name a student (bearer token or "
    "X-Student-Id): a class behind one proxy.",
)
@click.option(
    "--header-timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0.1),
    help="Seconds for a request's headers (408 and closed after).",
)
@click.option(
    "--body-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0.1),
    help="Seconds for a request's body once its headers are in (408 and closed after).",
)
@click.option(
    "--max-in-flight",
    default=32,
    show_default=True,
    type=click.IntRange(1),
    help="Grading requests admitted at once; more answer 503 with Retry-After.",
)
@click.option(
    "--max-in-flight-per-client",
    default=4,
    show_default=True,
    type=click.IntRange(1),
    help="Grading requests one student (or address) may have at once; more answer 429.",
)
@click.option(
    "--heavy-bytes",
    default=64_000,
    show_default=True,
    type=click.IntRange(0),
    help="Bodies larger than this are graded in their own low-priority worker (0: no such lane).",
)
@_allow_outside_rubric_dir
@click.option(
    "--hide-scores",
    is_flag=True,
    help="Self-checks show what is missing and the ideas found, never a score.",
)
@click.option(
    "--checks-per-part",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="Self-checks a student may make of one part in --checks-window (0: no limit).",
)
@click.option(
    "--checks-window",
    default="24h",
    show_default=True,
    help="The rolling window of --checks-per-part: seconds, or 30min, 24h, 7d.",
)
@click.option(
    "--release",
    "release",
    multiple=True,
    metavar="[EXAM:]PART=WHEN",
    help="A part (q2.c) or question (q2) opens for self-checks at WHEN (ISO 8601, "
    "UTC unless a zone is given); repeatable.",
)
@click.option(
    "--student-tokens",
    type=click.Path(dir_okay=False),
    help="A file of 'TOKEN STUDENT-ID' lines: self-checks then need a listed token.",
)
def serve(
    rubrics,
    host,
    port,
    workers,
    token,
    rate_limit,
    max_body,
    timeout,
    results,
    review_db,
    trusted_proxies,
    rate_limit_address,
    header_timeout,
    body_timeout,
    max_in_flight,
    max_in_flight_per_client,
    heavy_bytes,
    allow_outside,
    hide_scores,
    checks_per_part,
    checks_window,
    release,
    student_tokens,
) -> None:
    """Run the HTTP service: student self-check page and API (extra [serve])."""
    from grader.service.run import run_service

    run_service(
        hide_scores=hide_scores,
        checks_per_part=checks_per_part,
        checks_window=checks_window,
        release=list(release),
        student_tokens=student_tokens,
        rubric_paths=list(rubrics),
        results=list(results),
        review_database=review_db,
        trusted_proxies=list(trusted_proxies),
        host=host,
        port=port,
        workers=workers,
        token=token,
        rate_per_minute=rate_limit,
        max_body_bytes=max_body,
        request_timeout=timeout,
        address_rate_per_minute=rate_limit_address,
        header_timeout=header_timeout,
        body_timeout=body_timeout,
        max_in_flight=max_in_flight,
        max_in_flight_per_client=max_in_flight_per_client,
        heavy_bytes=heavy_bytes,
        allow_outside_rubric_dir=allow_outside,
        announce=click.echo,
    )


# --- grade / check / validate (pipeline) ------------------------------------


class _FormatChoice(click.Choice):
    """``--format``: the format registry's names, read when the option is
    parsed, so that a format added to ``grader.report.formats`` is a choice."""

    def __init__(self) -> None:
        super().__init__(tuple(FORMATS))

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(FORMATS)

    @choices.setter
    def choices(self, value) -> None:  # click sets it in __init__; the registry decides
        pass


def _parse_min_score(text: str | None) -> tuple[float, bool] | None:
    """``"20"`` -> (20, False) marks; ``"80%"`` -> (0.8, True) a share of the maximum."""
    if text is None:
        return None
    try:
        if text.strip().endswith("%"):
            return float(text.strip()[:-1]) / 100, True
        return float(text), False
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a number or a percentage", param_hint="--min-score"
        ) from None


def _below(report, threshold: tuple[float, bool] | None) -> bool:
    if threshold is None:
        return False
    value, share = threshold
    limit = value * report.max_score if share else value
    return report.score < limit - 1e-9


_OCR_OPTION = click.option(
    "--ocr",
    metavar="COMMAND",
    help="Turn scans (images, PDFs without text) into Markdown with this command first; "
    "{input}, {output}, {output_dir} are filled in, e.g. 'mpx convert {input} {output}'. "
    "The Markdown is kept in OUT/ocr with --out (docs/answer-sheets.md).",
)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--rubric", required=True, type=click.Path(), help="The rubric (YAML).")
@click.option(
    "--format",
    "fmt",
    type=_FormatChoice(),
    default="text",
    show_default=True,
    help="text: a summary; json: the report (JSON Lines for several); md: a feedback sheet.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Write every format here (see docs/integrations.md); resumable.",
)
@click.option(
    "--min-score", help="Exit 1 if a score is below this (marks, or a percentage like 60%)."
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.01),
    help="Seconds per check (default: the rubric's).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes (default: all cores). With --out or --jobs the batch "
    "runner grades in parallel and resumes an interrupted run.",
)
@click.option(
    "--sheet-time-limit",
    type=click.FloatRange(min=0.1),
    default=300.0,
    show_default=True,
    help="Seconds per sheet in the batch runner; a sheet over it is reported as failed.",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="local: worker processes here; dask: a Dask cluster (extra [dask], docs/scale.md).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="With --executor dask: the scheduler, e.g. tcp://HOST:8786 (default: a local cluster).",
)
@click.option(
    "--dask-workers",
    type=click.IntRange(min=1),
    help="With --executor dask and no --scheduler: worker processes of the local cluster "
    "(default: --jobs, else 2).",
)
@click.option(
    "--db",
    "decisions_db",
    help="With --out: the decision database whose marks the files use "
    "(default: DIR/decisions.sqlite if there is one; docs/review.md).",
)
@_OCR_OPTION
@_allow_outside_rubric_dir
def grade(
    paths,
    rubric,
    fmt,
    out,
    min_score,
    time_limit,
    jobs,
    sheet_time_limit,
    executor,
    scheduler,
    dask_workers,
    decisions_db,
    ocr,
    allow_outside,
) -> None:
    """Grade submissions: PATH is a sheet, a student's folder, or a folder of them.

    With --out DIR every format is written under DIR (results/, feedback/,
    gradescope/, gradebook.csv, junit.xml, review-queue.csv, summary.*), in
    parallel, and a second run grades only what is missing or changed."""
    with contextlib.ExitStack() as stack:
        paths, ocr_failed = _run_ocr(paths, ocr, out, stack)
        code = _grade(
            paths,
            rubric,
            fmt,
            out,
            min_score,
            time_limit,
            jobs,
            sheet_time_limit,
            executor,
            scheduler,
            dask_workers,
            decisions_db,
            allow_outside,
        )
    sys.exit(2 if ocr_failed else code)


def _run_ocr(paths, command, out, stack: contextlib.ExitStack) -> tuple[tuple, bool]:
    """With --ocr: scans replaced by their Markdown (kept in OUT/ocr, else in a
    temporary folder for the run); errors printed, one line each."""
    if not command:
        return tuple(paths), False
    from grader import api

    folder = Path(out) / "ocr" if out else Path(stack.enter_context(_temporary_folder()))
    run = api.ocr_paths(paths, command=command, out_dir=folder)
    for shown, message in run.errors:
        click.echo(f"error: {shown}: {message}", err=True)
    if not run.paths:
        sys.exit(2)
    return tuple(run.paths), bool(run.errors)


def _temporary_folder():
    import tempfile

    return tempfile.TemporaryDirectory(prefix="grader-ocr-")


def _grade(
    paths,
    rubric,
    fmt,
    out,
    min_score,
    time_limit,
    jobs,
    sheet_time_limit,
    executor,
    scheduler,
    dask_workers,
    decisions_db,
    allow_outside=False,
) -> int:
    from grader import api

    threshold = _parse_min_score(min_score)
    report_format = get_format(fmt)
    if executor != "dask" and (scheduler or dask_workers):
        raise click.UsageError("--scheduler and --dask-workers go with --executor dask")
    batch_executor = None
    if executor == "dask":
        from grader.batch.dask_executor import DaskExecutor, import_distributed

        import_distributed()  # a missing extra is one line, before any work
        batch_executor = DaskExecutor(scheduler=scheduler, workers=dask_workers or jobs)
    # Formats that are not one report after another need the whole batch.
    if out or jobs or batch_executor is not None or report_format.separator is None:
        from grader.batch import cli_grade

        return cli_grade(
            paths,
            rubric,
            out_dir=out,
            jobs=jobs,
            fmt=fmt,
            time_limit=time_limit,
            sheet_time_limit=sheet_time_limit,
            below=(lambda report: _below(report, threshold)) if threshold else None,
            echo=click.echo,
            executor=batch_executor,
            decisions=decisions_db,
            allow_outside_rubric_dir=allow_outside,
        )
    loaded = api.load_rubric(rubric, allow_outside_folder=allow_outside)
    single = len(list(api.expand_paths(paths))) == 1
    failed = below = shown_one = False
    from grader.report.stats import NotRunCollector

    not_run = NotRunCollector()
    for outcome in api.grade_paths(paths, loaded, time_limit=time_limit, strict=True):
        if outcome.report is None:
            failed = True
            message = outcome.error or "failed"
            shown = message if message.startswith(outcome.path) else f"{outcome.path}: {message}"
            click.echo(f"error: {shown}", err=True)
            continue
        report = outcome.report
        not_run.add(report)
        below = below or _below(report, threshold)
        # one submission: its report; several: each as in the many-report
        # rendering (JSON Lines for json), printed as soon as it is graded
        if single:
            text = report_format.render_one(report)
        else:
            text = report_format.render_many([report])
        if shown_one:
            click.echo(report_format.separator, nl=False)
        click.echo(text.rstrip("\n"), nl=False)
        shown_one = True
    if shown_one:
        click.echo("")
    for line in not_run.lines():
        click.echo(f"error: {line}", err=True)
        failed = True
    if failed:
        return 2
    if below:
        return 1
    return 0


@main.command()
@click.argument("path", type=click.Path())
@click.option("--rubric", required=True, type=click.Path(), help="The rubric (YAML).")
@click.option("--format", "fmt", type=_FormatChoice(), default="text", show_default=True)
@_OCR_OPTION
@_allow_outside_rubric_dir
def check(path, rubric, fmt, ocr, allow_outside) -> None:
    """Self-check before hand-in: how each answer was read, score, feedback."""
    from grader import api

    with contextlib.ExitStack() as stack:
        (path,), _ = _run_ocr((path,), ocr, None, stack)
        rubric_model = api.load_rubric(rubric, allow_outside_folder=allow_outside)
        report = api.check(path, rubric_model, strict=True)
    text = get_format(fmt).render_one(report, RenderOptions(student=True))
    click.echo(text.rstrip("\n"))


@main.command()
@click.argument("rubric", type=click.Path())
@click.option(
    "--explain",
    is_flag=True,
    help="Show, per free-text idea, a sentence its phrasings match and one they do not.",
)
@_allow_outside_rubric_dir
def validate(rubric, explain: bool, allow_outside: bool) -> None:
    """Check a rubric: errors as file:line: message; run its examples like unit tests."""
    from grader import api

    result = api.validate(rubric, allow_outside_folder=allow_outside)
    if explain and result.ok:
        _explain_ideas(rubric, allow_outside)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    for line in result.lines():
        click.echo(line)
    counts = {
        status: sum(e.status == status for e in result.examples)
        for status in ("passed", "failed", "skipped")
    }
    if result.examples:
        click.echo(
            f"examples: {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped"
        )
        for example in result.examples:
            if example.status == "skipped":
                click.echo(
                    f"skipped: {example.part_id} {example.example_id}: {example.message}", err=True
                )
    if not result.ok:
        sys.exit(2)
    if not result.problems:
        click.echo(f"{rubric}: ok")


def _explain_ideas(path: str, allow_outside: bool = False) -> None:
    from grader.checks.concepts import concept_spec
    from grader.rubric.loader import load_rubric
    from grader.text.advice import idea_examples

    rubric = load_rubric(path, allow_outside_folder=allow_outside)
    for question in rubric.questions:
        for part in question.parts:
            for check in part.checks:
                if check.kind != "concepts" or not check.ideas:
                    continue
                for example in idea_examples(concept_spec(check)):
                    click.echo(f"{question.id}.{part.id} {check.id} idea {example.idea}:")
                    click.echo(f"  matches:       {example.matches}")
                    if example.misses:
                        click.echo(f"  does not match: {example.misses}")


# --- equiv (math-equiv) --------------------------------------------------------


def _json_option(text: str | None, option: str) -> dict | None:
    """``--symbols '{"X": "n x p"}'`` -> a dict; bad JSON is bad input (exit 2)."""
    import json

    from grader.errors import InputError

    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{option}: invalid JSON: {error.msg} (column {error.colno})") from None
    except RecursionError:
        raise InputError(f"{option}: invalid JSON: nested too deeply") from None
    if not isinstance(value, dict):
        raise InputError(f"{option}: expected a JSON object, got {type(value).__name__}")
    return value


@main.command()
@click.argument("a", required=False)
@click.argument("b", required=False)
@click.option("--symbols", help='Shapes as JSON, e.g. \'{"X": "n x (d+1)", "sigma": "function"}\'.')
@click.option("--aliases", help='Spellings as JSON, e.g. \'{"B": "beta"}\'.')
@click.option(
    "--context",
    "context_file",
    type=click.Path(dir_okay=False),
    help="A math context file (YAML/JSON: symbols, aliases, definitions, ...).",
)
@click.option(
    "--batch",
    "batch_file",
    type=click.Path(dir_okay=False, allow_dash=True),
    help='JSON Lines, one {"a", "b", "symbols"?, "aliases"?} a line ("-": stdin); '
    "prints one JSON verdict a line, in order.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.01),
    default=2.0,
    show_default=True,
    help="Seconds for the symbolic step of each check.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random points.")
def equiv(a, b, symbols, aliases, context_file, batch_file, as_json, time_limit, seed) -> None:
    """Are A and B the same expression (or equation)? Prints equal, not_equal
    (with a diagnosis) or undetermined (with the reason); exit 0 whatever the
    verdict, 2 for bad input.

    \b
      grader equiv 'X^T (X beta - y)' 'X^T X beta - X^T y' \\
          --symbols '{"X": "n x (d+1)", "y": "n x 1", "beta": "(d+1) x 1"}'
      grader equiv --batch pairs.jsonl > verdicts.jsonl
    """
    import json

    from grader import api
    from grader.errors import InputError
    from grader.math.context import MathContext, load_context

    symbols_map = _json_option(symbols, "--symbols")
    aliases_map = _json_option(aliases, "--aliases")
    context = load_context(context_file) if context_file else None
    if symbols_map or aliases_map:
        mapping = {k: v for k, v in (("symbols", symbols_map), ("aliases", aliases_map)) if v}
        own = MathContext.from_mapping(mapping, source="--symbols/--aliases")
        context = context.merged(own) if context is not None else own

    if batch_file is not None:
        if a is not None or b is not None:
            raise InputError("give either A and B or --batch FILE, not both")
        from grader.math.equivalence import equivalent_jsonl

        try:
            stream = click.open_file(batch_file, "r", encoding="utf-8")
        except OSError as error:
            raise InputError(f"cannot read {batch_file}: {error.strerror}") from None
        from grader.data_files import bounded_lines

        with stream:
            lines = bounded_lines(stream, where=batch_file, error=InputError)
            try:
                for verdict in equivalent_jsonl(lines, context, time_limit=time_limit, seed=seed):
                    click.echo(json.dumps(verdict))
            except UnicodeDecodeError:
                raise InputError(f"{batch_file}: not UTF-8 text") from None
        return

    if a is None or b is None:
        raise InputError("give two expressions A and B, or --batch FILE")
    result = api.equivalent(a, b, context, time_limit=time_limit, seed=seed)
    if result.bad_input:
        raise InputError(result.reason)
    if as_json:
        click.echo(json.dumps(result.to_dict()))
        return
    headline = (
        result.verdict if result.diagnosis is None else f"{result.verdict} ({result.diagnosis})"
    )
    click.echo(f"{headline}: {result.reason}")
    for key, value in result.details.items():
        click.echo(f"  {key}: {value}")


# --- derivation (math-derivation) -------------------------------------------


@main.command()
@click.argument("file", type=click.Path())
@click.option("--context", "context_file", type=click.Path(), help="Math context (YAML).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.01),
    default=5.0,
    show_default=True,
    help="Seconds per step.",
)
def derivation(file, context_file, as_json, time_limit) -> None:
    """Check the derivation in FILE line by line: how each step was read, its
    kind, whether it follows from the line before and whether it is right.

    \b
      grader derivation answer.md --context q1-context.yaml
      grader derivation answer.md --context q1-context.yaml --json
    """
    import json

    from grader.math.derivation import check_derivation_file, format_derivation

    result = check_derivation_file(file, context_file, time_limit=time_limit)
    if as_json:
        click.echo(json.dumps(result.to_dict()))
    else:
        click.echo(format_derivation(result))


# --- ci (batch) ---------------------------------------------------------------


@main.command()
@click.argument("path", default=".", type=click.Path())
@click.option("--rubric", required=True, type=click.Path(), help="The rubric (YAML).")
@click.option("--min-score", help="Exit 1 below this score (marks, or a percentage like 60%).")
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.01),
    help="Seconds per check (default: the rubric's).",
)
def ci(path, rubric, min_score, time_limit) -> None:
    """CI mode: grade the submission at PATH (default: the current folder).

    Prints the feedback; on GitHub Actions also writes the job summary and
    annotates the lines that lost marks. Exit 1 below --min-score, 2 on bad input."""
    import os

    from grader import api
    from grader.ci import on_github_actions, write_github_outputs

    threshold = _parse_min_score(min_score)
    try:
        report = api.grade(path, api.load_rubric(rubric), time_limit=time_limit, strict=True)
    except GraderError as error:
        if on_github_actions(os.environ):
            from grader.ci import write_classroom_error

            write_classroom_error(error.format(), env=os.environ)
        raise
    passed = not _below(report, threshold)
    click.echo(get_format("md").render_one(report).rstrip("\n"))
    if on_github_actions(os.environ):
        write_github_outputs(
            report, env=os.environ, echo=click.echo, min_score=min_score, passed=passed
        )
    if not passed:
        click.echo(
            f"score {report.score:g} / {report.max_score:g} is below --min-score {min_score}",
            err=True,
        )
        sys.exit(1)


# --- review: answer groups and decisions -----------------------------------------

_DB_OPTION = click.option(
    "--db",
    help="Decision database: a SQLite file or postgresql://... (default: RESULTS/decisions.sqlite).",
)


def _open_review(results: str, db: str | None):
    from grader import review

    reports = review.read_reports(results)
    store = review.open_store(db or review.default_store(results))
    return review, reports, store


@main.command()
@click.argument("results", type=click.Path())
@click.option("--part", "part_id", help="Only this part (e.g. q1.b).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@_DB_OPTION
def groups(results, part_id, fmt, db) -> None:
    """Answers grouped by what the grader read, per part: decide a group once.

    RESULTS is the folder `grader grade --out` wrote (or a JSON Lines file of
    reports). Groups with flagged answers come first, then larger ones."""
    import json

    review, reports, store = _open_review(results, db)
    with store:
        current = store.current(reports[0].rubric.id)
    found = review.group_answers(reports, part_id)
    if part_id is not None and not found:
        raise GraderError(f"{results}: no part {part_id!r} in the reports")
    if fmt == "json":
        for pid, part_groups in found.items():
            for group in part_groups:
                decided = [current.get((pid, m.submission_id)) for m in group.members]
                click.echo(
                    json.dumps(
                        {
                            "part": pid,
                            "group": group.key,
                            "size": group.size,
                            "flagged": group.flagged,
                            "score": group.score,
                            "max_score": group.max_score,
                            "decided": sum(d is not None for d in decided),
                            "students": [m.submission_id for m in group.members],
                            "reading": group.reading,
                            "representative": group.representative.text,
                        }
                    )
                )
        return
    for pid, part_groups in found.items():
        answers = sum(group.size for group in part_groups)
        flagged = sum(group.flagged for group in part_groups)
        click.echo(f"{pid}: {answers} answers in {len(part_groups)} groups ({flagged} flagged)")
        for group in part_groups:
            decided = sum((pid, m.submission_id) in current for m in group.members)
            notes = [f"{group.size} answer{'s' if group.size != 1 else ''}"]
            notes.append(f"{group.score:g}/{group.max_score:g}")
            if group.flagged:
                notes.append(f"{group.flagged} flagged")
            if decided:
                notes.append(f"{decided} decided")
            click.echo(f"  [{group.key}] {', '.join(notes)}")
            for line in group.reading:
                click.echo(f"      {line[:150]}")
            sample = " ".join(group.representative.text.split())
            if sample:
                sample = sample if len(sample) <= 110 else sample[:107] + "..."
                click.echo(f"      e.g. {group.representative.submission_id}: {sample}")


@main.command()
@click.argument("results", type=click.Path())
@click.option("--part", "part_id", required=True, help="The part (e.g. q1.b).")
@click.option("--group", "group_key", help="A group key from `grader groups`.")
@click.option("--student", "students", multiple=True, help="A submission id; repeatable.")
@click.option("--mark", type=float, help="The mark to give (default: keep the grader's).")
@click.option("--feedback", default="", help="Feedback the students see.")
@click.option("--reason", default="", help="Why (kept in the audit trail).")
@click.option(
    "--accept", is_flag=True, help="Accept this form for good (a proposed rubric change)."
)
@click.option("--by", "author", required=True, help="Who decides (kept in the audit trail).")
@_DB_OPTION
def decide(
    results, part_id, group_key, students, mark, feedback, reason, accept, author, db
) -> None:
    """Set the mark or feedback of a group of answers, or of one student's answer.

    The decision lasts across regrades while the answer is unchanged; when it
    changes, the answer goes back to review."""
    review, reports, store = _open_review(results, db)
    if (group_key is None) == (not students):
        raise GraderError("give either --group KEY or --student ID")
    if mark is None and not feedback and not accept:
        raise GraderError("nothing to decide: give --mark, --feedback or --accept")
    decisions = review.decide(
        reports,
        part_id,
        author,
        group_key=group_key,
        students=students,
        mark=mark,
        feedback=feedback,
        reason=reason,
        accept_form=accept,
    )
    with store:
        stored = store.record(decisions)
    what = f"mark {mark:g}" if mark is not None else "feedback" if feedback else "accepted"
    click.echo(
        f"recorded {len(stored)} decision{'s' if len(stored) != 1 else ''} on {part_id} "
        f"({what}, by {author}) in {store.where}"
    )
    _refresh(results, db)


def _refresh(results: str, db: str | None) -> None:
    """An out folder's files again, with the final marks."""
    from pathlib import Path

    if (Path(results) / "results").is_dir():
        from grader.batch.summary import refresh_batch_files

        if refresh_batch_files(results, db):
            click.echo(f"final marks written to {results} (gradebook, reports, summaries)")


@main.command("import-marks")
@click.argument("results", type=click.Path())
@click.argument("marks", type=click.Path())
@click.option("--by", "author", required=True, help="Who marked (kept in the audit trail).")
@_DB_OPTION
def import_marks(results, marks, author, db) -> None:
    """Record human marks from a CSV (columns: part, student, mark, comment)."""
    review, reports, store = _open_review(results, db)
    decisions = review.decisions_from_csv(marks, reports, author)
    with store:
        stored = store.record(decisions)
    click.echo(f"recorded {len(stored)} marks from {marks} in {store.where}")
    _refresh(results, db)


# --- export: grades back to Canvas, Moodle, Gradescope ---------------------------


@main.command()
@click.argument("results", type=click.Path())
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Choice(["canvas", "moodle", "gradescope"]),
    help="canvas / moodle: an import CSV; gradescope: results.json per student.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(),
    help="canvas, moodle: the CSV file (default: stdout); gradescope: a folder (required).",
)
@click.option(
    "--roster",
    type=click.Path(dir_okay=False),
    help="A CSV of students (a Canvas gradebook export works) for the id columns.",
)
@click.option(
    "--canvas-assignment",
    "canvas_assignments",
    multiple=True,
    metavar="ITEM=ID",
    help="Put a question, part or total (q1, q1.b, total) in the existing Canvas "
    "assignment with this id; repeatable. Without it every question is a new assignment.",
)
@click.option("--canvas-total", is_flag=True, help="Add a Total column (a new assignment).")
@click.option(
    "--points-possible", is_flag=True, help="Add Canvas's Points Possible row (the maxima)."
)
@click.option(
    "--moodle-id",
    type=click.Choice(["idnumber", "username", "email"]),
    default="idnumber",
    show_default=True,
    help="The Moodle user field the first column holds (from --roster).",
)
@click.option(
    "--leaderboard",
    multiple=True,
    metavar="ITEM",
    help="A Gradescope leaderboard column: total, a question or a part; repeatable.",
)
@_DB_OPTION
def export(
    results,
    target,
    out,
    roster,
    canvas_assignments,
    canvas_total,
    points_possible,
    moodle_id,
    leaderboard,
    db,
) -> None:
    """Grades back where courses keep them: a graded class (RESULTS: the folder
    `grader grade --out` wrote) as a Canvas or Moodle import file, or Gradescope
    results.json files. Final marks (people's decisions) are used.

    \b
      grader export results --to canvas --canvas-assignment q1=12345 --roster roster.csv
      grader export results --to moodle --roster roster.csv --moodle-id email --out moodle.csv
      grader export results --to gradescope --leaderboard total --out gradescope/
    """
    from pathlib import Path

    from grader.errors import InputError
    from grader.exports import ExportOptions, export_class, parse_assignment

    options = ExportOptions(
        roster=roster,
        canvas_assignments=[parse_assignment(text) for text in canvas_assignments],
        canvas_total=canvas_total,
        points_possible=points_possible,
        moodle_id=moodle_id,
        leaderboard=list(leaderboard),
    )
    if target == "gradescope" and not out:
        raise InputError("--to gradescope writes one file per student: give --out DIR")
    done = export_class(results, target, options, database=db)
    for warning in done.warnings:
        click.echo(f"warning: {warning}", err=True)
    if target == "gradescope":
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in done.files.items():
            (folder / name).write_text(text, encoding="utf-8")
        click.echo(f"wrote {len(done.files)} results.json files to {folder}")
        return
    ((name, text),) = done.files.items()
    if out:
        Path(out).write_text(text, encoding="utf-8", newline="")
        click.echo(f"wrote {out}")
    else:
        click.echo(text, nl=False)


# --- stats: item analysis of a graded class ------------------------------------


@main.command()
@click.argument("results", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@_DB_OPTION
def stats(results, fmt, db) -> None:
    """Item analysis of a graded class: facility, discrimination, Cronbach's alpha.

    Uses the final marks (people's decisions applied), so it can be rerun after
    review. Parts to check are called out."""
    import json
    from pathlib import Path

    from grader import review
    from grader.report.item_analysis import analyse_class

    reports = review.read_reports(results)
    store_path = db or review.default_store(results)
    if db or Path(store_path).exists():
        with review.open_store(store_path) as store:
            current = store.current(reports[0].rubric.id)
        reports = [review.apply_decisions(report, current) for report in reports]
    analysis = analyse_class(reports)
    if fmt == "json":
        click.echo(json.dumps(analysis.to_dict()))
        return

    def number(value: float | None, digits: int = 2) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    click.echo(
        f"{analysis.sheets} sheets, mean {analysis.mean:g} / {analysis.max_score:g}, "
        f"sd {number(analysis.standard_deviation)}, Cronbach's alpha {number(analysis.alpha)}, "
        f"SEM {number(analysis.standard_error)}"
    )
    click.echo(
        f"{'item':<8}{'max':>6}{'mean':>8}{'facility':>10}{'sd':>7}{'discr.':>8}{'flagged':>9}"
    )
    for item in [*analysis.questions, *analysis.parts]:
        click.echo(
            f"{item.id:<8}{item.max_score:>6g}{item.mean:>8.2f}{number(item.facility):>10}"
            f"{number(item.standard_deviation):>7}{number(item.discrimination):>8}"
            f"{item.flagged_share:>9.0%}"
        )
    for item in [*analysis.questions, *analysis.parts]:
        for warning in item.warnings:
            click.echo(f"check {item.id}'s rubric: {warning}")


@main.command()
@click.argument("results", type=click.Path())
@click.option(
    "--rubric", required=True, type=click.Path(), help="The rubric the class was graded with."
)
@_DB_OPTION
def proposals(results, rubric, db) -> None:
    """Accepted forms (grader decide --accept) as a proposed rubric change: a diff
    adding each as a worked example, never applied. Apply it with `patch`, make the
    rubric grade the form as decided, then `grader validate`."""
    from grader.review.proposals import rubric_proposals

    review, reports, store = _open_review(results, db)
    with store:
        current = store.current(reports[0].rubric.id)
    diff = rubric_proposals(rubric, reports, current)
    click.echo(diff.rstrip("\n") if diff else "no accepted forms to propose")
