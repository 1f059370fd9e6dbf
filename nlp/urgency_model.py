"""A supervised emergency classifier beside the urgency rules of nlp/urgency.py: P(emergency) of a
text from the same content tokens the topic and relevance models read, so it costs one more linear
model on n-grams the analysis has already counted (`emergency_probabilities`, with a `LinearBank`).

It learns from the hand-read evaluation sets data/nlp/urgency_eval*.csv (`emergency` against
`not_emergency` and `ordinary`). Everything it chooses is chosen inside the data it is fitted on:
the alarm threshold comes from leave-one-set-out predictions of the training sets, and its quality
is measured leave-one-set-out with that threshold chosen again inside every training part
(`leave_one_set_out`; the splits are scikit-learn's LeaveOneGroupOut over the folds). `ordinary`
messages belong to no reading of their own, so they are dealt to the folds (seeded): every held-out
fold has some, and no fold loses them all.

`python -m nlp.urgency_model --loso` (or `yuqing eval --task urgency --loso`) prints the table."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import LeaveOneGroupOut
from sklearn.pipeline import Pipeline

from nlp import DATA_DIR
from nlp.features import LinearBank
from nlp.features import predict_proba as fast_predict_proba
from nlp.models import EMPTY_TEXT, _features
from yuqing.errors import BadInput

EMERGENCY, OTHER = "emergency", "other"
LABELS = ("emergency", "not_emergency", "ordinary")
SET_FILES = ("urgency_eval.csv", "urgency_eval_2.csv", "urgency_eval_3.csv", "urgency_eval_4.csv",
             "urgency_eval_5.csv", "urgency_eval_6.csv", "urgency_eval_7.csv")
FOLD_SEED = 7
# The threshold is the lowest (most emergencies found) whose cross-validated false alarms stay
# within both bounds. Ordinary messages, the bulk of the stream: 2 %, so that even if a model alarm
# were raised to level 1, the rules' 1.75 % of ordinary messages at level 1 plus the model's would
# stay under the 5 % of the issue bar. Texts using emergency words loosely: 15 %, what the frozen
# rules themselves gave on sets they had never seen (0.16, 0.10, 0.18 on sets 5–7): the model may be
# as noisy there as the rules are, not noisier.
MAX_ORDINARY_ALARMS = 0.02
MAX_LOOSE_ALARMS = 0.15
EMPTY = [EMPTY_TEXT]

Fit = Callable[[np.ndarray], object]  # training row indices → fitted model
Score = Callable[[object, np.ndarray], np.ndarray]  # (model, row indices) → P(emergency)


def build_emergency_classifier(*, C: float = 1.0, word_features: int | None = None,
                               char_features: int | None = None) -> Pipeline:
    """Content tokens → word uni/bigrams and character 1–3-grams (the shape `nlp.features` computes
    in bulk for the other models) → logistic regression with balanced class weights (a few hundred
    emergencies against a thousand others)."""
    return Pipeline([("features", _features(word_features, char_features)),
                     ("classify", LogisticRegression(C=C, class_weight="balanced", max_iter=3000))])


def emergency_probabilities(model, token_lists: Sequence[Sequence[str]], bank: LinearBank | None = None) -> np.ndarray:
    """P(emergency) for each list of content tokens (`Tokenizer.content_tokens(clean(text))`); an
    empty list is read as [EMPTY_TEXT], as the analysis feeds the other models. `bank`: one holding the
    model beside the others that read the same tokens."""
    feed = [tokens if len(tokens) else EMPTY for tokens in token_lists]
    if not feed:
        return np.empty(0)
    column = list(model.classes_).index(EMERGENCY)
    return np.asarray(fast_predict_proba(model, feed, bank)[:, column], dtype=float)


def threshold_of(card) -> float:
    """The alarm threshold stored in the model card (P(emergency) ≥ threshold → alarm)."""
    return float(card.metrics["threshold"])


def read_sets(paths: Sequence[Path] | None = None) -> list[dict]:
    """Rows of the labelled sets, each with `set` = its file's place (1-based) in `paths`."""
    paths = [Path(p) for p in (paths or [DATA_DIR / name for name in SET_FILES])]
    rows = []
    for number, path in enumerate(paths, 1):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                text, label = (row.get("text") or "").strip(), (row.get("label") or "").strip()
                if not text:
                    continue
                if label not in LABELS:
                    raise BadInput(f"{path}: label {label!r}; an urgency set knows {', '.join(LABELS)}")
                rows.append({"text": text, "label": label, "set": number, "file": path.name,
                             "source": row.get("source") or ""})
    if not any(r["label"] == EMERGENCY for r in rows) or all(r["label"] == EMERGENCY for r in rows):
        raise BadInput("the urgency sets need emergencies and other texts")
    return rows


