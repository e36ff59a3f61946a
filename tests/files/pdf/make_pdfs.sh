#!/bin/sh
# Makes the two typed PDFs of the PDF intake tests (tests/submission/test_pdf.py):
#   latex-sheet.pdf  from latex-sheet.tex with pdflatex (Debian texlive-latex-base)
#   word-sheet.pdf   from word-sheet.html with the AbiWord word processor (Debian abiword)
set -eu
cd "$(dirname "$0")"
pdflatex -interaction=batchmode latex-sheet.tex >/dev/null
rm -f latex-sheet.aux latex-sheet.log
abiword --to=pdf word-sheet.html >/dev/null 2>&1
ls -l latex-sheet.pdf word-sheet.pdf
