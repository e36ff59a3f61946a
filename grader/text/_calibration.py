"""Similarity-fallback calibration: feature -> coefficient of the predicted fraction.

Written by ``python bench/text_mohler.py --write-calibration`` (least squares on
the whole Mohler data set, score_avg / 5 as the target). Do not edit by hand.
"""

COEFFICIENTS: dict[str, float] = {
    "bias": 0.541922,
    "recall": 0.186013,
    "precision": 0.083973,
    "bigram_recall": -0.036573,
    "cosine": 0.17801,
    "log_length": 0.305229,
}