def assign_folds(rows: list[dict], seed: int = FOLD_SEED) -> np.ndarray:
    """Fold of each row: its set; ordinary messages dealt round-robin over the sets after a seeded
    shuffle."""
    folds = np.array([r["set"] for r in rows])
    groups = sorted(set(folds.tolist()))
    ordinary = np.flatnonzero([r["label"] == "ordinary" for r in rows])
    order = np.random.default_rng(seed).permutation(ordinary)
    for place, index in enumerate(order):
        folds[index] = groups[place % len(groups)]
    return folds


def choose_threshold(labels: Sequence[str], probabilities: np.ndarray, *, max_ordinary: float = MAX_ORDINARY_ALARMS,
                     max_loose: float = MAX_LOOSE_ALARMS) -> dict:
    """The lowest threshold whose false alarms on ordinary and on not_emergency rows stay within
    the bounds (alarm = P ≥ threshold), with the figures it gives on these rows."""
    labels = np.asarray(labels)
    p = np.asarray(probabilities, dtype=float)
    candidates = np.unique(np.append(p, np.nextafter(1.0, 2.0)))  # the last one never alarms
    for threshold in candidates:
        shares = {name: float(np.mean(p[labels == name] >= threshold)) if np.any(labels == name) else 0.0
                  for name in LABELS}
        if shares["ordinary"] <= max_ordinary and shares["not_emergency"] <= max_loose:
            return {"threshold": float(threshold), "recall": round(shares["emergency"], 4),
                    "ordinary_alarms": round(shares["ordinary"], 4), "loose_alarms": round(shares["not_emergency"], 4),
                    "max_ordinary_alarms": max_ordinary, "max_loose_alarms": max_loose}
    raise AssertionError("unreachable: the last candidate raises no alarm")


def held_out_probabilities(index: np.ndarray, folds: np.ndarray, fit: Fit, score: Score) -> np.ndarray:
    """P(emergency) of every row of `index`, each from a model fitted without its fold."""
    out = np.full(len(index), np.nan)
    for train, test in LeaveOneGroupOut().split(index, groups=folds[index]):
        out[test] = score(fit(index[train]), index[test])
    return out


def cross_validated_threshold(index: np.ndarray, labels: np.ndarray, folds: np.ndarray, fit: Fit,
                              score: Score) -> dict:
    """`choose_threshold` on leave-one-set-out predictions of the rows of `index` only."""
    return choose_threshold(labels[index], held_out_probabilities(index, folds, fit, score))


def leave_one_set_out(labels: Sequence[str], folds: np.ndarray, fit: Fit, score: Score) -> dict:
    """For each fold: the threshold chosen by cross-validation inside the other folds, a model
    fitted on the other folds, and P(emergency) of the held-out rows."""
    labels, folds = np.asarray(labels), np.asarray(folds)
    probability = np.full(len(labels), np.nan)
    threshold = np.full(len(labels), np.nan)
    chosen = {}
    for train, test in LeaveOneGroupOut().split(labels, groups=folds):
        fold = int(folds[test[0]])
        chosen[fold] = cross_validated_threshold(train, labels, folds, fit, score)
        probability[test] = score(fit(train), test)
        threshold[test] = chosen[fold]["threshold"]
    return {"probability": probability, "alarm": probability >= threshold, "thresholds": chosen}


