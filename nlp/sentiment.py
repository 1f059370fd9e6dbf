"""Sentiment as three polarities (positive, neutral, negative) and, within the negative, the emotion
an analyst acts on: anger and fear weigh more in a 舆情 brief than sadness.

One table (`LABELS`) maps every label a training or evaluation CSV may carry — the six emotions of
SMP2020-EWECT, the seven of the NLPCC Weibo set, or a plain polarity — to its polarity and to the
class the model learns. The shipped model learns five classes (happy, neutral, angry, sad, fear):
the polarity is the sum of its classes' probabilities, so one linear model in the analysis's
`LinearBank` gives both. Surprise is left out of training: its posts split between the polarities
(data/nlp/README.md), so a post of surprise gets whichever polarity its words carry.

Training measures the model across sources (each domain of the file held out in turn, and the
organisers' train → eval split); the figures go into the model card and `yuqing eval --task
sentiment` prints them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score
from sklearn.pipeline import Pipeline
from tqdm import tqdm

from nlp.models import (
    EMPTY_TEXT,
    ModelCard,
    build_sentiment_classifier,
    calibration,
    evaluate_predictions,
    load_model,
    new_card,
    per_class_table,
    read_labelled,
    reads_raw_text,
    save,
    sentiment_tokens,
)
from yuqing.errors import BadInput

POLARITIES = ("negative", "neutral", "positive")
# label of a CSV → (polarity, class the model learns); None: left out of training, no polarity truth
LABELS: dict[str, tuple[str | None, str | None]] = {
    # SMP2020-EWECT
    "happy": ("positive", "happy"), "angry": ("negative", "angry"), "sad": ("negative", "sad"),
    "fear": ("negative", "fear"), "neutral": ("neutral", "neutral"), "surprise": (None, None),
    # NLPCC Weibo emotions (disgust is anger's kin in SMP's scheme: both are grievance)
    "optimism": ("positive", "happy"), "gratitude": ("positive", "happy"), "anger": ("negative", "angry"),
    "disgust": ("negative", "angry"), "sadness": ("negative", "sad"),
    # plain polarities (a district's own records, review corpora)
    "positive": ("positive", "positive"), "negative": ("negative", "negative"),
    "正面": ("positive", "positive"), "负面": ("negative", "negative"), "中性": ("neutral", "neutral"),
    # the analysis's own emotion names, so its output can be corrected and fed back
    "喜悦": ("positive", "happy"), "愤怒": ("negative", "angry"), "悲伤": ("negative", "sad"),
    "恐惧": ("negative", "fear"), "惊奇": (None, None),
}
EMOTION_NAMES = {"happy": "喜悦", "angry": "愤怒", "fear": "恐惧", "sad": "悲伤", "neutral": "中性",
                 "surprise": "惊奇"}
# how much a certain post of each negative class counts in `negative_intensity`: anger (grievance,
# mobilisation) and fear (safety scares, panic) are what a brief escalates; grief much less so.
# A convention of the product, not learnt; a class without emotion (plain `negative`) in between.
NEGATIVE_WEIGHTS = {"angry": 1.0, "fear": 1.0, "sad": 0.5, "negative": 0.8}
SPLIT_SCHEME = "split eval ← split train"
SPLIT_HELD_OUT = "the file's own split column: trained on `train`, measured on `eval` (another sample)"
NEUTRAL_BAND = (0.4, 0.6)  # a model without a neutral class: P(positive) in this band is neutral


def polarity_of(label: str) -> str | None:
    return LABELS.get(label.strip(), (None, None))[0] if label else None


def target_of(label: str) -> str | None:
    return LABELS.get(label.strip(), (None, None))[1] if label else None


def polarity_probabilities(classes: list[str], probabilities: np.ndarray) -> np.ndarray:
    """n × 3 (negative, neutral, positive): the sum of each polarity's classes."""
    out = np.zeros((probabilities.shape[0], 3))
    for column, label in enumerate(classes):
        polarity = polarity_of(str(label))
        if polarity is not None:
            out[:, POLARITIES.index(polarity)] += probabilities[:, column]
    return out


