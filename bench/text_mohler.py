"""Similarity fallback on the Mohler short-answer data: accuracy and speed.

Protocol: leave-one-assignment-out cross-validation (the id's integer prefix,
"3.4" -> assignment 3; the data has 12 assignments, so this is 12-fold
grouped CV). For each fold, the calibration (least squares from the
features to score_avg / 5) is fit on the other 11 assignments only and
applied to the held-out one; Pearson r and RMSE (0-5 scale) are computed on
all held-out predictions pooled. Per-fold r is printed too.

    python bench/text_mohler.py                      # figures
    python bench/text_mohler.py --write-calibration  # also refit the shipped
                                                     # coefficients on the whole set

Speed: features for the whole set and similarity_grade for every answer,
timed with time.perf_counter (warm: a first pass fills the stemmer cache).
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np

from grader.text.encoder import available as encoder_available
from grader.text.similarity import (
    ALL_FEATURES,
    FEATURE_NAMES,
    predict_fraction,
    similarity_features,
    similarity_grade,
)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "mohler.csv"
CALIBRATION = ROOT / "grader" / "text" / "_calibration.py"


def load() -> list[dict[str, str]]:
    with DATA.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def assignment(row: dict[str, str]) -> int:
    return int(row["id"].split(".")[0])


def features_matrix(rows: list[dict[str, str]], names: list[str]) -> np.ndarray:
    out = []
    semantic = names != list(FEATURE_NAMES)
    for row in rows:
        f = similarity_features(
            row["student_answer"],
            row["desired_answer"],
            question=row["question"],
            semantic=semantic,
        )
        out.append([f[name] for name in names])
    return np.array(out)


def fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    # a touch of ridge keeps the small, correlated feature set stable across folds
    ridge = 1e-3 * np.eye(x.shape[1])
    ridge[0, 0] = 0.0
    return np.linalg.solve(x.T @ x + ridge * len(y), x.T @ y)


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-calibration", action="store_true")
    parser.add_argument(
        "--rules-only",
        action="store_true",
        help="leave the sentence-encoder feature out (the figures without the model)",
    )
    args = parser.parse_args()
    names = list(FEATURE_NAMES if args.rules_only or not encoder_available() else ALL_FEATURES)
    print("features:", ", ".join(names))

    rows = load()
    gold = np.array([float(r["score_avg"]) for r in rows])
    groups = np.array([assignment(r) for r in rows])
    features_matrix(rows[:50], names)  # warm the stemmer cache
    start = time.perf_counter()
    x = features_matrix(rows, names)
    feature_seconds = time.perf_counter() - start

    predictions = np.zeros(len(rows))
    print(
        f"Mohler: {len(rows)} answers, {len(set(groups))} assignments, "
        f"{len({r['question'] for r in rows})} questions"
    )
    print(
        "protocol: leave-one-assignment-out CV (12 folds grouped by assignment); "
        "calibration fit on the training folds only"
    )
    for held_out in sorted(set(groups)):
        train, test = groups != held_out, groups == held_out
        weights = fit(x[train], gold[train] / 5.0)
        predictions[test] = np.clip(x[test] @ weights, 0.0, 1.0) * 5.0
        r = pearson(predictions[test], gold[test])
        print(f"  fold {held_out:2d}: n={test.sum():4d}  r={r:.3f}")
    r = pearson(predictions, gold)
    rmse = float(np.sqrt(np.mean((predictions - gold) ** 2)))
    mean_rmse = float(np.sqrt(np.mean((gold - gold.mean()) ** 2)))
    print(
        f"pooled held-out: Pearson r = {r:.3f}, RMSE = {rmse:.3f} "
        f"(always-the-mean RMSE {mean_rmse:.3f}; human graders r 0.597)"
    )
    recall = x[:, names.index("recall")]
    print(f"keyword recall alone: r = {pearson(recall, gold):.3f}")

    whole = fit(x, gold / 5.0)
    coefficients = {name: round(float(w), 6) for name, w in zip(names, whole, strict=True)}
    in_sample = (
        np.array([predict_fraction(dict(zip(names, row, strict=True)), coefficients) for row in x])
        * 5.0
    )
    print(f"whole-set fit (the shipped calibration, in-sample): r = {pearson(in_sample, gold):.3f}")
    print("coefficients:", coefficients)

    start = time.perf_counter()
    for row in rows:
        similarity_grade(
            row["student_answer"], row["desired_answer"], max_marks=5.0, question=row["question"]
        )
    grade_seconds = time.perf_counter() - start
    print(
        f"speed: features for all {len(rows)} answers {feature_seconds:.2f} s; "
        f"similarity_grade for all {grade_seconds:.2f} s (target < 10 s)"
    )

    if args.write_calibration:
        body = ",\n".join(f'    "{k}": {v!r}' for k, v in coefficients.items())
        text = CALIBRATION.read_text(encoding="utf-8")
        name = "COEFFICIENTS" if names == list(FEATURE_NAMES) else "COEFFICIENTS_SEMANTIC"
        block = f"{name}: dict[str, float] = {{\n{body},\n}}\n"
        start = text.find(f"{name}: dict")
        if start == -1:
            text = text.rstrip("\n") + "\n" + block
        else:
            end = text.find("}\n", start) + 2
            text = text[:start] + block + text[end:]
        CALIBRATION.write_text(text, encoding="utf-8")
        print(f"wrote {CALIBRATION.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