def model_trainer(inputs: list[list[str]], labels: Sequence[str], folds: np.ndarray, *,
                  extra: Sequence[tuple[list[str], frozenset[int]]] = (), **params) -> tuple[Fit, Score]:
    """(fit, score) over rows given by index. extra: further negatives, each (tokens, the folds
    whose reading covered its source); one is left out of every fit that holds out such a fold."""
    targets = [EMERGENCY if label == EMERGENCY else OTHER for label in labels]
    every_fold = frozenset(np.unique(folds).tolist())
    # nested leave-one-set-out fits "all but sets j and k" once as the inner fold of j and once of k
    fitted: dict[bytes, Pipeline] = {}

    def fit(index: np.ndarray):
        key = np.sort(index).tobytes()
        if key not in fitted:
            held = every_fold - frozenset(np.unique(folds[index]).tolist())
            negatives = [tokens for tokens, covered in extra if not covered & held]
            model = build_emergency_classifier(**params)
            model.fit([inputs[i] for i in index] + negatives, [targets[i] for i in index] + [OTHER] * len(negatives))
            fitted[key] = model
        return fitted[key]

    def score(model, index: np.ndarray) -> np.ndarray:
        return emergency_probabilities(model, [inputs[i] for i in index])

    return fit, score


def set_tokens(rows: Iterable[dict]) -> list[list[str]]:
    """The content tokens of each row, as `nlp.train.tokens_of` gives the other models."""
    from nlp.tokenize import analyzer_tokens

    return [analyzer_tokens(r["text"]) or EMPTY for r in rows]


# Where the further negatives of the relevance and topic files come from, and which set's plain
# reading covered that source (those rows are what the reader did not pick): TNEWS classes read for
# sets 4–6, the titles of messages_with_votes / messages_unlabeled read for sets 5–6. Holding such a
# set out leaves its source out of training too. Topic messages, reviews and written rows: no set.
_READ_FOR = {"news_world": {4}, "news_story": {4}, "news_military": {4}, "news_car": {4}, "news_travel": {4, 5},
             "news_culture": {6}, "news_tech": {6}, "news_finance": {6}, "news_entertainment": {6},
             "news_sports": {6}, "news_game": {6}, "news_stock": {6}, "gov_message": {5, 6}, "gov_title": {5, 6}}


def further_negatives(rows: list[dict], limit: int, seed: int = FOLD_SEED) -> list[tuple[list[str], frozenset[int]]]:
    """Up to `limit` texts of relevance_train and topic_train as negatives (label noise: some are real
    emergencies), without any text that holds, or is held by, a text of the sets."""
    from nlp.models import read_labelled
    from nlp.normalize import clean
    from nlp.tokenize import analyzer_tokens, rejoin

    def key(text: str) -> str:
        return re.sub(r"\W", "", clean(text))

    labelled = [k for k in (key(r["text"]) for r in rows) if k]
    joined_keys = "\n".join(labelled)
    seen, pool = set(), []
    for name in ("relevance_train.csv.gz", "topic_train.csv.gz"):
        for row in read_labelled(DATA_DIR / name):
            text = rejoin(row["text"]) if row["segmented"] else row["text"]
            k = key(text)
            if not k or k in seen or (len(k) >= 8 and k in joined_keys) or any(t in k for t in labelled):
                continue
            seen.add(k)
            pool.append((text, frozenset(_READ_FOR.get(row.get("domain") or "", ()))))
    rng = np.random.default_rng(seed)
    picked = [pool[i] for i in sorted(rng.permutation(len(pool))[:limit])]
    return [(analyzer_tokens(text) or EMPTY, covered) for text, covered in picked]


def rule_levels(rows: list[dict], analyzer) -> np.ndarray:
    """The urgency level the rules give each text in the analysis (fed by the relevance and sentiment
    models, without the emergency model), as `yuqing eval --task urgency --rules-only` measures it."""
    results = analyzer.without_emergency_model().analyze_many([("", r["text"], 0, 0, 0) for r in rows])
    return np.array([r.urgency for r in results])


def _share(flags: np.ndarray) -> dict:
    return {"n": int(len(flags)), "hits": int(flags.sum()), "share": round(float(flags.mean()), 4) if len(flags) else None}


