"""OCR: turning a scan (a PDF without text, an image) into a Markdown sheet."""

from __future__ import annotations


def needs_ocr_message(what: str) -> str:
    """The one message for a file only OCR can read."""
    return (
        f"{what} has no text to read: convert it to Markdown first with an OCR tool, "
        "e.g. `grader grade ... --ocr 'mpx convert {input} {output}'` (Mathpix) or "
        "`--ocr 'marker_single {input} --output_dir {output_dir}'` (Marker); "
        "see docs/answer-sheets.md"
    )
