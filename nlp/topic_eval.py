"""A raw labelled evaluation set for the topic model, found in the shared data rather than labelled by us.

The labelled messages (泰迪杯 附件2) are published only pre-cut with stop words removed, while the
analysis reads messages as people write them. The board's raw, unlabelled files (附件3/4 and
further messages) repeat some of the labelled complaints: the same citizen posting the same matter
again, or the organisers drawing both files from one board. A raw message whose content tokens
(cut as the published file was: jieba, stop words removed) and those of one labelled row cover
each other (`COVER` both ways) is taken as that message written out in full, with that row's label.
Every labelled row that comes near such a message (`NEAR` either way) is held out of training, so
the raw figure is measured on complaints the model never learnt."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score

from nlp import DATA_DIR
from nlp.models import EMPTY_TEXT
from nlp.tokenize import analyzer_tokens

COVER = 0.6  # share of each side's distinct content tokens found in the other, for a match
NEAR = 0.5  # either share, for a labelled row to be held out of training
CANDIDATES = 10  # nearest labelled rows (character trigram cosine) compared token by token
_SPACE = re.compile(r"\s+")


def _shares(labelled: set[str], raw: set[str]) -> tuple[float, float]:
    common = len(labelled & raw)
    return common / max(len(labelled), 1), common / max(len(raw), 1)


def match_raw_messages(segmented: list[dict], messages: list[dict]) -> tuple[list[dict], set[int]]:
    """(evaluation rows: title, text, label, source, msg_id, matched_row; row numbers of
    `segmented` to hold out of training). One raw message per labelled row (the first in file
    order), exact repeats of a raw message once; a raw message whose matches disagree on the
    label is left out."""
    joined_rows = [_SPACE.sub("", r["text_seg"]) for r in segmented]
    joined_raw = [_SPACE.sub("", m["title"] + m["text"]) for m in messages]
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(3, 3)).fit(joined_rows + joined_raw)
    similarity = (vectorizer.transform(joined_raw) @ vectorizer.transform(joined_rows).T).tocsr()
    row_tokens = [set(r["text_seg"].split()) for r in segmented]
    evaluation, held_out, used_rows, seen = [], set(), set(), set()
    for i, message in enumerate(messages):
        key = message["title"] + message["text"]
        row = similarity.getrow(i)
        if key in seen or row.nnz == 0:
            continue
        seen.add(key)
        raw = set(analyzer_tokens(f"{message['title']}\n{message['text']}"))
        near, matches = [], []
        for j in row.indices[np.argsort(-row.data, kind="stable")[:CANDIDATES]].tolist():
            covered, covering = _shares(row_tokens[j], raw)
            if covered >= NEAR or covering >= NEAR:
                near.append(j)
            if covered >= COVER and covering >= COVER:
                matches.append((covered + covering, j))
        if not matches or len({segmented[j]["label"] for _, j in matches}) > 1:
            continue
        best = max(matches)[1]
        held_out.update(near)
        if best in used_rows:
            continue
        used_rows.add(best)
        evaluation.append({"title": message["title"], "text": message["text"], "label": segmented[best]["label"],
                           "source": message["source"], "msg_id": message["msg_id"], "matched_row": best})
    return evaluation, held_out


RAW_EVAL = DATA_DIR / "topic_raw_eval.csv"
TOPIC_C = 1.0  # of the topic SVM: the best of 0.1, 0.3, 1, 3 in 5-fold cross-validation inside the training part
#          (folds grouped by near-duplicate messages), not chosen on the raw evaluation set


def raw_text(row: dict) -> str:
    """A message as the analysis reads it: title, a line break, the body."""
    title = (row.get("title") or "").strip()
    return f"{title}\n{row.get('text') or ''}" if title else row.get("text") or ""


def raw_figures(model, rows: list[dict]) -> dict:
    """The model on raw labelled messages (`rows`: title, text, label), fed what the analysis feeds
    it, against the labels as published: macro-F1 over the classes present in the labels. The
    analysis reports the model's topic as it is (`as_analysed`); the taxonomy's placement of 物业
    under 城乡建设 is a matter of routing (place_bound in routing.yaml), not of the topic."""
    from nlp.features import predict_proba
    from nlp.models import calibration, evaluate_predictions

    texts = [raw_text(r) for r in rows]
    probabilities = predict_proba(model, [analyzer_tokens(t) or [EMPTY_TEXT] for t in texts])
    classes = [str(c) for c in model.classes_]
    truth = [r["label"] for r in rows]
    predicted = [classes[i] for i in probabilities.argmax(axis=1)]
    present = sorted(set(truth))
    per_class = f1_score(truth, predicted, labels=present, average=None, zero_division=0)
    figures = {"accuracy": round(float(accuracy_score(truth, predicted)), 4),
               "macro_f1": round(float(per_class.mean()), 4),
               "f1": {label: round(float(v), 4) for label, v in zip(present, per_class, strict=True)},
               "outside_labels": sum(p not in present for p in predicted)} | {
        k: round(v, 4) for k, v in calibration(truth, probabilities, classes).items()}
    figures["per_class"] = evaluate_predictions(truth, predicted)["per_class"]
    return {"n": len(rows), "as_analysed": figures}


def read_raw_eval(path: Path = RAW_EVAL) -> list[dict]:
    from nlp.models import read_labelled

    return read_labelled(path, min_rows=1, min_labels=1)


def describe(figures: dict) -> list[str]:
    from nlp.models import per_class_table

    f = figures["as_analysed"]
    return [f"分析结果的主题（即模型本身）: accuracy {f['accuracy']:.4f}   macro-F1 {f['macro_f1']:.4f}   "
            f"Brier {f['brier']:.4f}   ECE {f['ece']:.4f}   标签外类别 {f['outside_labels']}",
            "  " + ", ".join(f"{label} {v:.3f}" for label, v in f["f1"].items()),
            per_class_table(f["per_class"])]