def decide(polar: np.ndarray, has_neutral: bool = True) -> np.ndarray:
    """Index into POLARITIES per row: the most probable polarity; a model without a neutral class
    (a binary one a district trained) says neutral when P(positive) is inside NEUTRAL_BAND."""
    if has_neutral:
        return polar.argmax(axis=1)
    positive = polar[:, 2] / np.maximum(polar[:, 0] + polar[:, 2], 1e-12)
    return np.where(positive > NEUTRAL_BAND[1], 2, np.where(positive < NEUTRAL_BAND[0], 0, 1))


def judge(classes: list[str], probabilities: np.ndarray) -> tuple[list[str], list[str | None], list[float], list[float]]:
    """(polarity, emotion name or None, sentiment score, negative intensity) of each row.

    sentiment score = P(positive) − negative intensity, in [−1, 1]; negative intensity = Σ over the
    negative classes of weight × P(class), in [0, 1]. The emotion is the most probable class within
    the decided polarity (喜悦 for positive, 中性 for neutral)."""
    classes = [str(c) for c in classes]
    polar = polarity_probabilities(classes, probabilities)
    chosen = decide(polar, has_neutral=any(polarity_of(c) == "neutral" for c in classes))
    intensity = np.zeros(probabilities.shape[0])
    for column, label in enumerate(classes):
        intensity += NEGATIVE_WEIGHTS.get(label, 0.0) * probabilities[:, column]
    score = np.clip(polar[:, 2] - intensity, -1.0, 1.0)
    # the most probable emotion class of each polarity, then the one of the decided polarity
    best_of = {}
    for polarity in POLARITIES:
        members = [i for i, c in enumerate(classes) if polarity_of(c) == polarity and c in EMOTION_NAMES]
        if members:
            picks = np.asarray(members)[probabilities[:, members].argmax(axis=1)]
            best_of[polarity] = [EMOTION_NAMES[classes[i]] for i in picks.tolist()]
    fallback = {"neutral": EMOTION_NAMES["neutral"]}
    labels = [POLARITIES[i] for i in chosen.tolist()]
    emotions = [best_of[p][row] if p in best_of else fallback.get(p) for row, p in enumerate(labels)]
    return labels, emotions, np.round(score, 4).tolist(), np.round(intensity, 4).tolist()


# ---- training and cross-source measurement -------------------------------------------------------

def read_rows(path: Path) -> list[dict]:
    """Labelled rows of a CSV (text, label[, domain, split]) with `polarity` and `target` (the class
    the model learns) from `LABELS`; a label outside the table is a clear error."""
    rows = read_labelled(path, min_rows=1, min_labels=1)
    unknown = sorted({r["label"] for r in rows} - set(LABELS))
    if unknown:
        raise BadInput(f"{path}: 不认识的情感标签 {', '.join(unknown[:10])}；可用的标签：{', '.join(LABELS)}")
    for row in rows:
        row["polarity"], row["target"] = LABELS[row["label"]]
    return rows


def _inputs(rows: list[dict], progress: bool, desc: str) -> list[list[str]]:
    from nlp.train import text_of

    return [sentiment_tokens(text_of(r)) for r in tqdm(rows, desc=desc, unit="条", disable=not progress)]


def _fit(rows: list[dict], inputs: list[list[str]], members) -> Pipeline:
    keep = [i for i in members if rows[i]["target"]]
    targets = [rows[i]["target"] for i in keep]
    if len(set(targets)) < 2:
        raise BadInput("训练数据至少需要两种情感类别")
    return build_sentiment_classifier().fit([inputs[i] for i in keep], targets)


