"""Reading submissions from disk.

What a submission is, and how one is found among many, is said once in
``grader.submission.discovery`` (the suffix table, ``discover_submissions``);
this module reads one.

* **One file**: an answer sheet (Markdown/LaTeX, Mathpix Markdown: ``<br>``
  starts a line, OCR confidence marks flag lines, ``grader.submission.ocr_markup``),
  a Jupyter notebook (``grader.submission.notebook``), a typed PDF
  (``grader.submission.pdf``), an answer file (part id -> answer text) or a
  code file. A scan (an image, a PDF without text) is refused with a message
  pointing at ``--ocr`` (``grader.submission.ocr``).
* **One student's folder**: the files directly in it: at most one sheet or
  answer file (if there are several, the one named ``sheet.*`` or
  ``answers.*`` is taken and the others are reported in warnings) and any
  number of ``.py`` code files.

Bad input raises ``SubmissionError`` with a one-line message: a missing path,
a binary file (NUL bytes, a PDF/image/Office signature, or mostly control
characters), a sheet over ``MAX_SHEET_BYTES`` (checked on the file size,
before reading). Readable oddities are read and reported in ``warnings``: a
0-byte or whitespace-only sheet, text that is not UTF-8 (decoded as
Windows-1252, else Latin-1; encoding ``cp1252``/``latin-1``), UTF-8 with a few
stray bytes (those bytes become U+FFFD; encoding ``utf-8-replaced``), UTF-16
with a byte-order mark. A UTF-8 byte-order mark is dropped; CRLF and CR line
endings become LF (line numbers are those an editor shows). That is the
reader's view: every grading path (``grader grade``, ``--out``, ``--jobs``,
Dask, ``grader ci``, the service) grades with ``strict=True`` and so refuses
an empty or non-UTF-8 sheet as not gradable (docs/answer-sheets.md, "Bad and odd input").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.data_files import parse_yaml_or_json
from grader.errors import SubmissionError
from grader.regular_files import NotARegularFile, describe_non_regular, read_regular_file
from grader.submission.discovery import (
    ANSWER_SUFFIXES,
    CODE_SUFFIXES,
    IMAGE_SUFFIXES,
    NOTEBOOK_SUFFIXES,
    PDF_SUFFIXES,
    SHEET_STEMS,
    SHEET_SUFFIXES,
    folder_sheets,
    is_submission_file,
    list_folder,
)
from grader.submission.models import Sheet, Submission

MAX_SHEET_BYTES = 5 * 1024 * 1024
MAX_CODE_BYTES = 1024 * 1024

_SIGNATURES = {
    b"%PDF": "a PDF file",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a zip archive (a .docx/.odt?)",
    b"\xd0\xcf\x11\xe0": "an old Office document",
}


def read_submission(path: str | Path) -> Submission:
    """Read one submission: a sheet, answer file or code file, or one student's folder."""
    path = Path(path)
    if path.is_symlink() and (path.is_dir() or not path.exists()):
        # Never followed: it may point at another student's work or outside.
        what = "a folder" if path.is_dir() else "nothing (its target is missing)"
        raise SubmissionError(
            f"a symbolic link to {what}: not read (links are never followed; "
            "submit the files themselves)",
            path=str(path),
        )
    if not path.exists():
        raise SubmissionError("no such file or folder", path=str(path))
    if path.is_dir():
        return _read_folder(path)
    suffix = path.suffix.lower()
    submission = Submission(id=path.stem, path=path)
    if suffix in CODE_SUFFIXES:
        _add_code_file(path, submission)
    elif suffix in _SHEET_READERS:
        _read_sheet_file(path, submission)
    else:
        raise SubmissionError(
            f"unsupported file type {suffix or '(none)'!r}: expected a sheet "
            "(.md, .txt, .tex, .ipynb, .pdf), an answer file (.yaml, .json) or code (.py)",
            path=str(path),
        )
    return submission


def _read_sheet_file(path: Path, submission: Submission) -> None:
    """Read the submission's one sheet (text, notebook, PDF, answer file) into it."""
    suffix = path.suffix.lower()
    if suffix in SHEET_SUFFIXES:
        submission.sheet = read_sheet(path, submission.warnings)
        _add_sheet_code(submission.sheet, submission)
    elif suffix in ANSWER_SUFFIXES:
        _read_answer_file(path, submission)
    elif suffix in NOTEBOOK_SUFFIXES:
        _read_notebook(path, submission)
    elif suffix in PDF_SUFFIXES:
        from grader.submission.pdf import read_pdf

        try:
            submission.sheet = read_pdf(path, submission.warnings)
        except SubmissionError as error:  # said of the submission, naming the file
            message = error.message
            if not message.startswith(path.name):
                message = f"{path.name}: {message}"
            raise SubmissionError(message, path=str(submission.path)) from None
    else:  # an image: only OCR reads it
        from grader.submission.ocr import needs_ocr_message

        raise SubmissionError(
            needs_ocr_message(f"{path.name} is an image"), path=str(submission.path)
        )


