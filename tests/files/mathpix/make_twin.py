"""Writes mathpix.mmd from plain.md the way Mathpix Markdown writes a sheet:
display math between \\[ and \\] on lines of their own, inline math in \\( \\),
exponents in braces, and lines joined by <br> (a paragraph's lines, and the
hand-written lines of math of Q2 (c) as inline math on one line).
Run from this folder: python make_twin.py (writes both twins)"""

import re
from pathlib import Path


def twin(text: str) -> str:
    # Q2 (c): "## Q2 ... **(c)**" on one sheet, "### 2(c)" on the other
    label = "### 2(c)" if "### 2(c)" in text else "**(c)**"
    start = text.index(label, 0 if label == "### 2(c)" else text.index("## Q2"))
    end = text.index("### 2(d)" if label == "### 2(c)" else "**(d)**", start)
    partials = [line[2:-2] for line in text[start:end].split("\n") if line.startswith("$$")]
    prose = [line for line in text[start:end].split("\n")[1:] if line and not line.startswith("$$")]
    text = text[:start] + label + "\n\nPARTIALS\n\n" + "\n".join(prose) + "\n\n" + text[end:]
    text = re.sub(
        r"^\$\$(.*)\$\$$", lambda m: "\\[\n" + m.group(1).strip() + "\n\\]", text, flags=re.M
    )
    text = re.sub(r"(?<!\$)\$([^$\n]+)\$(?!\$)", r"\\( \1 \\)", text)
    text = text.replace("PARTIALS", "<br>".join(f"\\( {p} \\)" for p in partials))
    text = re.sub(r"\^([A-Za-z0-9])", r"^{\1}", text)
    # a paragraph's lines joined by <br>, as Mathpix does for hand-written line breaks
    text = re.sub(r"(?<=[a-z,;])\n(?=[a-z])", "<br>", text)
    return text


for plain, mathpix in (("plain.md", "mathpix.mmd"), ("plain-mistakes.md", "mathpix-mistakes.mmd")):
    Path(mathpix).write_text(twin(Path(plain).read_text(encoding="utf-8")), encoding="utf-8")