def figures(rows: list[dict], labels: list[str], emotions: list[str | None]) -> dict:
    """Polarity accuracy on the polar posts (a `neutral` answer counts wrong), neutral recall,
    macro-F1 over the three polarities, the negative emotion's accuracy on the negative posts judged
    negative, and where surprise posts went."""
    truth = [r["polarity"] for r in rows]
    polar = [i for i, t in enumerate(truth) if t in ("positive", "negative")]
    neutral = [i for i, t in enumerate(truth) if t == "neutral"]
    out: dict = {"n": len(rows), "polar_n": len(polar)}
    if polar:
        out["polar_accuracy"] = round(sum(labels[i] == truth[i] for i in polar) / len(polar), 4)
        out["polar_answered_neutral"] = round(sum(labels[i] == "neutral" for i in polar) / len(polar), 4)
    if neutral:
        out["neutral_n"] = len(neutral)
        out["neutral_recall"] = round(sum(labels[i] == "neutral" for i in neutral) / len(neutral), 4)
        known = polar + neutral
        out["macro_f1"] = round(float(f1_score([truth[i] for i in known], [labels[i] for i in known],
                                               labels=list(POLARITIES), average="macro", zero_division=0)), 4)
    negative = [i for i in polar if rows[i]["target"] in NEGATIVE_WEIGHTS and rows[i]["target"] in EMOTION_NAMES
                and labels[i] == "negative"]
    if negative:
        right = sum(emotions[i] == EMOTION_NAMES[rows[i]["target"]] for i in negative)
        out["negative_emotion_accuracy"] = round(right / len(negative), 4)
    surprise = [i for i, r in enumerate(rows) if r["label"] in ("surprise", "惊奇")]
    if surprise:
        out["surprise_answered"] = {p: round(sum(labels[i] == p for i in surprise) / len(surprise), 4)
                                    for p in POLARITIES}
    return out


def schemes(rows: list[dict]) -> list[tuple[str, list[int], list[int]]]:
    """(name, training rows, test rows): each domain held out in turn (trained on the others), and
    the organisers' `split` (train → eval) when the file has one."""
    out = []
    domains = sorted({r.get("domain") or "" for r in rows} - {""})
    if len(domains) >= 2:
        for domain in domains:
            test = [i for i, r in enumerate(rows) if r.get("domain") == domain]
            train = [i for i, r in enumerate(rows) if r.get("domain") != domain]
            out.append((f"{domain} ← {'+'.join(d for d in domains if d != domain)}", train, test))
    if {"train", "eval"} <= {r.get("split") for r in rows}:
        out.append((SPLIT_SCHEME, [i for i, r in enumerate(rows) if r.get("split") != "eval"],
                    [i for i, r in enumerate(rows) if r.get("split") == "eval"]))
    return out


def cross_source(rows: list[dict], inputs: list[list[str]], progress: bool = True, known: dict | None = None) -> dict:
    """Figures of models trained without the source they are measured on (see `schemes`); `known`:
    figures of a scheme measured already."""
    out = dict(known or {})
    for name, train, test in tqdm(schemes(rows), desc="sentiment: 跨来源评测", disable=not progress):
        if name in out or not any(rows[i]["target"] for i in train):
            continue
        model = _fit(rows, inputs, train)
        labels, emotions, _, _ = judge(list(model.classes_), model.predict_proba([inputs[i] for i in test]))
        out[name] = figures([rows[i] for i in test], labels, emotions)
    return out


def _held_out(rows: list[dict]) -> tuple[list[int], list[int], dict]:
    """The organisers' eval split when the file has one, else a 20 % split stratified by domain|label."""
    if {"train", "eval"} <= {r.get("split") for r in rows}:
        test = [i for i, r in enumerate(rows) if r.get("split") == "eval"]
        return [i for i, r in enumerate(rows) if r.get("split") != "eval"], test, {"scheme": SPLIT_HELD_OUT}
    from nlp.models import SEED, TEST_SIZE
    from nlp.train import _split

    for index, row in enumerate(rows):
        row["_index"] = index
    train, test = _split(rows)
    return [r.pop("_index") for r in train], [r.pop("_index") for r in test], {
        "scheme": "random split of the file", "test_size": TEST_SIZE, "seed": SEED, "stratified_by": "domain|label"}


