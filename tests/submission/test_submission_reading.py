"""Reading submissions: files, folders, encodings, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.errors import SubmissionError
from grader.submission import MAX_SHEET_BYTES, discover_submissions, read_submission
from grader.submission.reading import decode_text

SHEET = "Q1\n(a) café au lait – naïve\n"


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


# (id, bytes, expected lines, expected warning substring or None, expected encoding)
DECODING = [
    ("utf-8", SHEET.encode("utf-8"), ["Q1", "(a) café au lait – naïve"], None, "utf-8"),
    (
        "utf-8-bom",
        b"\xef\xbb\xbf" + SHEET.encode("utf-8"),
        ["Q1", "(a) café au lait – naïve"],
        None,
        "utf-8",
    ),
    (
        "crlf",
        SHEET.replace("\n", "\r\n").encode(),
        ["Q1", "(a) café au lait – naïve"],
        None,
        "utf-8",
    ),
    (
        "cr-only",
        SHEET.replace("\n", "\r").encode(),
        ["Q1", "(a) café au lait – naïve"],
        None,
        "utf-8",
    ),
    (
        "cp1252",
        SHEET.encode("cp1252"),
        ["Q1", "(a) café au lait – naïve"],
        "Windows-1252",
        "cp1252",
    ),
    (
        "latin-1",
        "Q1\n(a) café\x81\n".encode("latin-1"),
        ["Q1", "(a) café\x81"],
        "Latin-1",
        "latin-1",
    ),
    (
        "utf-8-with-a-stray-byte",
        SHEET.encode("utf-8").replace(b"au", b"\xe9u"),
        ["Q1", "(a) café \ufffdu lait – naïve"],
        "not valid UTF-8 at 1 place",
        "utf-8-replaced",
    ),
    ("utf-16-bom", SHEET.encode("utf-16"), ["Q1", "(a) café au lait – naïve"], "UTF-16", "utf-16"),
    ("no-final-newline", b"Q1\n(a) x", ["Q1", "(a) x"], None, "utf-8"),
    ("blank-lines-kept", b"\n\nQ1\n\n", ["", "", "Q1", ""], None, "utf-8"),
]


@pytest.mark.parametrize(
    ("data", "lines", "warning", "encoding"),
    [d[1:] for d in DECODING],
    ids=[d[0] for d in DECODING],
)
def test_decoding(tmp_path, data, lines, warning, encoding):
    submission = read_submission(write(tmp_path / "s.md", data))
    assert submission.sheet.lines == lines
    assert submission.sheet.encoding == encoding
    if warning is None:
        assert submission.warnings == []
    else:
        assert len(submission.warnings) == 1 and warning in submission.warnings[0]


# (id, file name, bytes, message substring)
BAD_FILES = [
    ("nul-bytes", "s.md", b"Q1\n(a) x\x00\x00y\n", "NUL byte at offset 8"),
    ("pdf", "s.md", b"%PDF-1.7\n...", "a PDF file"),
    ("png", "s.txt", b"\x89PNG\r\n\x1a\n....", "a PNG image"),
    ("docx", "s.md", b"PK\x03\x04 rest of a zip", "zip archive"),
    ("control-chars", "s.md", bytes(range(1, 9)) * 50 + b"\xff", "control characters"),
    ("unsupported-type", "s.docx", b"hello", "unsupported file type '.docx'"),
    ("bad-yaml", "a.yaml", b"q1.a: [unclosed\n", "invalid YAML"),
    ("bad-json", "a.json", b'{"q1.a": }', "invalid JSON"),
    ("json-list", "a.json", b'["q1.a"]', "must map part ids to answers, not a list"),
]


@pytest.mark.parametrize(
    ("name", "data", "message"), [b[1:] for b in BAD_FILES], ids=[b[0] for b in BAD_FILES]
)
def test_bad_files_raise_a_one_line_submission_error(tmp_path, name, data, message):
    path = write(tmp_path / name, data)
    with pytest.raises(SubmissionError) as raised:
        read_submission(path)
    text = str(raised.value)
    assert message in text
    assert "\n" not in text
    assert text.startswith(str(path))


def test_missing_path(tmp_path):
    with pytest.raises(SubmissionError, match="no such file or folder"):
        read_submission(tmp_path / "nope.md")
    with pytest.raises(SubmissionError, match="no such file or folder"):
        discover_submissions(tmp_path / "nope")


def test_a_huge_sheet_is_rejected_from_its_size_without_reading_it(tmp_path, monkeypatch):
    path = tmp_path / "huge.md"
    with path.open("wb") as handle:  # sparse: 50 MB on paper, nothing on disk
        handle.truncate(50 * 1024 * 1024)

    def no_reading(self):
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    with pytest.raises(SubmissionError, match=r"50\.0 MB, over the 5 MB limit"):
        read_submission(path)


def test_a_sheet_at_the_limit_is_read(tmp_path):
    line = b"x" * 99 + b"\n"
    path = write(tmp_path / "big.md", line * (MAX_SHEET_BYTES // len(line)))
    assert len(read_submission(path).sheet.lines) == MAX_SHEET_BYTES // len(line)


@pytest.mark.parametrize(
    ("data", "warning"),
    [(b"", "empty sheet (0 bytes)"), (b"  \n\n\t\n", "has no text")],
    ids=["zero-bytes", "whitespace-only"],
)
def test_an_empty_sheet_is_a_valid_blank_submission_with_a_warning(tmp_path, data, warning):
    submission = read_submission(write(tmp_path / "blank.md", data))
    assert submission.sheet is not None and submission.sheet.is_blank
    assert len(submission.warnings) == 1 and warning in submission.warnings[0]


def test_one_students_folder_is_a_sheet_and_code(tmp_path):
    folder = tmp_path / "ann"
    write(folder / "sheet.md", SHEET)
    write(folder / "linreg.py", "def f(): pass\n")
    write(folder / "lstm.py", "")
    write(folder / "README.md", "not a submission")
    submission = read_submission(folder)
    assert submission.id == "ann"
    assert submission.sheet.path == folder / "sheet.md"
    assert sorted(submission.code_files) == ["linreg.py", "lstm.py"]
    assert submission.warnings == ["lstm.py: empty code file (0 bytes)"]


def test_a_folder_with_only_code_has_no_sheet(tmp_path):
    write(tmp_path / "bob" / "linreg.py", "x = 1\n")
    submission = read_submission(tmp_path / "bob")
    assert submission.sheet is None and submission.answers is None
    assert list(submission.code_files) == ["linreg.py"]


def test_a_folder_with_several_sheets_needs_one_named_sheet(tmp_path):
    write(tmp_path / "c" / "q1.md", SHEET)
    write(tmp_path / "c" / "q2.md", SHEET)
    with pytest.raises(SubmissionError, match=r"several answer sheets .*q1\.md, q2\.md"):
        read_submission(tmp_path / "c")
    write(tmp_path / "c" / "sheet.md", SHEET)
    submission = read_submission(tmp_path / "c")
    assert submission.sheet.path.name == "sheet.md"
    assert "ignored q1.md, q2.md" in submission.warnings[0]


def test_an_empty_folder_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SubmissionError, match="no answer sheet"):
        read_submission(tmp_path / "empty")


def test_discover_one_file_and_one_students_folder(tmp_path):
    sheet = write(tmp_path / "s" / "sheet.md", SHEET)
    write(tmp_path / "s" / "linreg.py", "x = 1\n")
    assert discover_submissions(sheet) == [sheet]
    assert discover_submissions(tmp_path / "s") == [tmp_path / "s"]


def test_discover_a_folder_of_submissions(tmp_path):
    write(tmp_path / "ann.md", SHEET)
    write(tmp_path / "bob.yaml", "q1.a: x\n")
    write(tmp_path / "carol" / "sheet.md", SHEET)
    write(tmp_path / "carol" / "linreg.py", "x = 1\n")
    write(tmp_path / "dave" / "linreg.py", "x = 1\n")  # code only: still a submission
    write(tmp_path / "notes" / "image.png", b"\x89PNG")  # no sheet: found, then not gradable
    write(tmp_path / "README.md", "about")
    write(tmp_path / ".hidden.md", SHEET)
    write(tmp_path / "loose.py", "x = 1\n")  # belongs to nobody: skipped
    assert [p.name for p in discover_submissions(tmp_path)] == [
        "ann.md",
        "bob.yaml",
        "carol",
        "dave",
        "notes",
    ]


def test_discover_the_repositorys_examples():
    examples = Path(__file__).resolve().parents[2] / "submissions"
    found = [p.name for p in discover_submissions(examples)]
    for name in [
        "blank.md",
        "seed-student-ocr.md",
        "typed-perfect",
        "typed-mistakes",
        "typed-misconceptions",
    ]:
        assert name in found
    assert "README.md" not in found and "SOURCES.md" not in found


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_are_read_or_refused_with_a_submission_error(data):
    warnings: list[str] = []
    try:
        text, encoding = decode_text(data, path="s.md", warnings=warnings)
    except SubmissionError as error:
        assert "\n" not in str(error)
        return
    assert isinstance(text, str)
    assert encoding in ("utf-8", "utf-8-replaced", "utf-16", "cp1252", "latin-1")
    assert (encoding == "utf-8") == (warnings == [])
