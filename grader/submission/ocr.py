"""OCR: turning a scan (a PDF without a text layer, an image) into a Markdown
sheet with an outside tool, before grading.

``grader grade PATH... --ocr COMMAND`` (and ``grader check``) runs COMMAND once
per scan and grades what it wrote. COMMAND is split like a shell line (no
shell runs it) and its placeholders are filled in:

    {input}        the scan (appended at the end when the command does not name it)
    {output}       the Markdown file to write
    {output_dir}   a folder to write into; the one .md/.mmd file found in it is taken

With neither ``{output}`` nor ``{output_dir}``, what the command prints is the
Markdown. Examples:

    --ocr 'mpx convert {input} {output}'                      Mathpix's CLI (mpx)
    --ocr 'marker_single {input} --output_dir {output_dir}'   Marker

The Markdown is kept beside the results (``--out DIR``: ``DIR/ocr/<name>.md``,
with ``<name>.md.json`` saying which file and command made it; a later run
with the same scan and command reuses it instead of paying for OCR again);
without ``--out`` it lives in a temporary folder for the run. A student's
folder with a scan and code files is copied there with the scan replaced by
its Markdown. Confidence marks the tool writes (``<!-- confidence: 0.42 -->``,
``grader.submission.ocr_markup``) send the parts holding those lines to
review. Typed PDFs (with a text layer), notebooks and Markdown sheets are
graded as they are.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import GraderError, SubmissionError
from grader.regular_files import NotARegularFile, read_regular_file
from grader.submission.discovery import (
    IMAGE_SUFFIXES,
    PDF_SUFFIXES,
    discover_submissions,
    folder_sheets,
    is_submission_file,
    list_folder,
)

OCR_TIME_LIMIT = 600.0  # seconds for one file
_MARKDOWN = (".md", ".mmd", ".markdown")


def needs_ocr_message(what: str) -> str:
    """The one message for a file only OCR can read."""
    return (
        f"{what}: nothing to read without OCR; convert it to Markdown with an OCR tool, "
        "e.g. `--ocr 'mpx convert {input} {output}'` (Mathpix) or "
        "`--ocr 'marker_single {input} --output_dir {output_dir}'` (Marker); "
        "see docs/answer-sheets.md"
    )


@dataclass
class OcrRun:
    """What the OCR step gives the grading: the paths to grade (scans replaced
    by their Markdown), the files it converted, and the ones it could not."""

    paths: list[str] = field(default_factory=list)
    converted: list[tuple[Path, Path]] = field(default_factory=list)  # (scan, what is graded)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (shown path, message)


def ocr_submissions(paths: Iterable[str | Path], *, command: str, out_dir: Path) -> OcrRun:
    """Run ``command`` on every scan among the submissions under ``paths``
    (rules in the module docstring), writing under ``out_dir``."""
    paths = list(paths)
    template = _split(command)
    run = OcrRun()
    out_dir.mkdir(parents=True, exist_ok=True)
    for raw in paths:
        try:
            found = discover_submissions(raw)
        except GraderError:
            run.paths.append(str(raw))  # grading reports it, as without --ocr
            continue
        if not found:
            run.paths.append(str(raw))
            continue
        for submission in found:
            scan = _scan_of(submission)
            if scan is None:
                run.paths.append(str(submission))
                continue
            try:
                graded = _convert(submission, scan, template, out_dir, command)
                run.paths.append(str(graded))
                run.converted.append((scan, graded))
            except GraderError as error:
                run.errors.append((str(submission), error.message))
    if not run.converted and not run.errors:
        run.paths = [str(p) for p in paths]  # no scans: grade the paths as given
    return run


def needs_ocr(path: Path) -> bool:
    """An image, or a PDF without a text layer."""
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return True
    if suffix not in PDF_SUFFIXES:
        return False
    try:
        from pdfminer.high_level import extract_text
    except ImportError:
        return True
    try:
        return not extract_text(str(path)).strip()
    except Exception:  # a broken PDF: the reader says so when grading
        return False


def _scan_of(submission: Path) -> Path | None:
    if submission.is_file():
        return submission if needs_ocr(submission) else None
    files = [f for f in list_folder(submission) if f.is_file() and is_submission_file(f)]
    sheets = folder_sheets(files)
    return sheets[0] if len(sheets) == 1 and needs_ocr(sheets[0]) else None


def _convert(
    submission: Path, scan: Path, template: list[str], out_dir: Path, command: str
) -> Path:
    """The path to grade in place of ``submission``: its Markdown, or a copy of
    the student's folder with the scan replaced by its Markdown."""
    if submission.is_file():
        target = out_dir / f"{scan.stem}.md"
        _ocr_file(scan, target, template, command)
        return target
    folder = out_dir / submission.name
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(
        submission,
        folder,
        symlinks=True,
        ignore=lambda where, names: [n for n in names if Path(where, n) == scan],
    )
    markdown = out_dir / f"{submission.name}.{scan.stem}.md"
    _ocr_file(scan, markdown, template, command)
    shutil.copyfile(markdown, folder / f"{scan.stem}.md")
    return folder


