#!/bin/sh
# Makes the two typed PDFs of the PDF intake tests (tests/submission/test_pdf.py):
#   latex-sheet.pdf  from latex-sheet.tex with pdflatex (Debian texlive-latex-base)
#   latex-hard.pdf   from latex-hard.tex, the same way (amssymb: texlive-fonts-recommended)
#   word-sheet.pdf   from word-sheet.html with the AbiWord word processor (Debian abiword)
set -eu
cd "$(dirname "$0")"
for name in latex-sheet latex-hard; do
    pdflatex -interaction=batchmode "$name.tex" >/dev/null
    rm -f "$name.aux" "$name.log"
done
abiword --to=pdf word-sheet.html >/dev/null 2>&1
ls -l latex-sheet.pdf latex-hard.pdf word-sheet.pdf
