"""One sheet of a batch, whatever executes it: the task, its outcome, and
``grade_sheet`` (grade, then render the per-student files), which the local
pool and Dask workers both run. An executor is anything with
``run(tasks, setup, on_done)`` (``Executor``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from grader.errors import GraderError

if TYPE_CHECKING:  # pragma: no cover
    from grader.report.models import GradeReport
    from grader.rubric.models import Rubric

# grade_fn(path, rubric, *, time_limit) -> GradeReport; tests inject fakes
GradeFunction = Callable[..., "GradeReport"]
RubricLoader = Callable[[Path], Any]


@dataclass(frozen=True)
class SheetTask:
    """One submission to grade: its position in the batch, path and output name."""

    index: int
    path: str
    name: str


@dataclass
class SheetOutcome:
    """What grading one sheet gave: a report (as JSON data) or a reason.

    ``files``: per-student files (``feedback/alice.md`` -> text) that the
    executor did not write itself (a remote worker cannot: the client does)."""

    index: int
    status: str  # "graded" | "failed"
    report: dict | None = None
    reason: str = ""
    warning: str = ""
    elapsed: float = 0.0
    files: dict[str, str] = field(default_factory=dict)
    # the class cache while grading it (grader.checks.cache): engine results
    # looked up, and how many of them were there already
    cache_lookups: int = 0
    cache_hits: int = 0


@dataclass(frozen=True)
class GradingSetup:
    """What every sheet of a batch is graded with."""

    grade_fn: GradeFunction
    rubric: Any  # a loaded rubric, or what a fake grade_fn takes
    rubric_path: Path
    time_limit: float | None
    formats: frozenset[str]
    out_dir: Path | None


class Executor(Protocol):
    """Runs sheets and reports each as it finishes (in the calling thread)."""

    def run(
        self,
        tasks: Sequence[SheetTask],
        setup: GradingSetup,
        on_done: Callable[[SheetOutcome], None],
    ) -> None: ...


def grade_strictly(path: Path, rubric: Rubric, *, time_limit: float | None = None) -> GradeReport:
    """``grader.api.grade`` as every path grades: an empty or non-UTF-8 sheet is
    not gradable (a failed sheet with its reason), never a silent 0."""
    from grader import api

    return api.grade(path, rubric, time_limit=time_limit, strict=True)


def render_outputs(
    report: GradeReport, formats: frozenset[str], elapsed: float, name: str
) -> dict[str, str]:
    """Per-student files for one report, by path under the out folder
    (``feedback/<name>.md``, ...): one for each registry format with an
    ``out_folder`` that is in ``formats``."""
    from grader.report.formats import RenderOptions, out_formats

    options = RenderOptions(assets="relative", asset_prefix="../assets", execution_time=elapsed)
    return {
        f"{fmt.out_folder}/{name}{fmt.suffix}": fmt.render_one(report, options)
        for fmt in out_formats(formats)
    }


def _class_cache(rubric: Any) -> Any:
    """The class cache of ``rubric`` when it is a grading session (the default
    grading function's), for the hit counts; None for anything else."""
    from grader.checks.cache import ClassCache

    cache = getattr(rubric, "cache", None)
    return cache if isinstance(cache, ClassCache) else None


def grade_sheet(
    grade_fn: GradeFunction,
    rubric: Any,
    task: SheetTask,
    *,
    time_limit: float | None,
    formats: frozenset[str],
    path: Path | None = None,
    fix_report: Callable[[dict], dict] | None = None,
) -> SheetOutcome:
    """Grade one sheet and render its per-student files; never raises for
    a bad sheet or a grader bug (that costs the sheet, not the batch).
    ``path``: where the sheet is here (a remote worker's copy), if not at
    ``task.path``; ``fix_report`` then puts the original paths back."""
    started = time.perf_counter()
    cache = _class_cache(rubric)
    before = cache.snapshot() if cache is not None else None
    try:
        report = grade_fn(path or Path(task.path), rubric, time_limit=time_limit)
        elapsed = time.perf_counter() - started
        report_data = report.to_json_dict()
    except GraderError as error:
        reason = error.format()
        if path is not None:
            reason = reason.replace(str(path), task.path)
        return SheetOutcome(
            task.index, "failed", reason=reason, elapsed=time.perf_counter() - started
        )
    except Exception as error:  # a bug in the grader must cost one sheet, not the batch
        reason = f"internal error: {type(error).__name__}: {error}".strip().splitlines()[0]
        return SheetOutcome(
            task.index, "failed", reason=reason, elapsed=time.perf_counter() - started
        )
    if fix_report is not None:
        from grader.report.models import GradeReport

        report_data = fix_report(report_data)
        report = GradeReport.model_validate(report_data)
    outcome = SheetOutcome(task.index, "graded", report=report_data, elapsed=elapsed)
    if cache is not None and before is not None:
        used = cache.stats.since(before)
        outcome.cache_lookups, outcome.cache_hits = used.lookups, used.hits
    if formats:
        try:
            outcome.files = render_outputs(report, formats, elapsed, task.name)
        except Exception as error:
            # The grade stands; a renderer's bug only costs that sheet's feedback files.
            outcome.warning = f"feedback files not written: {type(error).__name__}: {error}"
    return outcome
