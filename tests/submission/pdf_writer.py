"""A tiny PDF writer for the PDF intake tests: pages of positioned text in
the standard Helvetica font, glyphs of a font with no Unicode mapping (what a
PDF's text layer gives for math it cannot name), and image-only pages (a scan)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass


@dataclass
class Text:
    x: float
    y: float
    text: str
    size: float = 12.0
    unnamed: bool = False  # drawn with a font whose glyphs have no Unicode


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def write_pdf(pages: list[list[Text] | None]) -> bytes:
    """A PDF with one page per item: text runs, or None for a scanned page (an image)."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    helvetica = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    # a CID font without a ToUnicode map: its codes cannot be turned into text
    descendant = add(
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /MathGlyphs "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        b"/FontDescriptor << /Type /FontDescriptor /FontName /MathGlyphs /Flags 4 "
        b"/FontBBox [0 0 1000 1000] /ItalicAngle 0 /Ascent 800 /Descent -200 "
        b"/CapHeight 700 /StemV 80 >> /DW 600 >>"
    )
    unnamed = add(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /MathGlyphs /Encoding /Identity-H "
        b"/DescendantFonts [%d 0 R] >>" % descendant
    )
    pixels = zlib.compress(bytes(range(256)) * 64)
    image = add(
        b"<< /Type /XObject /Subtype /Image /Width 128 /Height 128 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
        % len(pixels)
        + pixels
        + b"\nendstream"
    )
    page_ids = []
    pages_id = len(objects) + 2 * len(pages) + 1
    for runs in pages:
        if runs is None:
            content = b"q 500 0 0 700 50 50 cm /Im1 Do Q"
        else:
            parts = []
            for run in runs:
                if run.unnamed:
                    codes = "".join(f"{0x100 + ord(c):04X}" for c in run.text)
                    parts.append(f"BT /F2 {run.size} Tf {run.x} {run.y} Td <{codes}> Tj ET")
                else:
                    parts.append(
                        f"BT /F1 {run.size} Tf {run.x} {run.y} Td ({_escape(run.text)}) Tj ET"
                    )
            content = "\n".join(parts).encode("latin-1")
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        page_ids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> /XObject << /Im1 %d 0 R >> >> >>"
                % (pages_id, stream, helvetica, unnamed, image)
            )
        )
    kids = b" ".join(b"%d 0 R" % i for i in page_ids)
    assert add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))) == pages_id
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        xref,
    )
    return bytes(out)
