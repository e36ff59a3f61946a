"""A batch: find the submissions, reuse what the result store already has,
hand the rest to an executor, record each outcome as it arrives, then write
the whole-batch files. See ``grader.batch`` for the overview."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from grader import __version__
from grader.batch.progress import Progress
from grader.batch.sheets import (
    Executor,
    GradeFunction,
    GradingSetup,
    RubricLoader,
    SheetOutcome,
    SheetTask,
    grade_strictly,
)
from grader.batch.store import ResultStore, read_record, result_key, rubric_sha256
from grader.errors import GraderError, InputError
from grader.submission.discovery import submission_sha256

if TYPE_CHECKING:  # pragma: no cover
    from grader.pipeline import GradingSession
    from grader.report.models import GradeReport
    from grader.report.stats import BatchStats
    from grader.rubric.models import Rubric

DEFAULT_SHEET_TIME_LIMIT = 300.0

# Imported once in the parent before the workers fork, so that each worker
# starts with the engines loaded (shared copy-on-write) instead of paying the
# imports (about 0.6 s) on its first sheet and after every restart.
DEFAULT_PRELOAD = ("grader.pipeline", "grader.math", "grader.text", "grader.numeric")


class BatchInterrupted(GraderError):
    """The batch was interrupted (Ctrl-C); what was finished is kept."""

    exit_code = 130


@dataclass(frozen=True)
class BatchItem:
    """One submission in a batch: its id, path, and the unique file-name stem
    its outputs are written under."""

    id: str
    path: Path
    name: str


def find_submissions(paths: Sequence[str | Path]) -> list[BatchItem]:
    """The submissions under ``paths``, as ``grader.submission.discover_submissions``
    finds them (the one finder), each with a unique name for its output files."""
    from grader.report import safe_name, unique_file_names
    from grader.submission import discover_submissions

    found: list[Path] = []
    for raw in paths:
        found += discover_submissions(raw)
    ids = [path.name if path.is_dir() else path.stem for path in found]  # a dangling link: its stem
    return [
        BatchItem(id=sid if name == safe_name(sid) else name, path=path, name=name)
        for sid, path, name in zip(ids, found, unique_file_names(ids), strict=True)
    ]


@dataclass
class Outcome:
    """How one submission went in this run."""

    item: BatchItem
    status: str  # "graded" | "failed"
    reason: str = ""
    elapsed: float = 0.0
    reused: bool = False
    report: dict | None = None  # kept only when there is no out_dir


@dataclass
class BatchResult:
    out_dir: Path | None
    outcomes: list[Outcome]
    stats: BatchStats | None
    graded_now: int = 0
    reused: int = 0
    files: dict[str, Path] = field(default_factory=dict)
    # the class cache over the sheets graded now (grader.checks.cache)
    cache_lookups: int = 0
    cache_hits: int = 0

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def reports(self) -> Iterator[GradeReport]:
        """The GradeReports of the graded submissions, in input order."""
        from grader.report.models import GradeReport

        for outcome in self.outcomes:
            if outcome.status != "graded":
                continue
            data = outcome.report
            if data is None and self.out_dir is not None:
                record = read_record(self.out_dir / "results" / f"{outcome.item.name}.json")
                data = record["report"] if record else None
            yield GradeReport.model_validate(data)


def all_out_formats() -> frozenset[str]:
    """The formats written per student under --out: the registry's with an out_folder."""
    from grader.report.formats import out_formats

    return frozenset(fmt.name for fmt in out_formats())


