"""`yuqing eval --task topic|sentiment|relevance|urgency --data CSV`: accuracy, macro-F1 and a
per-class table of a shipped (or given) model on a labelled CSV it has not been trained on.

Urgency CSVs have `text` and `label` where label is a level 1–4, or `emergency` (a real
emergency report: it must get level ≤ 2), `ordinary` (an ordinary complaint: it must not get
level 1) or `not_emergency` (a text that uses emergency words loosely: the share at level ≤ 2 is a
false-alarm rate); or, in DuEE's form, `text` and `disaster` 1 (a disaster or accident: emergency)
or 0 (news of another event: its shares at level 1 and ≤ 2 are false alarms); optional `title`,
`likes`, `reposts`, `comments`, and `split` (dev|test) to measure one half of a set (`--split`)."""

from __future__ import annotations

import csv
from pathlib import Path

from nlp.models import (
    EMPTY_TEXT,
    calibration,
    evaluate_predictions,
    load_model,
    per_class_table,
    read_labelled,
    reads_raw_text,
)
from nlp.train import text_of, tokens_of

URGENCY_GROUPS = ("emergency", "ordinary")


def evaluate_model(task: str, data: Path, model_dir: Path) -> str:
    if task == "sentiment":  # emotion or polarity labels, three polarities: its own report
        from nlp.sentiment import evaluate_csv

        return evaluate_csv(data, model_dir)
    if task == "topic":  # title + body as the analysis reads them
        return evaluate_topic(data, model_dir)
    model, card = load_model(task, model_dir)
    rows = read_labelled(data, min_rows=1, min_labels=1)
    # the same input the analysis gives the model: raw text to one that cuts it itself, else content tokens
    inputs = [text_of(r) for r in rows] if reads_raw_text(model) else [tokens_of(r) or [EMPTY_TEXT] for r in rows]
    probabilities = model.predict_proba(inputs)
    classes = list(model.classes_)
    predicted = [str(classes[i]) for i in probabilities.argmax(axis=1)]
    truth = [r["label"] for r in rows]
    metrics = evaluate_predictions(truth, predicted)
    unknown = sorted(set(truth) - set(classes))
    lines = [f"{task} model {card.version} on {data} ({len(rows)} rows)",
             f"accuracy {metrics['accuracy']:.4f}   macro-F1 {metrics['macro_f1']:.4f}"]
    cal = calibration(truth, probabilities, classes)
    lines.append(f"calibration: Brier {cal['brier']:.4f}, ECE {cal['ece']:.4f}")
    if unknown:
        lines.append(f"labels the model does not know (always wrong): {', '.join(unknown)}")
    lines.append(per_class_table(metrics["per_class"]))
    overridden = None
    if task == "relevance":
        from nlp.train import with_emergency_override

        overridden = [with_emergency_override(r["text"], p) for r, p in zip(rows, predicted, strict=True)]
        share = sum(o == t for o, t in zip(overridden, truth, strict=True)) / len(rows)
        lines.append(f"with the emergency override of the analysis: accuracy {share:.4f}")
    domains = sorted({r.get("domain") or "" for r in rows} - {""})
    for domain in domains:
        idx = [i for i, r in enumerate(rows) if r.get("domain") == domain]
        correct = sum(predicted[i] == truth[i] for i in idx)
        line = f"  domain {domain:<22} n={len(idx):>5}  judged correctly {correct / len(idx):.4f}"
        if overridden is not None:
            line += f"   with override {sum(overridden[i] == truth[i] for i in idx) / len(idx):.4f}"
        lines.append(line)
    return "\n".join(lines)


def evaluate_topic(data: Path, model_dir: Path) -> str:
    """Topic on a labelled CSV (`text`, optional `title`, `label`; a `text_seg` column is re-joined)."""
    from nlp.topic_eval import describe, raw_figures

    model, card = load_model("topic", model_dir)
    rows = read_labelled(data, min_rows=1, min_labels=1)
    for row in rows:
        row["text"] = text_of(row)
    figures = raw_figures(model, rows)
    lines = [f"topic model {card.version} on {data} ({len(rows)} rows; macro-F1 over the labels present)"]
    unknown = sorted({r["label"] for r in rows} - {str(c) for c in model.classes_})
    if unknown:
        lines.append(f"labels the model does not know (always wrong): {', '.join(unknown)}")
    if data.name == "topic_raw_eval.csv" and card.split.get("held_out_for_raw_evaluation") is None:
        lines.append("caution: this model was trained before the rows near these messages were held out")
    return "\n".join(lines + describe(figures))