def train_sentiment(path: Path, out_dir: Path, *, progress: bool = True) -> ModelCard:
    """Measure on the held-out part and across sources, then fit the shipped model on every row."""
    rows = read_rows(path)
    inputs = _inputs(rows, progress, "sentiment: 分词")
    train, test, split = _held_out(rows)
    model = _fit(rows, inputs, train)
    probabilities = model.predict_proba([inputs[i] for i in test])
    classes = [str(c) for c in model.classes_]
    labels, emotions, _, _ = judge(classes, probabilities)
    test_rows = [rows[i] for i in test]
    known = [k for k, r in enumerate(test_rows) if r["polarity"]]
    truth = [test_rows[k]["polarity"] for k in known]
    metrics = evaluate_predictions(truth, [labels[k] for k in known])
    metrics["calibration"] = calibration(truth, polarity_probabilities(classes, probabilities)[known], list(POLARITIES))
    metrics["held_out"] = figures(test_rows, labels, emotions)
    same = {SPLIT_SCHEME: metrics["held_out"]} if split["scheme"] == SPLIT_HELD_OUT else {}
    metrics["cross_source"] = cross_source(rows, inputs, progress, known=same)
    final = _fit(rows, inputs, range(len(rows)))
    left_out = sorted({r["label"] for r in rows if not r["target"]})
    split |= {"test_size": split.get("test_size", round(len(test) / len(rows), 4)), "seed": split.get("seed"),
              "train_rows": len(train), "test_rows": len(test),
              "shipped_model_rows": sum(bool(r["target"]) for r in rows), "left_out_labels": left_out}
    notes = [
        "the shipped model is fitted on every row of the file with a trainable label (all sources); held_out and "
        "cross_source come from models fitted without the rows they are measured on",
        "classes: " + ", ".join(str(c) for c in final.classes_) + "; polarity = the sum of its classes' "
        "probabilities, the most probable polarity wins; emotion = the most probable class within it",
        "polar_accuracy: share of posts labelled positive/negative given that polarity (a neutral answer counts "
        "wrong); neutral_recall: share of posts labelled neutral called neutral; macro_f1 over the three "
        "polarities; surprise (left out of training) is reported as where it went",
        f"negative_intensity = Σ weight × P(class) with weights {NEGATIVE_WEIGHTS}; sentiment_score = P(positive) "
        "− negative_intensity",
        "design chosen on the training sources only (data/nlp/README.md): five classes matched a direct three-class "
        "model on polarity and give the negative emotion; surprise left out (a model without it calls 70-80 % of "
        "surprise posts negative, mapping it to any polarity lowered the others); reviews left out (they lowered "
        "neutral recall across Weibo sources); C 0.1/0.2/0.4 and class weights within 0.002 in 3-fold "
        "cross-validation of the file",
        "data terms: SMP2020-EWECT (微博情绪分类技术评测, HIT-SCIR and 微热点) and the NLPCC / COVID-19 Weibo emotion posts "
        "of Lyu et al. (NLPCC 2020) state no licence: research and educational use, credit the evaluations",
    ]
    card = new_card(kind="sentiment", data_paths=[path], rows=len(rows), split=split, metrics=metrics,
                    labels=[str(c) for c in final.classes_], notes=notes)
    save(final, card, out_dir)
    return card