def _preload(modules: Iterable[str]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a missing engine shows up per sheet, with its reason
            pass


def _warm_session(rubric: Rubric) -> GradingSession:
    """One grading session for the batch, its math contexts built here, once:
    forked workers inherit them (each worker then keeps its own session's
    caches across its sheets) instead of building them on their first sheet."""
    from grader import api

    session = api.session_for(rubric)
    session.math_context(None)
    for question in session.rubric.questions:
        session.math_context(question)
    return session


def grade_batch(
    paths: Sequence[str | Path],
    rubric_path: str | Path,
    *,
    out_dir: str | Path | None = None,
    jobs: int | None = None,
    grade_fn: GradeFunction | None = None,
    load_rubric: RubricLoader | None = None,
    time_limit: float | None = None,
    sheet_time_limit: float | None = DEFAULT_SHEET_TIME_LIMIT,
    formats: Iterable[str] | None = None,
    progress: TextIO | None | str = "stderr",
    executor: Executor | None = None,
    decisions: str | None = None,
) -> BatchResult:
    """Grade every submission under ``paths`` against the rubric at ``rubric_path``.

    ``jobs``: worker processes of the local executor (default: all cores);
    ``executor``: another executor (``grader.batch.dask_executor.DaskExecutor``).
    ``out_dir``: where results and reports go; a second run with the same
    ``out_dir`` reuses every result whose key still matches. Without
    ``out_dir`` nothing is written and the reports are kept in memory
    (``result.reports()``). ``grade_fn(path, rubric, *, time_limit) ->
    GradeReport`` and ``load_rubric(path)`` default to a strict
    ``grader.api.grade`` and ``grader.api.load_rubric``. ``formats``: the
    per-student formats to write (default: all of the registry's).
    ``progress``: a stream, None for none, or "stderr" (the process's stderr
    at call time). ``decisions``: the decision database whose marks the
    out folder's files use (default: ``out_dir/decisions.sqlite`` if there
    is one; docs/review.md).
    """
    if progress == "stderr":
        progress = sys.stderr
    from grader.report.stats import StatsCollector

    if grade_fn is None:
        _preload(DEFAULT_PRELOAD)
    if load_rubric is None:
        from grader import api

        load_rubric = api.load_rubric
    grade_fn = grade_fn or grade_strictly
    rubric_path = Path(rubric_path)
    if not rubric_path.is_file():
        raise InputError("no such rubric file", path=str(rubric_path))
    rubric = load_rubric(rubric_path)  # bad rubric: RubricError before any work
    if grade_fn is grade_strictly:
        rubric = _warm_session(rubric)
    items = find_submissions(paths)
    if not items:
        raise InputError("no submissions found", path=", ".join(str(p) for p in paths))
    jobs = jobs or os.cpu_count() or 1
    if jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {jobs}")
    every_format = all_out_formats()
    chosen = every_format if formats is None else frozenset(formats) & every_format
    if out_dir is None:
        chosen = frozenset()
    out = Path(out_dir) if out_dir is not None else None
    store = ResultStore(out) if out is not None else None

    rubric_hash = rubric_sha256(rubric_path)
    keys = [result_key(submission_sha256(item.path), rubric_hash) for item in items]
    outcomes: list[Outcome | None] = [None] * len(items)
    if store is not None:
        store.open()
    try:
        if store is not None:
            for index, item in enumerate(items):
                record = store.reusable(item.name, keys[index])
                if record is not None:
                    outcomes[index] = Outcome(
                        item=item,
                        status=record["status"],
                        reason=record.get("reason", ""),
                        elapsed=record.get("elapsed", 0.0),
                        reused=True,
                    )
            if "html" in chosen and not (out / "assets" / "katex" / "katex.min.js").exists():
                from grader.report.html import copy_assets

                copy_assets(out / "assets")
        todo = [
            SheetTask(index, str(item.path), item.name)
            for index, item in enumerate(items)
            if outcomes[index] is None
        ]
        reused = len(items) - len(todo)
        bar = Progress(len(items), stream=progress, already_done=reused)
        if reused:
            bar.note(f"reusing {reused} results from an earlier run in {out}")
        cache_counts = [0, 0]  # lookups, hits over the sheets graded now
        on_done = _recorder(items, keys, outcomes, store, bar, cache_counts)
        if todo:
            setup = GradingSetup(
                grade_fn=grade_fn,
                rubric=rubric,
                rubric_path=rubric_path,
                time_limit=time_limit,
                formats=chosen,
                out_dir=out,
            )
            if executor is None:
                from grader.batch.local import LocalExecutor

                executor = LocalExecutor(jobs, sheet_time_limit=sheet_time_limit)
            try:
                executor.run(todo, setup, on_done)
            except KeyboardInterrupt:
                bar.draw(final=True)
                done = sum(o is not None for o in outcomes)
                raise BatchInterrupted(
                    f"interrupted: {done} of {len(items)} submissions have results"
                    + (f" in {out}; run the same command again to grade the rest" if out else "")
                ) from None
        bar.draw(final=True)

        final = [o for o in outcomes if o is not None]
        result = BatchResult(
            out_dir=out,
            outcomes=final,
            stats=None,
            graded_now=len(todo),
            reused=reused,
            cache_lookups=cache_counts[0],
            cache_hits=cache_counts[1],
        )
        collector = StatsCollector()
        if out is not None:
            from grader.batch.summary import final_marks, write_batch_files

            rubric_id = getattr(getattr(rubric, "rubric", rubric), "id", None)
            final = final_marks(out, decisions, rubric_id) if rubric_id else None
            result.files = write_batch_files(result, collector, final=final, formats=chosen)
        else:
            for report in result.reports():
                collector.add(report)
            for outcome in result.failed:
                collector.add_failure(outcome.item.id, outcome.reason)
        result.stats = collector.result()
        return result
    finally:
        if store is not None:
            store.close()


def _recorder(
    items: list[BatchItem],
    keys: list[str],
    outcomes: list[Outcome | None],
    store: ResultStore | None,
    bar: Progress,
    cache_counts: list[int] | None = None,
) -> Callable[[SheetOutcome], None]:
    """What happens when a sheet is done: its per-student files (if the
    executor returned them), then its record, then the progress bar."""
    from grader.batch.store import write_atomic

    def on_done(done: SheetOutcome) -> None:
        item = items[done.index]
        if outcomes[done.index] is not None:
            return  # a retried task that finished twice: the first result stands
        if cache_counts is not None:
            cache_counts[0] += done.cache_lookups
            cache_counts[1] += done.cache_hits
        warning = done.warning
        if store is not None:
            # The feedback files first: once the result is on disk, everything
            # it implies is.
            try:
                for where, text in done.files.items():
                    write_atomic(store.out_dir / where, text, fsync=False)
            except OSError as error:
                warning = f"feedback files not written: {error}"
            store.write(
                item.name,
                {
                    "submission": {"id": item.id, "path": str(item.path)},
                    "key": keys[done.index],
                    "grader_version": __version__,
                    "status": done.status,
                    "reason": done.reason,
                    "elapsed": round(done.elapsed, 4),
                    "report": done.report,
                },
            )
        if warning:
            bar.note(f"warning: {item.id}: {warning}")
        outcomes[done.index] = Outcome(
            item=item,
            status=done.status,
            reason=done.reason,
            elapsed=done.elapsed,
            report=done.report if store is None else None,
        )
        bar.advance(failed=done.status == "failed")
        if done.status == "failed":
            bar.note(f"failed: {item.id}: {done.reason}")

    return on_done


# --- the `grader grade` path for --out / --jobs / --executor / batch formats --


def _rubric_loader(allow_outside_folder: bool) -> RubricLoader | None:
    """``grader.api.load_rubric`` with ``--allow-outside-rubric-dir`` applied."""
    if not allow_outside_folder:
        return None  # the default loader
    import functools

    from grader import api

    return functools.partial(api.load_rubric, allow_outside_folder=True)


def cli_grade(
    paths: Sequence[str],
    rubric_path: str,
    *,
    out_dir: str | None,
    jobs: int | None,
    fmt: str,
    time_limit: float | None,
    sheet_time_limit: float | None,
    below: Callable[[Any], bool] | None,
    echo: Callable[..., None],
    executor: Executor | None = None,
    decisions: str | None = None,
    allow_outside_rubric_dir: bool = False,
) -> int:
    """`grader grade` with ``--out``/``--jobs``/``--executor`` or a format that
    needs the whole batch: grade in the executor, write everything under
    ``out_dir`` (when given), print ``fmt`` for the reports otherwise. Returns
    the exit code: 2 if a sheet could not be graded, 1 if a score is below
    ``--min-score``, else 0."""
    from grader.batch.summary import cache_line, summary_lines

    result = grade_batch(
        paths,
        rubric_path,
        out_dir=out_dir,
        jobs=jobs,
        time_limit=time_limit,
        sheet_time_limit=sheet_time_limit,
        executor=executor,
        decisions=decisions,
        load_rubric=_rubric_loader(allow_outside_rubric_dir),
    )
    reports = list(result.reports()) if out_dir is None else []
    shared = cache_line(result)
    if shared is not None:
        echo(shared, err=True)
    if out_dir is not None:
        for line in summary_lines(result):
            echo(line)
    else:
        failed = {o.item.id: o.reason for o in result.failed}
        for sid, reason in failed.items():
            echo(f"error: {sid}: {reason}", err=True)
        single = len(result.outcomes) == 1
        echo(_render_stdout(reports, fmt, failed, single=single).rstrip("\n"))
    # (reading every report back from disk only when there is a threshold)
    any_below = below is not None and any(below(report) for report in (reports or result.reports()))
    not_run = _not_run_lines(result)
    for line in not_run:
        echo(f"error: {line}", err=True)
    if result.failed or not_run:
        # a check that cannot run scores 0 on every sheet: never an exit 0
        return 2
    return 1 if any_below else 0


def _not_run_lines(result: BatchResult) -> list[str]:
    from grader.report.stats import not_run_lines

    return not_run_lines(result.stats) if result.stats is not None else []


def _render_stdout(reports: list, fmt: str, failed: dict[str, str], *, single: bool) -> str:
    from grader.report.formats import get_format

    report_format = get_format(fmt)
    if single and len(reports) == 1:
        return report_format.render_one(reports[0])
    return report_format.render_many(reports, failed)