def _ocr_file(scan: Path, target: Path, template: list[str], command: str) -> None:
    """Write ``scan``'s Markdown to ``target``, reusing an earlier run's output."""
    try:
        # never through a link: the OCR command would read what it points at
        digest = hashlib.sha256(read_regular_file(scan)).hexdigest()
    except NotARegularFile as error:
        raise SubmissionError(f"not sent to OCR: {error.strerror}", path=str(scan)) from None
    stamp = target.with_name(target.name + ".json")
    record = {"source": str(scan), "sha256": digest, "command": command}
    if target.is_file() and stamp.is_file():
        try:
            if json.loads(stamp.read_text(encoding="utf-8")) == record:
                return
        except (OSError, ValueError):
            pass
    markdown = run_ocr_command(template, scan)
    target.write_text(markdown, encoding="utf-8")
    stamp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def run_ocr_command(template: list[str], scan: Path, *, time_limit: float = OCR_TIME_LIMIT) -> str:
    """Run the OCR command on one file; its Markdown, or ``SubmissionError``."""
    with tempfile.TemporaryDirectory(prefix="grader-ocr-") as work:
        output = Path(work) / f"{scan.stem}.md"
        output_dir = Path(work) / "out"
        output_dir.mkdir()
        values = {"input": str(scan), "output": str(output), "output_dir": str(output_dir)}
        args = [_fill(arg, values) for arg in template]
        if not any("{input}" in arg for arg in template):
            args.append(str(scan))
        try:
            done = subprocess.run(
                args, capture_output=True, timeout=time_limit, stdin=subprocess.DEVNULL
            )
        except FileNotFoundError:
            raise SubmissionError(
                f"the OCR command {args[0]!r} was not found (is it installed and on PATH?)",
                path=str(scan),
            ) from None
        except subprocess.TimeoutExpired:
            raise SubmissionError(
                f"the OCR command took over {time_limit:g} s", path=str(scan)
            ) from None
        if done.returncode != 0:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()
            last = f": {said[-1][:200]}" if said else ""
            raise SubmissionError(
                f"the OCR command failed (exit {done.returncode}){last}", path=str(scan)
            )
        if any("{output}" in arg for arg in template):
            text = output.read_text(encoding="utf-8") if output.is_file() else ""
        elif any("{output_dir}" in arg for arg in template):
            found = sorted(p for p in output_dir.rglob("*") if p.suffix.lower() in _MARKDOWN)
            if len(found) > 1:
                raise SubmissionError(
                    "the OCR command wrote several Markdown files "
                    f"({', '.join(p.name for p in found)}); expected one",
                    path=str(scan),
                )
            text = found[0].read_text(encoding="utf-8") if found else ""
        else:
            text = done.stdout.decode("utf-8", "replace")
    if not text.strip():
        raise SubmissionError("the OCR command wrote no Markdown", path=str(scan))
    return text


def _split(command: str) -> list[str]:
    try:
        parts = shlex.split(command)
    except ValueError as error:
        raise SubmissionError(f"--ocr: cannot read the command ({error})") from None
    if not parts:
        raise SubmissionError("--ocr: the command is empty")
    return parts


def _fill(arg: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        arg = arg.replace("{" + name + "}", value)
    return arg
