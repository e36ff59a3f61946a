"""Grading many submissions: a result store plus an executor.

    store.py      the result store: atomic records, resumable, locked
    sheets.py     one sheet: task, outcome, grade_sheet (what every executor runs)
    pool.py       the one process pool that kills a worker at its deadline
                  (also the HTTP service's)
    local.py      the local executor (default): the pool on this machine
    dask_executor.py  Dask distributed, for more than one machine
    run.py        grade_batch: find, reuse, execute, record, summarise
    summary.py    the whole-batch files and the closing lines
    progress.py   the progress bar

``grade_batch(paths, rubric_path, out_dir=..., jobs=...)`` finds the
submissions under ``paths`` (``grader.submission.discover_submissions``, the
one finder), grades each in an executor and writes, as each one finishes:

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
-> GradeReport``, default ``grader.api.grade`` with ``strict=True``) so that
tests and benchmarks can inject a fake one.
"""

from grader.batch.run import (
    DEFAULT_SHEET_TIME_LIMIT,
    BatchInterrupted,
    BatchItem,
    BatchResult,
    Outcome,
    all_out_formats,
    cli_grade,
    find_submissions,
    grade_batch,
)
from grader.batch.sheets import GradingSetup, SheetOutcome, SheetTask, grade_strictly
from grader.batch.store import (
    RECORD_SCHEMA,
    ResultStore,
    fsync_dir,
    result_key,
    rubric_sha256,
    write_atomic,
)
from grader.batch.summary import summary_lines
from grader.submission.discovery import submission_sha256

__all__ = [
    "DEFAULT_SHEET_TIME_LIMIT",
    "RECORD_SCHEMA",
    "BatchInterrupted",
    "BatchItem",
    "BatchResult",
    "GradingSetup",
    "Outcome",
    "ResultStore",
    "SheetOutcome",
    "SheetTask",
    "all_out_formats",
    "cli_grade",
    "find_submissions",
    "fsync_dir",
    "grade_batch",
    "grade_strictly",
    "result_key",
    "rubric_sha256",
    "submission_sha256",
    "summary_lines",
    "write_atomic",
]