def describe_card(card: ModelCard) -> str:
    m = card.metrics
    lines = [f"sentiment model {card.version}: {card.rows} rows from {card.data_file} (sha256 {card.data_sha256[:12]}…)",
             f"held-out split ({card.split.get('scheme')}, n={card.split['test_rows']}): polarity accuracy "
             f"{m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f}"]
    for name, value in [("held-out", m.get("held_out", {}))] + list(m.get("cross_source", {}).items()):
        lines.append(f"  {name}: {_figure_line(value)}")
    lines.append(per_class_table(m["per_class"]))
    lines += [f"  note: {note}" for note in card.notes]
    return "\n".join(lines)


def _figure_line(value: dict) -> str:
    parts = [f"n={value.get('n', 0)}"]
    for key, name in (("polar_accuracy", "极性准确率"), ("polar_answered_neutral", "极性帖判中性"),
                      ("neutral_recall", "中性召回"), ("macro_f1", "三类宏F1"),
                      ("negative_emotion_accuracy", "负面情绪细类准确率")):
        if key in value:
            parts.append(f"{name} {value[key]:.4f}")
    if "surprise_answered" in value:
        parts.append("惊奇→" + "/".join(f"{p} {v:.2f}" for p, v in value["surprise_answered"].items()))
    return "  ".join(parts)


def evaluate_csv(data: Path, model_dir: Path) -> str:
    """`yuqing eval --task sentiment --data CSV`: the shipped model as the analysis uses it, on a CSV
    whose labels are emotions (SMP, NLPCC) or polarities, mapped through `LABELS`."""
    from nlp.train import text_of, tokens_of

    model, card = load_model("sentiment", model_dir)
    rows = read_rows(data)
    inputs = [text_of(r) for r in rows] if reads_raw_text(model) else [tokens_of(r) or [EMPTY_TEXT] for r in rows]
    probabilities = model.predict_proba(inputs)
    classes = [str(c) for c in model.classes_]
    labels, emotions, _, _ = judge(classes, probabilities)
    known = [i for i, r in enumerate(rows) if r["polarity"]]
    truth = [rows[i]["polarity"] for i in known]
    lines = [f"sentiment model {card.version} on {data} ({len(rows)} rows)"]
    if known:
        metrics = evaluate_predictions(truth, [labels[i] for i in known])
        lines.append(f"polarity accuracy {metrics['accuracy']:.4f}   macro-F1 {metrics['macro_f1']:.4f} "
                     f"(over the {len(known)} rows with a polarity)")
        cal = calibration(truth, polarity_probabilities(classes, probabilities)[known], list(POLARITIES))
        lines.append(f"calibration: Brier {cal['brier']:.4f}, ECE {cal['ece']:.4f}")
        lines.append(per_class_table(metrics["per_class"]))
    lines.append(f"  all: {_figure_line(figures(rows, labels, emotions))}")
    for domain in sorted({r.get("domain") or "" for r in rows} - {""}):
        idx = [i for i, r in enumerate(rows) if r.get("domain") == domain]
        lines.append(f"  domain {domain}: {_figure_line(figures([rows[i] for i in idx], [labels[i] for i in idx], [emotions[i] for i in idx]))}")
    if data.name in card.data_file.split(" + "):
        lines.append(f"caution: the model was trained on {data.name}; these figures are not held out "
                     "(the card holds the cross-source ones: yuqing eval --task sentiment --card)")
    return "\n".join(lines)


def cross_source_report(data: Path, *, progress: bool = True) -> str:
    """`yuqing eval --task sentiment` without --data: models trained afresh without each source of the
    training file (and on its organisers' train split), measured on the source they did not see."""
    rows = read_rows(data)
    measured = cross_source(rows, _inputs(rows, progress, "sentiment: 分词"), progress)
    if not measured:
        raise BadInput(f"{data}: 没有可以跨来源评测的 domain（至少两个）或 split（train/eval）列")
    lines = [f"sentiment across sources of {data} (trained ← measured on the source left out):"]
    lines += [f"  {name}: {_figure_line(value)}" for name, value in measured.items()]
    return "\n".join(lines)