def evaluate_urgency(data: Path, analyzer, split: str | None = None, trained_on=None) -> str:
    """`trained_on`: the emergency model's card, to warn when `data` is one of the files it learnt from."""
    from nlp.urgency_cv import label_urgency_rows

    with data.open(encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in label_urgency_rows(csv.DictReader(handle)) if (r.get("label") or "").strip()
                and (r.get("text") or "").strip() and (split is None or (r.get("split") or "").strip() == split)]
    if not rows:
        from yuqing.errors import BadInput

        which = f" in split {split!r}" if split else ""
        raise BadInput(f"{data}: needs text and label columns with at least one row{which}")
    results = analyzer.analyze_many([(r.get("title") or "", r["text"], r.get("likes") or 0, r.get("reposts") or 0,
                                      r.get("comments") or 0) for r in rows])
    lines = [f"urgency on {data}{f' split {split}' if split else ''} ({len(rows)} rows)"]
    if trained_on is not None and data.name in trained_on.data_file.split(" + "):
        lines.append(f"caution: the emergency model was trained on {data.name}, so these figures are not held out; "
                     "use --rules-only for the rules, --loso for the model")
    levels = [str(r.urgency) for r in results]
    labels = [r["label"].strip() for r in rows]
    from nlp.urgency_cv import urgency_group_lines

    lines += urgency_group_lines(labels, [r.urgency for r in results])
    for group, test in (("emergency", lambda lv: lv <= 2), ("ordinary", lambda lv: lv == 1),
                        ("not_emergency", lambda lv: lv <= 2), ("news", lambda lv: lv == 1)):
        idx = [i for i, label in enumerate(labels) if label == group]
        if idx:
            misses = [i for i in idx if test(results[i].urgency) != (group == "emergency")]
            for i in misses[:10]:
                lines.append(f"    {'missed' if group == 'emergency' else 'alarm'}: {rows[i]['text'][:60]} → "
                             f"{results[i].urgency} {list(results[i].urgency_signals)}")
    numeric = [i for i, label in enumerate(labels) if label in {"1", "2", "3", "4"}]
    if numeric:
        metrics = evaluate_predictions([labels[i] for i in numeric], [levels[i] for i in numeric])
        lines.append(f"levels: accuracy {metrics['accuracy']:.4f}   macro-F1 {metrics['macro_f1']:.4f}")
        lines.append(per_class_table(metrics["per_class"]))
    return "\n".join(lines)


def relevance_override_now(model_dir: Path, data: Path | None = None) -> str:
    """The relevance model's own held-out split (the card's seed and size) judged again with today's
    urgency rules: an emergency makes a text relevant whatever the model says, and the rules change
    after the model is trained, so the override figures of the card go stale."""
    from nlp.models import sha256_of
    from nlp.train import DEFAULT_DATA, _split, with_emergency_override

    model, card = load_model("relevance", model_dir)
    data = Path(data or DEFAULT_DATA["relevance"])
    if sha256_of([data]) != card.data_sha256:
        return f"(not the data the model was trained on: {data.name}; no held-out split to judge again)"
    _, test_rows = _split(read_labelled(data))
    predicted = [str(label) for label in model.predict([tokens_of(r) or [EMPTY_TEXT] for r in test_rows])]
    overridden = [with_emergency_override(r["text"], p) for r, p in zip(test_rows, predicted, strict=True)]
    lines = [f"held-out split again ({len(test_rows)} rows), judged correctly by the model / with today's emergency "
             "override:"]
    for domain in sorted({r.get("domain") or "" for r in test_rows}):
        idx = [i for i, r in enumerate(test_rows) if (r.get("domain") or "") == domain]
        model_share = sum(predicted[i] == test_rows[i]["label"] for i in idx) / len(idx)
        override_share = sum(overridden[i] == test_rows[i]["label"] for i in idx) / len(idx)
        lines.append(f"  {domain or '-':<22} n={len(idx):>5}  {model_share:.4f} / {override_share:.4f}")
    return "\n".join(lines)