_SHEET_READERS = (
    SHEET_SUFFIXES | ANSWER_SUFFIXES | NOTEBOOK_SUFFIXES | PDF_SUFFIXES | IMAGE_SUFFIXES
)


def _read_notebook(path: Path, submission: Submission) -> None:
    from grader.submission.notebook import read_notebook

    text, encoding = read_text(path, submission.warnings)
    content = read_notebook(path, text)
    content.sheet.encoding = encoding
    submission.sheet = content.sheet
    submission.notebook_code = content.code
    submission.sections = content.sections
    submission.warnings.extend(content.notes)
    if content.code is not None:
        submission.warnings.extend(f"{path.name}: {p}" for p in content.code.problems)
    if content.sheet.is_blank:
        submission.warnings.append(f"{path.name}: no Markdown answers in the notebook")


def _add_sheet_code(sheet: Sheet, submission: Submission) -> None:
    """The sheet's ```python blocks, for code checks whose rubric allows them."""
    from grader.submission.code_answers import sheet_code

    name = sheet.path.name if sheet.path is not None else "the sheet"
    submission.sheet_code = sheet_code(sheet.lines, name=name)


def _read_folder(folder: Path) -> Submission:
    submission = Submission(id=folder.name, path=folder)
    # A link is kept (never read): a linked sheet is refused with its reason,
    # a linked code file is reported by the code check.
    files = [
        e for e in list_folder(folder) if (e.is_file() or e.is_symlink()) and is_submission_file(e)
    ]
    sheets = folder_sheets(files)
    if not files:
        raise SubmissionError(
            "no answer sheet, answer file or code file in this folder", path=str(folder)
        )
    if len(sheets) > 1:
        preferred = [f for f in sheets if f.stem.lower() in SHEET_STEMS]
        if len(preferred) != 1:
            names = ", ".join(f.name for f in sheets)
            raise SubmissionError(
                f"several answer sheets in one student's folder ({names}); "
                "name the one to grade sheet.md or answers.yaml",
                path=str(folder),
            )
        ignored = ", ".join(f.name for f in sheets if f != preferred[0])
        submission.warnings.append(f"{folder.name}: took {preferred[0].name}; ignored {ignored}")
        sheets = preferred
    if sheets:
        _read_sheet_file(sheets[0], submission)
    for file in files:
        if file.suffix.lower() in CODE_SUFFIXES:
            _add_code_file(file, submission)
    return submission


def _add_code_file(path: Path, submission: Submission) -> None:
    odd = describe_non_regular(path)
    if odd is not None:
        # Listed so that the code check says so in the part's feedback; never read.
        submission.warnings.append(f"{path.name}: {odd}, not a plain file: not read")
        submission.code_files[path.name] = path
        return
    size = path.lstat().st_size
    if size > MAX_CODE_BYTES:
        raise SubmissionError(
            f"code file is {size / 1e6:.1f} MB, over the {MAX_CODE_BYTES // 1024} KB limit",
            path=str(path),
        )
    if size == 0:
        submission.warnings.append(f"{path.name}: empty code file (0 bytes)")
    submission.code_files[path.name] = path


# --------------------------------------------------------------------------- decoding


def read_text(path: Path, warnings: list[str], *, limit: int = MAX_SHEET_BYTES) -> tuple[str, str]:
    """A text file's content and the encoding it was read with.

    The size is checked before reading, so a huge file is rejected at once.
    """
    try:
        size = path.lstat().st_size
    except OSError as error:
        raise SubmissionError(f"cannot read: {error.strerror}", path=str(path)) from None
    if size > limit:
        raise SubmissionError(
            f"file is {size / (1024 * 1024):.1f} MB, over the {limit // (1024 * 1024)} MB limit "
            "for an answer sheet",
            path=str(path),
        )
    try:
        # Never through a link: it would read another student's or a private file.
        data = read_regular_file(path, limit=limit)
    except NotARegularFile as error:
        raise SubmissionError(
            f"{error.what}, not a plain file: not read (submit the file itself)", path=str(path)
        ) from None
    except OSError as error:
        raise SubmissionError(f"cannot read: {error.strerror}", path=str(path)) from None
    return decode_text(data, path=str(path), warnings=warnings)


