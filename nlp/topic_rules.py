"""Topic labels harmonised with the taxonomy (附件1), applied after the model.

物业服务 is 城乡建设 > 住房保障与房地产 in the taxonomy and routing sends property matters to housing
and the street office, yet about half of the published labelled messages naming 物业 carry
商贸旅游 (price supervision). The model is trained on the published labels; this rule moves such a
prediction to 城乡建设 and merges the two probabilities, and the held-out evaluation scores the
rule against labels harmonised the same way (both figures are in the model card)."""

from __future__ import annotations

import numpy as np

# (term in the text, predicted class, class it belongs to by the taxonomy)
HARMONISE: tuple[tuple[str, str, str], ...] = (("物业", "商贸旅游", "城乡建设"),)


def harmonised_label(text: str, label: str) -> str:
    for term, wrong, right in HARMONISE:
        if label == wrong and term in text:
            return right
    return label


def harmonise(text: str, classes: list[str], probabilities: np.ndarray) -> np.ndarray:
    """One row of class probabilities with the rule applied (the moved mass is added, not lost)."""
    return harmonise_many([text], classes, probabilities[None, :])[0]


def harmonise_many(texts: list[str], classes: list[str], probabilities: np.ndarray) -> np.ndarray:
    """`harmonise` for a batch (rows of `probabilities` in the order of `texts`); a new array."""
    rows = probabilities.copy()
    for term, wrong, right in HARMONISE:
        if wrong not in classes or right not in classes:
            continue
        i, j = classes.index(wrong), classes.index(right)
        for row in [n for n, text in enumerate(texts) if term in text]:
            if int(rows[row].argmax()) == i:
                rows[row, j] += rows[row, i]
                rows[row, i] = 0.0
    return rows
