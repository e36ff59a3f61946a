"""Similarity-fallback calibration: feature -> coefficient of the predicted fraction.

Written by ``python bench/text_mohler.py --write-calibration`` (least squares on
the whole Mohler data set, score_avg / 5 as the target). Do not edit by hand.
"""

COEFFICIENTS: dict[str, float] = {
    "bias": 0.3,
    "recall": 0.5,
    "precision": 0.0,
    "bigram_recall": 0.0,
    "cosine": 0.2,
    "length_ratio": 0.0,
    "log_length": 0.0,
}
