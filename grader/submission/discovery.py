"""Finding submissions: the one place that says what a submission is on disk.

Every path that grades many sheets (``grader grade``, ``--out``, ``--jobs N``,
the Dask executor, ``grader ci``) asks this module, so the same folder gives
the same submissions everywhere.

What a submission is
--------------------
* **One file**: an answer sheet (``SHEET_SUFFIXES``: Markdown/LaTeX, OCR'd or
  typed), a Jupyter notebook (``.ipynb``), a PDF or an image (a scan: read only
  through ``--ocr``), an answer file (``ANSWER_SUFFIXES``: part id -> answer) or
  a code file (``CODE_SUFFIXES``). PDFs and images count as a folder's sheet
  only when no text sheet is beside them (``folder_sheets``).
* **One student's folder**: at most one sheet or answer file directly in it,
  any number of code files, and sub-folders of their own (``data/``,
  ``figures/``) that are part of the submission.

``discover_submissions(path)`` tells a student's folder from a **folder of
submissions** (each sheet/answer file directly in it is one submission, and
each visible sub-folder is one: a sub-folder without a sheet, answer file or
code is then reported as not graded, with that reason, never skipped
silently):

1. two or more sheet/answer files directly in it: a folder of submissions
   (loose code files belong to nobody and are skipped);
2. one sheet next to code files, or one sheet named ``sheet.*`` /
   ``answers.*`` / ``answer.*``: one student's folder, whatever sub-folders it
   has (``alice/`` with ``sheet.md``, ``model.py`` and ``data/`` is one
   submission, not three);
3. otherwise, sub-folders holding submission files make it a folder of
   submissions (``a.md`` beside ``bob/sheet.md`` is two);
4. otherwise, any submission file directly in it makes it one student's folder;
   a folder with none is empty (no submissions).

Never submissions: names starting with ``.`` or ``_``, ``README*``,
``SOURCES*``, ``LICENSE*``, ``CHANGELOG*``, and files of other types.

A symbolic link is never followed, but it is not skipped either: a link named
like a submission file (even one whose target is missing) and a link to a
folder are submissions of their own, which reading then refuses with a
reason (``grader.submission.reading``), so the student gets a row saying so.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from grader.errors import SubmissionError

# The one suffix table: what an answer sheet, an answer file and code look like.
SHEET_SUFFIXES = frozenset({".md", ".markdown", ".mmd", ".txt", ".tex"})
ANSWER_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
CODE_SUFFIXES = frozenset({".py"})
NOTEBOOK_SUFFIXES = frozenset({".ipynb"})
PDF_SUFFIXES = frozenset({".pdf"})
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".heic"})
# Scans (and typed PDFs) are a student's sheet only where no text sheet is beside them:
# a figure next to sheet.md, or a PDF export of it, is not a second sheet.
SCAN_SUFFIXES = PDF_SUFFIXES | IMAGE_SUFFIXES
ANSWER_SHEET_SUFFIXES = SHEET_SUFFIXES | ANSWER_SUFFIXES | NOTEBOOK_SUFFIXES
SUBMISSION_SUFFIXES = ANSWER_SHEET_SUFFIXES | CODE_SUFFIXES | SCAN_SUFFIXES

# The names a student's one sheet is given in a folder with several files.
SHEET_STEMS = frozenset({"sheet", "answers", "answer"})

_NOT_SUBMISSIONS = ("readme", "sources", "license", "licence", "changelog")
_IGNORED_FOLDERS = frozenset({"__pycache__", ".git", ".ipynb_checkpoints"})


def is_hidden(path: Path) -> bool:
    """Hidden or private (``.x``, ``_x``): never a submission nor part of one's listing."""
    return path.name.startswith((".", "_"))


def is_submission_file(path: Path) -> bool:
    """A sheet, answer file or code file that may be (part of) a submission."""
    name = path.name.lower()
    if is_hidden(path) or name.startswith(_NOT_SUBMISSIONS):
        return False
    return path.suffix.lower() in SUBMISSION_SUFFIXES


def is_answer_sheet(path: Path) -> bool:
    """An answer sheet, notebook or answer file (not code, not a scan)."""
    return path.suffix.lower() in ANSWER_SHEET_SUFFIXES