def decode_text(data: bytes, *, path: str | None = None, warnings: list[str]) -> tuple[str, str]:
    """Decode a sheet's bytes: UTF-8 (BOM dropped), UTF-16 with a BOM, else cp1252/latin-1."""
    name = Path(path).name if path else "sheet"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise SubmissionError(
                "not readable: UTF-16 byte-order mark but invalid UTF-16", path=path
            ) from None
        warnings.append(f"{name}: read as UTF-16 (byte-order mark)")
        return text, "utf-16"
    for signature, what in _SIGNATURES.items():
        if data.startswith(signature):
            raise SubmissionError(f"binary file ({what}), not a text answer sheet", path=path)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise SubmissionError(
            f"binary file (NUL byte at offset {nul}), not a text answer sheet", path=path
        )
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as error:
        position = error.start
    # Mostly UTF-8 with a few stray bytes (a copy-paste, an OCR tool): keep the UTF-8
    # reading and mark the bad bytes, rather than turning every é into Ã©.
    replaced = data.decode("utf-8-sig", errors="replace")
    bad = replaced.count("\ufffd")
    good = sum(1 for ch in replaced if ord(ch) > 127 and ch != "\ufffd")
    if good > bad:
        warnings.append(
            f"{name}: not valid UTF-8 at {bad} place(s) (first at byte {position}); "
            "those bytes are shown as \ufffd"
        )
        return replaced, "utf-8-replaced"
    try:
        text, encoding = data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "latin-1"
    controls = sum(
        1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f") or 0x7F <= ord(ch) < 0xA0
    )
    if controls > max(2, len(text) // 100):
        raise SubmissionError(
            "binary file (mostly control characters), not a text answer sheet", path=path
        )
    warnings.append(
        f"{name}: not UTF-8 (first bad byte at offset {position}); read as "
        f"{'Windows-1252' if encoding == 'cp1252' else 'Latin-1'}"
    )
    return text, encoding


def read_sheet(path: Path, warnings: list[str]) -> Sheet:
    """Read an answer sheet; a 0-byte or blank sheet is valid (and reported)."""
    from grader.submission.ocr_markup import split_line_breaks, take_confidence_marks

    text, encoding = read_text(path, warnings)
    sheet = Sheet.from_text(text, path=path)
    sheet.encoding = encoding
    # Mathpix Markdown's <br> line breaks and OCR confidence marks
    sheet.lines, sheet.origins = split_line_breaks(sheet.lines)
    sheet.flags = take_confidence_marks(sheet.lines)
    if not text:
        warnings.append(f"{path.name}: empty sheet (0 bytes): graded as a blank submission")
    elif sheet.is_blank:
        warnings.append(f"{path.name}: the sheet has no text: graded as a blank submission")
    return sheet


# --------------------------------------------------------------------------- answer files


def _read_answer_file(path: Path, submission: Submission) -> None:
    """YAML/JSON answer file: ``{part id: answer}``, flat (``q1.b``) or nested (``q1: {b: ...}``)."""
    text, _ = read_text(path, submission.warnings)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    submission.answers_path = path
    submission.answers = {}
    if not text.strip():
        submission.warnings.append(f"{path.name}: empty answer file: graded as a blank submission")
        return
    data, lines = _load_mapping(text, path)
    for key, (value, span) in _flatten(data, lines).items():
        submission.answers[key] = value
        submission.answer_spans[key] = span


def _load_mapping(text: str, path: Path) -> tuple[Any, Any]:
    import yaml

    data = parse_yaml_or_json(text, path, error=SubmissionError)
    if not isinstance(data, dict):
        raise SubmissionError(
            f"an answer file must map part ids to answers, not a {type(data).__name__}",
            path=str(path),
        )
    try:
        node = yaml.compose(text)  # line numbers; JSON is (almost always) valid YAML
    except yaml.YAMLError:
        node = None
    return data, node


def _flatten(data: dict, node: Any, prefix: str = "") -> dict[str, tuple[str, tuple[int, int]]]:
    """``{q1: {b: text}}`` -> ``{"q1.b": (text, (first_line, last_line))}``."""
    spans: dict[str, Any] = {}
    if node is not None and hasattr(node, "value") and isinstance(node.value, list):
        for key_node, value_node in node.value:
            spans[str(getattr(key_node, "value", ""))] = (key_node, value_node)
    result: dict[str, tuple[str, tuple[int, int]]] = {}
    for key, value in data.items():
        full = f"{prefix}{key}"
        key_node, value_node = spans.get(str(key), (None, None))
        if isinstance(value, dict):
            result.update(_flatten(value, value_node, prefix=f"{full}."))
            continue
        if value is None:
            text = ""
        elif isinstance(value, list):
            text = "\n".join(str(item) for item in value)
        else:
            text = str(value)
        if key_node is not None and value_node is not None:
            first = key_node.start_mark.line + 1
            end = value_node.end_mark  # 0-based, just after the value
            last = end.line if end.column == 0 else end.line + 1
            span = (first, max(first, last))
        else:
            span = (1, 1)
        result[full] = (text, span)
    return result
