"""Speed of the concept engine on one answer sheet's free-text parts.

Grades every free-text part of the sample OCR sheet with the exam's concept
specs (tests/text/files/ml-exam-concepts.yaml), 13 checks over 11 parts.
"Warm" means the specs are already parsed and one sheet has been graded
before (the stemmer cache is filled), as in a batch run; the per-answer
index cache is cleared before each timed repetition, so every answer is
tokenised and indexed from scratch (once per part, shared by its checks).

With the sentence encoder installed, each sheet is timed twice: rules only
(``proposer=None``) and with the meaning matcher (the default), whose
sentence cache is emptied before each repetition except for the rubric's
reference sentences (encoded once per rubric, as in a batch).

    python bench/text_sheet.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import yaml

from grader.text import ConceptSpec, grade_concepts
from grader.text.concepts import _answer_index, _default_proposer
from grader.text.embeddings import EmbeddingProposer
from grader.text.encoder import default_encoder

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "text"))
from test_exam_parts import (  # noqa: E402  (the answer tables live with the tests)
    MISCONCEPTION_ANSWERS,
    PERFECT_ANSWERS,
    SAMPLE_ANSWERS,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    start = time.perf_counter()
    data = yaml.safe_load((ROOT / "tests/text/files/ml-exam-concepts.yaml").read_text())
    specs = {part: [ConceptSpec.from_mapping(c) for c in checks] for part, checks in data.items()}
    load_ms = (time.perf_counter() - start) * 1000
    print(f"load + parse the concept specs: {load_ms:.1f} ms (once per rubric)")

    sheets = {
        "sample OCR sheet": {p: (first, text) for p, (first, text) in SAMPLE_ANSWERS.items()},
        "typed, perfect": {p: (1, text) for p, text in PERFECT_ANSWERS.items()},
        "typed, misconceptions": {p: (1, text) for p, text in MISCONCEPTION_ANSWERS.items()},
    }
    encoder = default_encoder()
    references = sorted(
        {
            text
            for checks in specs.values()
            for spec in checks
            for text in [t for _, t in EmbeddingProposer.references(spec)]
            + EmbeddingProposer.topic_texts(spec)
        }
    )
    modes = [("rules only", None)]
    if encoder is not None:
        modes.append(("with meaning", _default_proposer()))
    for name, answers in sheets.items():
        for mode, proposer in modes:
            start = time.perf_counter()
            total = sum(
                grade_concepts(text, spec, first_line=first, proposer=proposer).score
                for part, (first, text) in answers.items()
                for spec in specs[part]
            )
            cold_ms = (time.perf_counter() - start) * 1000
            timings, cpu = [], []
            for _ in range(args.repeat):
                _answer_index.cache_clear()  # a new sheet: no answer seen before
                if encoder is not None:
                    encoder._cache.clear()  # ... and no answer sentence encoded before
                    encoder.encode(references)  # the rubric's references: once per rubric
                start, start_cpu = time.perf_counter(), time.process_time()
                for part, (first, text) in answers.items():
                    for spec in specs[part]:
                        grade_concepts(text, spec, first_line=first, proposer=proposer)
                timings.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            timings.sort()
            print(
                f"{name}, {mode}: {total:g} marks; first pass {cold_ms:.1f} ms; warm median "
                f"{statistics.median(timings):.2f} ms wall (p95 "
                f"{timings[int(0.95 * len(timings))]:.2f}), {statistics.median(cpu):.2f} ms CPU "
                "per sheet (target < 20 ms rules, < 50 ms with meaning)"
            )
    print(
        f"load average now: {', '.join(f'{x:.2f}' for x in os.getloadavg())} "
        f"on {os.cpu_count()} CPUs (wall figures inflate under load)"
    )


if __name__ == "__main__":
    main()
