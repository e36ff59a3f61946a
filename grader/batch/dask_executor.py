"""The Dask executor: grade a batch on a Dask distributed cluster (extra
``[dask]``), for more than one machine.

    grader grade class/ --rubric r.yaml --out results/ --executor dask --scheduler tcp://HOST:8786
    grader grade class/ --rubric r.yaml --out results/ --executor dask --dask-workers 2

Workers never read the client's disk: each task carries the submission's
files as bytes (``RemoteSheet``) and a reference to the rubric bundle (the
rubric file and the files next to it that it names, as bytes), scattered to
every worker once. A worker loads the rubric once per process into one
``GradingSession`` (``_RUBRICS``, keyed by the bundle's sha256:
its contexts and caches) and reuses it for every sheet,
rebuilds each submission in a temporary folder, grades it there (student code
runs in the same sandbox as on one machine, started by the worker process)
and returns the outcome: the report, with the client's paths put back, and
the rendered per-student files.

The client stays the only writer: it records each outcome in the result store
as it arrives (atomic, resumable, locked), so a client killed at any point
loses nothing that was recorded and a rerun grades only the rest; a task is
recorded once however often Dask ran it. A worker lost mid-sheet costs a
retry on another worker (Dask reschedules its tasks), not the batch. Tasks
are submitted in a sliding window, so the client holds a bounded number of
submissions in memory whatever the size of the batch.

``distributed`` is imported only when this executor runs.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.batch.sheets import GradeFunction, GradingSetup, SheetOutcome, SheetTask, grade_sheet
from grader.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from grader.pipeline import GradingSession

MISSING_EXTRA = (
    "--executor dask needs the optional extra [dask]: pip install 'grader[dask]' "
    "(the 'distributed' package)"
)


def import_distributed() -> Any:
    """``distributed``, or a one-line ``InputError`` saying which extra to install."""
    try:
        import distributed
    except ImportError:
        raise InputError(MISSING_EXTRA) from None
    return distributed


# --- what travels to a worker ----------------------------------------------------


@dataclass(frozen=True)
class RubricBundle:
    """A rubric as bytes: its file and each file next to it that it names
    (reference code, contexts), the same files its result key covers."""

    name: str
    files: dict[str, bytes]
    sha256: str

    @classmethod
    def from_path(cls, rubric_path: Path) -> RubricBundle:
        text = rubric_path.read_bytes()
        decoded = text.decode("utf-8", errors="replace")
        files = {rubric_path.name: text}
        for sibling in sorted(rubric_path.parent.iterdir()):
            if sibling.is_file() and sibling != rubric_path and sibling.name in decoded:
                files[sibling.name] = sibling.read_bytes()
        digest = hashlib.sha256()
        for name, data in sorted(files.items()):
            digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        return cls(name=rubric_path.name, files=files, sha256=digest.hexdigest())


@dataclass(frozen=True)
class RemoteSheet:
    """One submission as bytes: relative file name -> content. ``single``: a
    one-file submission (``alice.md``) rather than a student's folder.
    ``links``: relative name -> link target, for files that are links: a link
    is never followed (it could point at a private file); the worker makes
    the same link, so that the reader refuses it there as it does here."""

    task: SheetTask
    files: dict[str, bytes]
    single: bool
    links: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, task: SheetTask) -> RemoteSheet:
        from grader.submission import submission_files

        path = Path(task.path)
        files: dict[str, bytes] = {}
        links: dict[str, str] = {}
        for name, file in submission_files(path):
            if file.is_symlink():
                links[name] = os.readlink(file)
            else:
                files[name] = file.read_bytes()
        single = path.is_symlink() or not path.is_dir()  # a link travels as itself
        return cls(task=task, files=files, single=single, links=links)


# --- on a worker -----------------------------------------------------------------

# Per worker process: rubric bundle sha256 -> its grading session (one per rubric, reused).
_RUBRICS: dict[str, Any] = {}
_RUBRICS_LOCK = threading.Lock()


def rubric_on_worker(bundle: RubricBundle) -> GradingSession:
    """The bundle's grading session, made once in this process from a private
    copy of the rubric's files."""
    with _RUBRICS_LOCK:
        rubric = _RUBRICS.get(bundle.sha256)
        if rubric is None:
            from grader import api

            folder = Path(tempfile.mkdtemp(prefix="grader-rubric-"))
            for name, data in bundle.files.items():
                (folder / name).write_bytes(data)
            # one grading session per rubric per worker: its contexts and
            # memo are built on the first sheet and reused by the others
            rubric = _RUBRICS[bundle.sha256] = api.GradingSession(
                api.load_rubric(folder / bundle.name)
            )
        return rubric