def folder_sheets(files: list[Path]) -> list[Path]:
    """The files of one folder that are answer sheets: its text sheets,
    notebooks and answer files; its PDFs, unless a text sheet has the same
    name (``hw.ipynb`` and its export ``hw.pdf``) or is named ``sheet.*`` /
    ``answers.*``; its images when it has neither text sheets nor code (a plot
    beside ``model.py`` is a figure), or when named ``sheet.*`` / ``answers.*``."""
    text = [f for f in files if is_answer_sheet(f)]
    stems = {f.stem.lower() for f in text}
    has_code = any(f.suffix.lower() in CODE_SUFFIXES for f in files)
    named = bool(stems & SHEET_STEMS)
    sheets = list(text)
    for f in files:
        suffix, stem = f.suffix.lower(), f.stem.lower()
        if suffix in PDF_SUFFIXES and stem not in stems and not named:
            sheets.append(f)
        elif suffix in IMAGE_SUFFIXES and (
            (not text and not has_code) or (stem in SHEET_STEMS and not named)
        ):
            sheets.append(f)
    return sorted(sheets)


def is_sheet_name(path: str | Path) -> bool:
    """Whether a file name looks like an answer sheet or answer file."""
    return Path(path).suffix.lower() in ANSWER_SHEET_SUFFIXES


def list_folder(folder: Path) -> list[Path]:
    """A folder's entries, sorted; an unreadable folder is bad input."""
    try:
        return sorted(folder.iterdir())
    except OSError as error:
        raise SubmissionError(f"cannot list folder: {error.strerror}", path=str(folder)) from None


def is_file_entry(path: Path) -> bool:
    """A file, or a link (whatever it points at, even nothing): a link named
    like a submission file is listed so that reading can refuse it with a
    reason instead of it vanishing when its target is missing."""
    return path.is_symlink() or path.is_file()


def _has_submission_files(folder: Path) -> bool:
    return any(is_file_entry(entry) and is_submission_file(entry) for entry in list_folder(folder))


def discover_submissions(path: str | Path) -> list[Path]:
    """The submissions at ``path``: itself (a file or one student's folder), or
    the submissions in a folder of submissions (rules in the module docstring),
    sorted by name. A missing path raises ``SubmissionError``."""
    path = Path(path)
    if not path.exists():
        raise SubmissionError("no such file or folder", path=str(path))
    if path.is_file():
        return [path]
    entries = [entry for entry in list_folder(path) if not is_hidden(entry)]
    files = [entry for entry in entries if is_file_entry(entry) and is_submission_file(entry)]
    sheets = folder_sheets(files)
    code = [entry for entry in files if entry.suffix.lower() in CODE_SUFFIXES]
    if len(sheets) >= 2:
        return sorted([*sheets, *_student_folders(entries)])
    if sheets and (code or sheets[0].stem.lower() in SHEET_STEMS):
        return [path]
    if _submission_folders(entries):
        return sorted([*sheets, *_student_folders(entries)])
    return [path] if files else []


def _student_folders(entries: list[Path]) -> list[Path]:
    # In a folder of submissions every visible folder is a student's, even one
    # without a sheet: it is then reported as not graded, never skipped silently.
    return [
        entry for entry in entries if _is_folder_entry(entry) and entry.name not in _IGNORED_FOLDERS
    ]


def _is_folder_entry(path: Path) -> bool:
    # A link to a folder counts as a student's folder (refused when read);
    # a link named like a submission file is a file entry instead.
    return path.is_dir() and not (path.is_symlink() and is_submission_file(path))


def _submission_folders(entries: list[Path]) -> list[Path]:
    return [
        entry
        for entry in entries
        if entry.is_dir() and entry.name not in _IGNORED_FOLDERS and _has_submission_files(entry)
    ]


def submission_files(path: Path) -> Iterator[tuple[str, Path]]:
    """Every file of one submission (sub-folders included, hidden ones not),
    as (relative POSIX name, path), sorted: what a remote worker needs to
    rebuild it and what its content key is computed from."""
    if path.is_file() or path.is_symlink():
        # a link is one entry, never walked into (its target is not the student's)
        yield path.name, path
        return
    found = []
    for file in path.rglob("*"):
        relative = file.relative_to(path)
        if not is_file_entry(file) or any(
            part in _IGNORED_FOLDERS or part.startswith(".") for part in relative.parts
        ):
            continue
        found.append((relative.as_posix(), file))
    yield from sorted(found)


def submission_sha256(path: Path) -> str:
    """sha256 over a submission's files: the relative name and content of each
    (a single file: its name and content), so that it follows content, not time."""
    digest = hashlib.sha256()
    for name, file in submission_files(path):
        digest.update(name.encode() + b"\0")
        # A link is never followed (it could point at a private file): its target names it.
        content = os.readlink(file).encode() if file.is_symlink() else file.read_bytes()
        digest.update(hashlib.sha256(content).digest())
    return digest.hexdigest()