def figures(labels: Sequence[str], folds: np.ndarray, alarm: np.ndarray, levels: np.ndarray | None = None) -> dict:
    """Per held-out fold and pooled: emergencies found (recall) and false alarms on not_emergency
    and ordinary, by the model, and with rule levels also by the rules (level ≤ 2) and by rules OR
    model; ordinary at level 1 of the rules (a model alarm is meant for level 2, so it adds none)."""
    labels, folds, alarm = np.asarray(labels), np.asarray(folds), np.asarray(alarm, dtype=bool)
    out = {}
    for name, members in [*((f"set {k}", folds == k) for k in np.unique(folds)), ("pooled", np.ones(len(labels), bool))]:
        entry = {}
        for label in LABELS:
            mask = members & (labels == label)
            if not mask.any():
                continue
            entry[label] = {"model": _share(alarm[mask])}
            if levels is not None:
                rules = levels[mask] <= 2
                entry[label] |= {"rules": _share(rules), "rules_or_model": _share(rules | alarm[mask])}
                if label == "ordinary":
                    entry[label]["rules_level_1"] = _share(levels[mask] == 1)
        out[name] = entry
    return out


def _auc(labels: np.ndarray, probability: np.ndarray, negative: str) -> float | None:
    from sklearn.metrics import roc_auc_score

    mask = (labels == EMERGENCY) | (labels == negative)
    if len(set(labels[mask])) < 2:
        return None
    return round(float(roc_auc_score(labels[mask] == EMERGENCY, probability[mask])), 4)


def loso_figures(rows: list[dict], fit: Fit, score: Score, *, levels: np.ndarray | None = None) -> dict:
    """Leave-one-set-out figures of the model (and with rule levels, of the rules and rules OR model),
    and the ranking quality of its held-out P(emergency) (ROC AUC against each kind of negative)."""
    labels = np.array([r["label"] for r in rows])
    folds = assign_folds(rows)
    result = leave_one_set_out(labels, folds, fit, score)
    return {"table": figures(labels, folds, result["alarm"], levels),
            "thresholds": {f"set {k}": v for k, v in result["thresholds"].items()},
            "auc": {"emergency_vs_not_emergency": _auc(labels, result["probability"], "not_emergency"),
                    "emergency_vs_ordinary": _auc(labels, result["probability"], "ordinary")},
            "probability": result["probability"]}


COLUMNS = (("emergency", "found"), ("not_emergency", "false alarms"), ("ordinary", "false alarms"))
_WIDTH = 52


def format_figures(loso: dict, caveat: str | None = None) -> str:
    """The table of `loso_figures` (also as stored in a model card); with rule figures, a caveat
    about them (default: today's rules were developed on sets 1–6)."""
    table, thresholds = loso["table"], loso.get("thresholds") or {}
    with_rules = any("rules" in cell for entry in table.values() for cell in entry.values())
    what = " (model | rules ≤ 2 | rules OR model)" if with_rules else " (model)"
    lines = [f"{'held out':<10} " + "".join(f"{label} {verb}".ljust(_WIDTH) for label, verb in COLUMNS)
             + "threshold", f"{'':<10} " + "".join(what.strip().ljust(_WIDTH) for _ in COLUMNS)]

    def cell(entry: dict, label: str) -> str:
        if label not in entry:
            return "-".ljust(_WIDTH)
        parts = [entry[label].get(k) for k in ("model", "rules", "rules_or_model")]
        return " | ".join(f"{p['share']:.3f} ({p['hits']}/{p['n']})" for p in parts if p).ljust(_WIDTH)

    for name, entry in table.items():
        threshold = thresholds.get(name, {}).get("threshold")
        lines.append(f"{name:<10} " + "".join(cell(entry, label) for label, _ in COLUMNS)
                     + (f"{threshold:.3f}" if threshold is not None else ""))
    level_1 = table.get("pooled", {}).get("ordinary", {}).get("rules_level_1")
    if level_1:
        lines.append(f"ordinary at level 1 by the rules (issue bar < 0.05; a model alarm is level 2 and adds none): "
                     f"{level_1['share']:.4f} ({level_1['hits']}/{level_1['n']})")
    auc = loso.get("auc") or {}
    if auc:
        lines.append("held-out ranking, ROC AUC of P(emergency): " + ", ".join(
            f"{name.replace('_', ' ')} {value:.3f}" for name, value in auc.items() if value is not None))
    if with_rules:
        lines.append(f"caveat: {caveat or RULES_CAVEAT}")
    return "\n".join(lines)


