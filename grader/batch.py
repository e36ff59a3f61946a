"""Grading many submissions: a process pool, resumable, with time limits.

``grade_batch(paths, rubric_path, out_dir=..., jobs=...)`` finds the
submissions under ``paths``, grades each in a worker process and writes, as
each one finishes:

- ``results/<name>.json``: the report plus the inputs' content key, written
  atomically (temp file, fsync, ``os.replace``) - the single source of truth;
- ``feedback/<name>.md`` and ``.html``, ``gradescope/<name>.json``.

A run that is interrupted (Ctrl-C, ``kill -9``) and started again grades only
the submissions whose result is missing or whose key changed. The key is the
sha256 of the submission's files, the rubric (its file and the files next to
it that it names), and the grader version: edit the rubric and everything is
graded again; edit one sheet and that sheet is. At the end the batch writes
the gradebook (``gradebook.csv``), ``junit.xml``, ``review-queue.csv``,
``summary.md``/``.html``/``.json`` and a histogram per question
(``stats/<question>.png``), all from the results on disk.

Time limits: ``time_limit`` is passed to the grading function (per check);
``sheet_time_limit`` is enforced here: a worker that takes longer on one sheet
is killed and replaced, the sheet is reported as failed with the reason, and
the batch moves on. A worker that dies (out of memory, a crash) costs only its
sheet, likewise.

The grading function is a parameter (``grade_fn(path, rubric, *, time_limit)
-> GradeReport``, default ``grader.api.grade``) so that tests and benchmarks
can inject a fake one.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import multiprocessing
import os
import signal
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import wait as wait_for
from pathlib import Path
from typing import Any, TextIO

from grader import __version__
from grader.errors import GraderError, InputError
from grader.submission.discovery import submission_sha256

RECORD_SCHEMA = "grader.batch/1"
DEFAULT_SHEET_TIME_LIMIT = 300.0

GradeFunction = Callable[..., Any]
RubricLoader = Callable[[Path], Any]


class BatchInterrupted(GraderError):
    """The batch was interrupted (Ctrl-C); what was finished is kept."""

    exit_code = 130


# --- finding submissions and their keys --------------------------------------


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
    from grader.report import safe_name
    from grader.submission import discover_submissions

    found: list[Path] = []
    for raw in paths:
        found += discover_submissions(raw)
    items: list[BatchItem] = []
    used: set[str] = set()
    for path in found:
        sid = path.stem if path.is_file() else path.name
        name = base = safe_name(sid)
        counter = 2
        while name.lower() in used:  # case-insensitive file systems
            name = f"{base}-{counter}"
            counter += 1
        used.add(name.lower())
        items.append(BatchItem(id=sid if name == base else name, path=path, name=name))
    return items


def rubric_sha256(rubric_path: Path) -> str:
    """sha256 of the rubric file and of each file next to it that it names
    (reference code, a context file): a change to any of them regrades all."""
    digest = hashlib.sha256()
    text = rubric_path.read_bytes()
    digest.update(text)
    decoded = text.decode("utf-8", errors="replace")
    for sibling in sorted(rubric_path.parent.iterdir()):
        if sibling.is_file() and sibling != rubric_path and sibling.name in decoded:
            digest.update(sibling.name.encode() + b"\0")
            digest.update(hashlib.sha256(sibling.read_bytes()).digest())
    return digest.hexdigest()


def result_key(submission_hash: str, rubric_hash: str, version: str = __version__) -> str:
    return hashlib.sha256(f"{submission_hash}:{rubric_hash}:{version}".encode()).hexdigest()


# --- writing files safely ----------------------------------------------------


def write_atomic(
    path: Path, data: str | bytes, *, fsync: bool = True, sync_dir: bool | None = None
) -> None:
    """Write ``path`` so that it is either the old file or the whole new one,
    never half-written: a temp file in the same folder, fsync, ``os.replace``,
    then (``sync_dir``, default: as ``fsync``) fsync of the folder so that the
    rename itself survives a power cut."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, temp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    if fsync if sync_dir is None else sync_dir:
        fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (renames) to disk, where the OS allows it."""
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _remove_temp_files(out_dir: Path) -> None:
    for temp in out_dir.rglob(".tmp-*"):
        try:
            temp.unlink()
        except OSError:
            pass


# --- progress ----------------------------------------------------------------


class Progress:
    """Progress on stderr: a bar with count, rate and time left on a terminal;
    a plain line every 5% (or 10 s) otherwise."""

    def __init__(self, total: int, *, stream: TextIO | None, already_done: int = 0) -> None:
        self.total = total
        self.stream = stream
        self.tty = bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())
        self.done = already_done
        self.start_done = already_done
        self.failed = 0
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._last_line_count = already_done
        self._step = max(1, total // 20)

    def advance(self, *, failed: bool = False) -> None:
        self.done += 1
        self.failed += int(failed)
        self.draw()

    def _figures(self) -> tuple[float, float | None]:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = (self.done - self.start_done) / elapsed
        left = (self.total - self.done) / rate if rate > 0 else None
        return rate, left

    @staticmethod
    def _clock(seconds: float | None) -> str:
        if seconds is None:
            return "?"
        seconds = int(seconds + 0.5)
        return f"{seconds // 60}:{seconds % 60:02d}"

    def draw(self, *, final: bool = False) -> None:
        if self.stream is None or self.total == 0:
            return
        now = time.monotonic()
        rate, left = self._figures()
        failed = f", {self.failed} failed" if self.failed else ""
        if self.tty:
            if not final and now - self._last_draw < 0.1 and self.done < self.total:
                return
            width = 30
            filled = int(width * self.done / self.total)
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(
                f"\r[{bar}] {self.done}/{self.total} {rate:.1f} sheets/s, "
                f"{self._clock(left)} left{failed}\x1b[K"
            )
            if final:
                self.stream.write("\n")
        else:
            due = self.done - self._last_line_count >= self._step or now - self._last_draw >= 10
            if not (final or due or self.done == self.total):
                return
            if final and self._last_line_count == self.done:
                return
            self._last_line_count = self.done
            self.stream.write(
                f"graded {self.done}/{self.total} ({rate:.1f} sheets/s, "
                f"{self._clock(left)} left{failed})\n"
            )
        self._last_draw = now
        self.stream.flush()

    def note(self, message: str) -> None:
        if self.stream is None:
            return
        if self.tty:
            self.stream.write("\r\x1b[K")
        self.stream.write(message + "\n")
        self.stream.flush()


# --- the worker process ------------------------------------------------------


def _render_outputs(report, formats: frozenset[str], elapsed: float) -> dict[Path, str]:
    """Per-student files for one report, by path under the out folder
    (``feedback/alice.md``, ...): one for each registry format with an
    ``out_folder`` that is in ``formats``."""
    from grader.report.formats import RenderOptions, out_formats

    options = RenderOptions(assets="relative", asset_prefix="../assets", execution_time=elapsed)
    return {
        Path(fmt.out_folder) / fmt.suffix: fmt.render_one(report, options)
        for fmt in out_formats(formats)
        if fmt.out_folder is not None
    }


def _grade_one(grade_fn, rubric, task: tuple, time_limit, formats, out_dir) -> tuple:
    """Grade one sheet; write its per-student files (in the worker, so that the
    batch's file writing runs in parallel); return what the parent records."""
    _, path, name = task
    started = time.perf_counter()
    try:
        report = grade_fn(Path(path), rubric, time_limit=time_limit)
        elapsed = time.perf_counter() - started
        report_data = report.to_json_dict()
    except GraderError as error:
        return ("failed", None, "", error.format(), time.perf_counter() - started)
    except Exception as error:  # a bug in the grader must cost one sheet, not the batch
        reason = f"internal error: {type(error).__name__}: {error}".strip()
        return ("failed", None, "", reason.splitlines()[0], time.perf_counter() - started)
    warning = ""
    if formats and out_dir is not None:
        try:
            for where, text in _render_outputs(report, formats, elapsed).items():
                folder, suffix = where.parent, where.name
                write_atomic(Path(out_dir) / folder / f"{name}{suffix}", text, fsync=False)
        except Exception as error:
            # The grade stands; a renderer's bug only costs that sheet's feedback files.
            warning = f"feedback files not written: {type(error).__name__}: {error}"
    return ("graded", report_data, warning, "", elapsed)


def _worker_main(conn, grade_fn, rubric, time_limit, formats, out_dir) -> None:
    # Ctrl-C goes to the whole process group: the parent decides what to do.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    while True:
        # A forked worker also holds copies of its siblings' pipe ends, so EOF
        # alone does not tell that the parent was killed (kill -9): watch its pid.
        try:
            while not conn.poll(1.0):
                if os.getppid() != parent:
                    return
            task = conn.recv()
        except (EOFError, OSError):  # the parent is gone: stop quietly
            return
        if task is None:
            return
        outcome = _grade_one(grade_fn, rubric, task, time_limit, formats, out_dir)
        try:
            conn.send((task[0], *outcome))
        except (BrokenPipeError, OSError):
            return


@dataclass
class _Worker:
    process: Any
    conn: Any
    task: int | None = None
    started: float = 0.0


class _Pool:
    """N worker processes fed one sheet at a time, so that a sheet that
    overruns its wall-clock limit can be killed without losing the others."""

    def __init__(self, jobs: int, target_args: tuple) -> None:
        methods = multiprocessing.get_all_start_methods()
        # fork: workers inherit the loaded rubric and imports (fast start), and
        # functions defined in tests need no pickling.
        self.context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.target_args = target_args
        self.workers = [self._spawn() for _ in range(jobs)]

    def _spawn(self) -> _Worker:
        parent_end, child_end = self.context.Pipe()
        process = self.context.Process(
            target=_worker_main, args=(child_end, *self.target_args), daemon=True
        )
        process.start()
        child_end.close()
        return _Worker(process=process, conn=parent_end)

    def replace(self, worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()
        self.workers[self.workers.index(worker)] = self._spawn()

    def close(self, *, kill: bool = False) -> None:
        for worker in self.workers:
            try:
                if kill:
                    worker.process.kill()
                else:
                    worker.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        for worker in self.workers:
            worker.process.join(timeout=5 if not kill else 1)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=1)
            worker.conn.close()


def _run_pool(
    tasks: Sequence[tuple[int, str, str]],
    *,
    jobs: int,
    target_args: tuple,
    sheet_time_limit: float | None,
    on_done: Callable[[int, str, dict | None, str, str, float], None],
) -> None:
    """Grade ``tasks`` (index, path, name) and call ``on_done(index, status,
    report, warning, reason, elapsed)`` for each as it finishes."""
    pending = deque(tasks)
    pool = _Pool(max(1, min(jobs, len(tasks))), target_args)
    try:
        while True:
            for worker in pool.workers:
                if worker.task is None and pending:
                    task = pending.popleft()
                    worker.conn.send(task)
                    worker.task, worker.started = task[0], time.monotonic()
            busy = [w for w in pool.workers if w.task is not None]
            if not busy:
                break
            timeout = None
            if sheet_time_limit:
                now = time.monotonic()
                timeout = max(0.0, min(w.started + sheet_time_limit - now for w in busy))
            ready = wait_for(
                [w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=timeout
            )
            for worker in busy:
                if worker.conn in ready or worker.conn.poll():
                    try:
                        index, status, report, warning, reason, elapsed = worker.conn.recv()
                    except (EOFError, OSError):
                        index, status = worker.task, None
                    if status is not None:
                        worker.task = None
                        on_done(index, status, report, warning, reason, elapsed)
                        continue
                if worker.task is not None and (
                    worker.process.sentinel in ready or not worker.process.is_alive()
                ):
                    worker.process.join(timeout=1)
                    code = worker.process.exitcode
                    how = (
                        f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
                    )
                    elapsed = time.monotonic() - worker.started
                    index, worker.task = worker.task, None
                    pool.replace(worker)
                    on_done(index, "failed", None, "", f"the worker process died ({how})", elapsed)
                    continue
                if (
                    worker.task is not None
                    and sheet_time_limit
                    and time.monotonic() - worker.started >= sheet_time_limit
                ):
                    index, worker.task = worker.task, None
                    pool.replace(worker)
                    on_done(
                        index,
                        "failed",
                        None,
                        "",
                        f"took longer than the per-sheet limit of {sheet_time_limit:g} s",
                        sheet_time_limit,
                    )
    except BaseException:
        pool.close(kill=True)
        raise
    pool.close()


# --- the batch ---------------------------------------------------------------


def all_out_formats() -> frozenset[str]:
    """The formats written per student under --out: the registry's with an out_folder."""
    from grader.report.formats import out_formats

    return frozenset(fmt.name for fmt in out_formats())


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
    stats: Any  # grader.report.stats.BatchStats
    graded_now: int = 0
    reused: int = 0
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def reports(self) -> Iterable:
        """The GradeReports of the graded submissions, in input order."""
        from grader.report.models import GradeReport

        for outcome in self.outcomes:
            if outcome.status != "graded":
                continue
            data = outcome.report
            if data is None and self.out_dir is not None:
                data = _read_record(self.out_dir / "results" / f"{outcome.item.name}.json")[
                    "report"
                ]
            yield GradeReport.model_validate(data)


def _read_record(path: Path) -> dict | None:
    try:
        with path.open(encoding="utf-8") as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("schema") != RECORD_SCHEMA:
        return None
    return record


# Imported once in the parent before the workers fork, so that each worker
# starts with the engines loaded (shared copy-on-write) instead of paying the
# imports (about 0.6 s) on its first sheet and after every restart.
DEFAULT_PRELOAD = ("grader.checks.runner", "grader.math", "grader.text", "grader.numeric")


def grade_strictly(path: Path, rubric: Any, *, time_limit: float | None = None) -> Any:
    """``grader.api.grade`` as every path grades: an empty or non-UTF-8 sheet is
    not gradable (a failed sheet with its reason), never a silent 0."""
    from grader import api

    return api.grade(path, rubric, time_limit=time_limit, strict=True)


def _default_grade_fn() -> tuple[GradeFunction, RubricLoader]:
    from grader import api

    return grade_strictly, api.load_rubric


def _preload(modules: Iterable[str]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a missing engine shows up per sheet, with its reason
            pass


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
) -> BatchResult:
    """Grade every submission under ``paths`` against the rubric at ``rubric_path``.

    ``jobs``: worker processes (default: all cores). ``out_dir``: where results
    and reports go; a second run with the same ``out_dir`` reuses every result
    whose key still matches (see the module docstring). Without ``out_dir``
    nothing is written and the reports are kept in memory (``result.reports()``).
    ``grade_fn(path, rubric, *, time_limit) -> GradeReport`` and
    ``load_rubric(path)`` default to ``grader.api.grade`` and ``load_rubric``.
    ``progress``: a stream, None for none, or "stderr" (the default: the
    process's stderr at call time).
    """
    if progress == "stderr":
        progress = sys.stderr
    from grader.report.stats import StatsCollector

    if grade_fn is None:
        _preload(DEFAULT_PRELOAD)
    if grade_fn is None or load_rubric is None:
        default_grade, default_load = _default_grade_fn()
        grade_fn = grade_fn or default_grade
        load_rubric = load_rubric or default_load
    rubric_path = Path(rubric_path)
    if not rubric_path.is_file():
        raise InputError("no such rubric file", path=str(rubric_path))
    rubric = load_rubric(rubric_path)  # bad rubric: RubricError before any work
    items = find_submissions(paths)
    if not items:
        raise InputError("no submissions found", path=", ".join(str(p) for p in paths))
    jobs = jobs or os.cpu_count() or 1
    if jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {jobs}")
    every_format = all_out_formats()
    formats = every_format if formats is None else frozenset(formats) & every_format
    if out_dir is None:
        formats = frozenset()
    out = Path(out_dir) if out_dir is not None else None

    rubric_hash = rubric_sha256(rubric_path)
    keys = [result_key(submission_sha256(item.path), rubric_hash) for item in items]
    outcomes: list[Outcome | None] = [None] * len(items)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        _remove_temp_files(out)
        for index, item in enumerate(items):
            record = _read_record(out / "results" / f"{item.name}.json")
            if record is not None and record.get("key") == keys[index]:
                outcomes[index] = Outcome(
                    item=item,
                    status=record["status"],
                    reason=record.get("reason", ""),
                    elapsed=record.get("elapsed", 0.0),
                    reused=True,
                )
        if "html" in formats and not (out / "assets" / "katex" / "katex.min.js").exists():
            from grader.report.html import copy_assets

            copy_assets(out / "assets")

    todo = [
        (index, str(item.path), item.name)
        for index, item in enumerate(items)
        if outcomes[index] is None
    ]
    reused = len(items) - len(todo)
    bar = Progress(len(items), stream=progress, already_done=reused)
    if reused:
        bar.note(f"reusing {reused} results from an earlier run in {out}")

    last_dir_sync = [time.monotonic()]

    def on_done(index, status, report, warning, reason, elapsed) -> None:
        item = items[index]
        if warning:
            bar.note(f"warning: {item.id}: {warning}")
        if out is not None:
            record = {
                "schema": RECORD_SCHEMA,
                "submission": {"id": item.id, "path": str(item.path)},
                "key": keys[index],
                "grader_version": __version__,
                "status": status,
                "reason": reason,
                "elapsed": round(elapsed, 4),
                "report": report,
            }
            # The worker wrote the feedback files first: once the result is on
            # disk, everything it implies is. Its data is fsynced every time; the
            # folder (the rename) at most once a second and at the end - a rename
            # lost to a power cut only means that sheet is graded again.
            now = time.monotonic()
            sync_dir = now - last_dir_sync[0] >= 1.0
            if sync_dir:
                last_dir_sync[0] = now
            write_atomic(
                out / "results" / f"{item.name}.json",
                json.dumps(record, ensure_ascii=False),
                sync_dir=sync_dir,
            )
        outcomes[index] = Outcome(
            item=item,
            status=status,
            reason=reason,
            elapsed=elapsed,
            report=report if out is None else None,
        )
        bar.advance(failed=status == "failed")
        if status == "failed":
            bar.note(f"failed: {item.id}: {reason}")

    if todo:
        try:
            _run_pool(
                todo,
                jobs=jobs,
                target_args=(grade_fn, rubric, time_limit, formats, out),
                sheet_time_limit=sheet_time_limit,
                on_done=on_done,
            )
        except KeyboardInterrupt:
            if out is not None:
                fsync_dir(out / "results")
            bar.draw(final=True)
            done = sum(o is not None for o in outcomes)
            raise BatchInterrupted(
                f"interrupted: {done} of {len(items)} submissions have results"
                + (f" in {out}; run the same command again to grade the rest" if out else "")
            ) from None
    bar.draw(final=True)
    if out is not None and (out / "results").is_dir():
        fsync_dir(out / "results")

    final = [o for o in outcomes if o is not None]
    result = BatchResult(
        out_dir=out,
        outcomes=final,
        stats=None,
        graded_now=len(todo),
        reused=reused,
    )
    collector = StatsCollector()
    if out is not None:
        result.files = _write_batch_files(result, collector)
    else:
        for report in result.reports():
            collector.add(report)
        for outcome in result.failed:
            collector.add_failure(outcome.item.id, outcome.reason)
    result.stats = collector.result()
    return result


def _write_batch_files(result: BatchResult, collector) -> dict[str, Path]:
    """The whole-batch files, from the results on disk (one report in memory at a time)."""
    import csv as csv_module
    import io

    from grader.report import csv as gradebook
    from grader.report import html, junit
    from grader.report.stats import bar_chart_png, summary_markdown

    out = result.out_dir
    assert out is not None
    columns: dict[str, tuple[str, str, float]] = {}
    rows = []
    suites = []
    links: dict[str, str] = {}
    for outcome in result.outcomes:
        item = outcome.item
        if outcome.status != "graded":
            collector.add_failure(item.id, outcome.reason)
            suites.append(junit.failure_testsuite(item.id, outcome.reason, time=outcome.elapsed))
            continue
        from grader.report.models import GradeReport

        record = _read_record(out / "results" / f"{item.name}.json")
        report = GradeReport.model_validate(record["report"])
        collector.add(report)
        for question in report.questions:
            columns.setdefault(question.id, (question.id, question.title, question.max_score))
        rows.append(gradebook.gradebook_row(report))
        suites.append(junit.testsuite(report, time=outcome.elapsed))
        if (out / "feedback" / f"{item.name}.html").exists():
            links[report.submission.id] = f"feedback/{item.name}.html"
    stats = collector.result()
    files = {
        "gradebook": out / "gradebook.csv",
        "junit": out / "junit.xml",
        "review_queue": out / "review-queue.csv",
        "summary_md": out / "summary.md",
        "summary_html": out / "summary.html",
        "summary_json": out / "summary.json",
    }
    failed_ids = [outcome.item.id for outcome in result.outcomes if outcome.status == "failed"]
    write_atomic(
        files["gradebook"], gradebook.render_rows(list(columns.values()), rows, failed=failed_ids)
    )
    write_atomic(files["junit"], junit.render_suites(suites))

    queue = io.StringIO()
    writer = csv_module.writer(queue, lineterminator="\r\n")
    writer.writerow(["submission", "part", "score", "max_score", "reason", "lines"])
    from grader.report import format_score

    for entry in stats.review_queue:
        writer.writerow(
            [
                entry.submission,
                entry.part,
                format_score(entry.score),
                format_score(entry.max_score),
                entry.reason,
                entry.lines,
            ]
        )
    for sid, reason in stats.failed:
        writer.writerow([sid, "*", "", "", f"not graded: {reason}", ""])
    write_atomic(files["review_queue"], queue.getvalue())

    charts: dict[str, bytes] = {}
    for question in stats.questions:
        if question.scores:
            charts[question.id] = bar_chart_png(question.distribution())
            write_atomic(out / "stats" / f"{question.id}.png", charts[question.id], fsync=False)
    write_atomic(files["summary_md"], summary_markdown(stats))
    write_atomic(
        files["summary_html"],
        html.render_summary(stats, charts=charts, feedback_links=links, assets="relative"),
    )
    summary = {
        "graded": stats.graded,
        "failed": [{"id": sid, "reason": reason} for sid, reason in stats.failed],
        "needing_review": stats.needing_review,
        "graded_now": result.graded_now,
        "reused": result.reused,
        "total": {"mean": stats.total_mean, "median": stats.total_median, "max": stats.max_total},
        "questions": [
            {
                "id": q.id,
                "title": q.title,
                "max_score": q.max_score,
                "mean": q.mean,
                "median": q.median,
                "distribution": q.distribution(),
                "top_feedback": q.top_feedback(),
            }
            for q in stats.questions
        ],
    }
    write_atomic(files["summary_json"], json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return files


# --- the `grader grade` path for --out / --jobs / batch formats ---------------


def summary_lines(result: BatchResult) -> list[str]:
    """What `grader grade --out` prints at the end: counts, failures with their
    reasons, per-question means, and where the files are."""
    from grader.report import format_score

    stats = result.stats
    lines = [
        f"graded {stats.graded}, failed {len(stats.failed)}, needing review "
        f"{stats.needing_review} ({len(stats.review_queue)} parts)"
        + (f"; {result.reused} reused from an earlier run" if result.reused else "")
    ]
    lines += [f"failed: {sid}: {reason}" for sid, reason in stats.failed]
    for question in stats.questions:
        if question.scores:
            lines.append(
                f"{question.id}: mean {format_score(question.mean)}, median "
                f"{format_score(question.median)} of {format_score(question.max_score)}"
            )
    if result.out_dir is not None:
        names = ", ".join(path.name for path in result.files.values())
        from grader.report.formats import out_formats

        folders = "".join(
            f"{folder}/, " for folder in dict.fromkeys(f.out_folder for f in out_formats())
        )
        lines.append(f"written to {result.out_dir}: results/, {folders}{names}")
    return lines


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
) -> int:
    """`grader grade` with ``--out``/``--jobs`` or a batch format: grade in the
    pool, write everything under ``out_dir`` (when given), print ``fmt`` for
    the reports otherwise. Returns the exit code: 2 if a sheet could not be
    graded, 1 if a score is below ``--min-score``, else 0."""
    result = grade_batch(
        paths,
        rubric_path,
        out_dir=out_dir,
        jobs=jobs,
        time_limit=time_limit,
        sheet_time_limit=sheet_time_limit,
    )
    reports = list(result.reports()) if out_dir is None else []
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
    if result.failed:
        return 2
    return 1 if any_below else 0


def _render_stdout(reports: list, fmt: str, failed: dict[str, str], *, single: bool) -> str:
    from grader.report.formats import get_format

    report_format = get_format(fmt)
    if single and len(reports) == 1:
        return report_format.render_one(reports[0])
    return report_format.render_many(reports, failed)
