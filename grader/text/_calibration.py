"""Similarity-fallback calibration: feature -> coefficient of the predicted fraction.

Written by ``python bench/text_mohler.py --write-calibration`` (least squares on
the whole Mohler data set, score_avg / 5 as the target). Do not edit by hand.
"""

COEFFICIENTS: dict[str, float] = {
    "bias": 0.542184,
    "recall": 0.186114,
    "precision": 0.083677,
    "bigram_recall": -0.036851,
    "cosine": 0.178342,
    "log_length": 0.304365,
}