RULES_CAVEAT = ("the rules were developed on sets 1–6 (and the 400 ordinary messages), so 'rules' and 'rules OR "
                "model' are optimistic on sets 1–6; set 7 is the only set the rules had not seen before they were "
                "frozen (11 emergencies: one miss moves the figure by 0.09)")


def loso_header(rows: list[dict], extra: int = 0) -> str:
    return (f"emergency model, leave one set out: {len(rows)} rows, {len({r['set'] for r in rows})} folds (one per "
            f"set file; ordinary messages dealt to the folds, seed {FOLD_SEED}); in every training part the threshold "
            f"is chosen by its own leave-one-set-out predictions: the lowest with ordinary false alarms ≤ "
            f"{MAX_ORDINARY_ALARMS} and not_emergency ≤ {MAX_LOOSE_ALARMS}" + (f"; {extra} further negatives" if extra else ""))


def loso_report(rows: list[dict] | None = None, *, analyzer=None, extra: int = 0, **params) -> tuple[str, dict]:
    """The leave-one-set-out table (and its figures): the model alone, and with `analyzer` also the
    rules and rules OR model."""
    rows = rows if rows is not None else read_sets()
    labels = [r["label"] for r in rows]
    inputs = set_tokens(rows)
    negatives = further_negatives(rows, extra) if extra else ()
    fit, score = model_trainer(inputs, labels, assign_folds(rows), extra=negatives, **params)
    levels = rule_levels(rows, analyzer) if analyzer is not None else None
    loso = loso_figures(rows, fit, score, levels=levels)
    return f"{loso_header(rows, extra)}\n{format_figures(loso)}", loso


def describe_card(card) -> str:
    """The urgency model card in words: data, threshold and how it was chosen, the LOSO table."""
    m = card.metrics
    if "grouped" in m:
        from nlp.urgency_cv import describe

        lines = [f"urgency (emergency) model {card.version}: {card.rows} rows from {card.data_file} "
                 f"(sha256 {card.data_sha256[:12]}…)", *describe(m)]
        return "\n".join(lines + [f"  note: {note}" for note in card.notes])
    chosen = m["threshold_choice"]
    lines = [f"urgency (emergency) model {card.version}: {card.rows} rows from {card.data_file} "
             f"(sha256 {card.data_sha256[:12]}…)",
             f"threshold P(emergency) ≥ {m['threshold']:.4f}, chosen by leave-one-set-out over all sets: the lowest with "
             f"ordinary false alarms ≤ {chosen['max_ordinary_alarms']} and not_emergency ≤ {chosen['max_loose_alarms']} "
             f"(there: emergencies found {chosen['recall']:.3f}, ordinary {chosen['ordinary_alarms']:.3f}, "
             f"not_emergency {chosen['loose_alarms']:.3f})",
             "leave one set out (every figure from a model and a threshold that never saw the held-out fold):",
             format_figures(m["loso"])]
    lines += [f"  note: {note}" for note in card.notes]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m nlp.urgency_model", description=__doc__.split("\n\n")[0])
    parser.add_argument("--loso", action="store_true", help="print the leave-one-set-out table")
    parser.add_argument("--profile", default=None, help="region profile for the rule verdicts (default: settings)")
    parser.add_argument("--no-rules", action="store_true", help="the model alone (no analyzer, no other models)")
    parser.add_argument("--extra-negatives", type=int, default=0,
                        help="also train on this many texts of relevance_train/topic_train as negatives (a measurement)")
    parser.add_argument("--C", type=float, default=1.0, help="inverse regularisation of the logistic regression")
    args = parser.parse_args(argv)
    if not args.loso:
        parser.error("nothing to do: give --loso")
    analyzer = None
    if not args.no_rules:
        from nlp.analyze import Analyzer
        from yuqing.profile import load_profile

        analyzer = Analyzer.load(load_profile(args.profile))
    print(loso_report(analyzer=analyzer, extra=args.extra_negatives, C=args.C)[0])


if __name__ == "__main__":
    main()
