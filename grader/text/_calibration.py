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
COEFFICIENTS_SEMANTIC: dict[str, float] = {
    "bias": 0.453682,
    "recall": 0.409055,
    "precision": 0.039215,
    "bigram_recall": -0.024507,
    "cosine": 0.130374,
    "log_length": 0.125069,
    "semantic": 0.060994,
    "semantic_best_sentence": 0.152143,
    "semantic_recall": 0.18569,
    "recall_x_semantic": -0.153361,
    "recall_x_semantic_best_sentence": -0.117034,
    "recall_x_semantic_recall": -0.157637,
}