def _replace_strings(node: Any, old: str, new: str) -> Any:
    if isinstance(node, str):
        return node.replace(old, new)
    if isinstance(node, dict):
        return {key: _replace_strings(value, old, new) for key, value in node.items()}
    if isinstance(node, list):
        return [_replace_strings(value, old, new) for value in node]
    return node


def grade_remote(
    bundle: RubricBundle,
    sheet: RemoteSheet,
    *,
    grade_fn: GradeFunction,
    time_limit: float | None,
    formats: frozenset[str],
) -> SheetOutcome:
    """On a worker: rebuild the submission in a temporary folder, grade it
    with this process's rubric, and return the outcome with the client's paths."""
    rubric = rubric_on_worker(bundle)
    original = Path(sheet.task.path)
    with tempfile.TemporaryDirectory(prefix="grader-sheet-") as tmp:
        local = Path(tmp) / original.name
        for name, data in sheet.files.items():
            target = local if sheet.single else local / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for name, link_target in sheet.links.items():
            target = local if sheet.single else local / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(link_target, target)
        if not sheet.single:
            local.mkdir(exist_ok=True)  # a folder with no files in it still is one
        return grade_sheet(
            grade_fn,
            rubric,
            sheet.task,
            time_limit=time_limit,
            formats=formats,
            path=local,
            fix_report=lambda data: _replace_strings(data, str(local), sheet.task.path),
        )


# --- on the client ---------------------------------------------------------------


class DaskExecutor:
    """Grade on a Dask cluster: ``scheduler`` (``tcp://host:8786``), or a
    ``distributed.LocalCluster`` of ``workers`` processes on this machine.
    ``window``: tasks in flight at once (default: 4 per worker thread)."""

    def __init__(
        self,
        *,
        scheduler: str | None = None,
        workers: int | None = None,
        window: int | None = None,
        client: Any = None,
    ) -> None:
        self.scheduler = scheduler
        self.workers = workers
        self.window = window
        self._client = client  # an existing distributed.Client (tests, notebooks)

    def run(
        self,
        tasks: Sequence[SheetTask],
        setup: GradingSetup,
        on_done: Callable[[SheetOutcome], None],
    ) -> None:
        distributed = import_distributed()
        cluster = None
        client = self._client
        if client is None:
            if self.scheduler:
                try:
                    client = distributed.Client(self.scheduler, timeout="30s")
                except OSError as error:
                    raise InputError(
                        f"cannot reach the Dask scheduler at {self.scheduler}: {error}"
                    ) from None
            else:
                cluster = distributed.LocalCluster(
                    n_workers=self.workers or 2,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
                client = distributed.Client(cluster)
        try:
            self._run(distributed, client, tasks, setup, on_done)
        finally:
            if client is not self._client:
                client.close()
            if cluster is not None:
                cluster.close()

    def _run(self, distributed, client, tasks, setup, on_done) -> None:
        bundle = RubricBundle.from_path(setup.rubric_path)
        (bundle_ref,) = client.scatter([bundle], broadcast=True, hash=False)
        threads = sum(client.nthreads().values()) or 1
        window = self.window or max(8, 4 * threads)
        run_id = uuid.uuid4().hex[:8]
        pending: Iterator[SheetTask] = iter(tasks)
        in_flight: dict[Any, SheetTask] = {}
        finished = distributed.as_completed()

        def submit(task: SheetTask) -> None:
            future = client.submit(
                grade_remote,
                bundle_ref,
                RemoteSheet.read(task),
                grade_fn=setup.grade_fn,
                time_limit=setup.time_limit,
                formats=setup.formats,
                key=f"grade-{task.name}-{run_id}",
                pure=False,
            )
            in_flight[future] = task
            finished.add(future)

        for task in islice(pending, window):
            submit(task)
        for future in finished:
            task = in_flight.pop(future)
            on_done(_outcome(distributed, task, future))
            future.release()
            following = next(pending, None)
            if following is not None:
                submit(following)


def _outcome(distributed, task: SheetTask, future) -> SheetOutcome:
    try:
        return future.result()
    except distributed.KilledWorker:
        reason = "the worker processes died on this sheet, on every retry"
    except Exception as error:  # noqa: BLE001 - the sheet fails, the batch goes on
        reason = f"internal error: {type(error).__name__}: {error}".splitlines()[0]
    return SheetOutcome(task.index, "failed", reason=reason)
