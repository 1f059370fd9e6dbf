"""Training and honest measurement of the emergency classifier (nlp/urgency_model.py) on the hand-read
urgency sets and, when it is at hand, on DuEE news sentences (../shared/data/events/duee_train.csv:
non-commercial research and teaching only; training stays reproducible without it).

Rows are grouped by what they are — a DuEE sentence by its event type (起火, 车祸, 竞赛行为-胜负, …), a set
row by its set file, the ordinary messages in seeded groups of their own — and every figure comes from
sklearn's GroupKFold over these groups: each row is judged by a model that never saw a sentence of its
kind of event, with a threshold chosen again by GroupKFold inside that model's own training part.
The levels those alarms raise are the rules' (nlp/urgency.py) levels in the analysis, raised to 2 where
the held-out model alarms: exactly what `assess` does with `model_alarm`."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupKFold

from nlp import DATA_DIR
from nlp.urgency_model import (
    EMERGENCY,
    OTHER,
    SET_FILES,
    build_emergency_classifier,
    emergency_probabilities,
    read_sets,
)
from yuqing.errors import BadInput

ROOT = Path(__file__).resolve().parents[1]
DUEE = ROOT.parent / "shared" / "data" / "events" / "duee_train.csv"
DUEE_TERMS = ("DuEE 1.0 (Baidu, LIC2021 event extraction), data agreement: non-commercial research and teaching only; "
              "a model trained on it carries that term")
NEWS = "news"  # a DuEE sentence of an event that is no disaster or accident (sports, arrests, deaths of illness…)
KINDS = ("emergency", "not_emergency", "ordinary", NEWS)
N_SPLITS = 5
ORDINARY_GROUPS = 5
SEED = 7
# The threshold is the lowest (most emergencies found) whose cross-validated alarms stay within every
# bound: ordinary messages 2 % (the bulk of a district's stream), loose-word texts 15 % (what the rules
# themselves gave on sets they had not seen), news of other events 4 % (the rules leave ~6 % of them at
# level ≤ 2; the issue bar for both together is 10 %).
BOUNDS = {"ordinary": 0.02, "not_emergency": 0.15, NEWS: 0.04}
# the part of DuEE set aside (seeded) before the rules were revised on the rest: the rules' honest figure
RULES_HELDOUT_SEED, RULES_HELDOUT_SHARE = 2026, 0.3


def read_events(path: Path) -> list[dict]:
    """Rows of a CSV of news sentences in DuEE's form (text, event_types, disaster 0/1[, disaster_types]):
    label `emergency` for disaster = 1 and `news` for 0, grouped by event type."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not {"text", "disaster"} <= set(reader.fieldnames or ()):
            raise BadInput(f"{path}: news sentences need the columns text and disaster (0/1)")
        rows = []
        for number, row in enumerate(reader, 2):
            text, flag = (row.get("text") or "").strip(), (row.get("disaster") or "").strip()
            if not text:
                continue
            if flag not in ("0", "1"):
                raise BadInput(f"{path} line {number}: disaster is {flag!r}, not 0 or 1")
            kinds = (row.get("disaster_types") if flag == "1" else row.get("event_types")) or ""
            rows.append({"text": text, "label": EMERGENCY if flag == "1" else NEWS, "file": Path(path).name,
                         "group": "events:" + (kinds.split("|")[0].strip() or "?"), "index": len(rows)})
    return rows


def rules_heldout(rows: Sequence[dict]) -> np.ndarray:
    """Whether each DuEE row is in the part set aside before the rules were revised on the rest."""
    import random

    order = list(range(len(rows)))
    random.Random(RULES_HELDOUT_SEED).shuffle(order)  # the draw made before the revision: kept as it was made
    held = np.zeros(len(rows), bool)
    held[order[:int(RULES_HELDOUT_SHARE * len(rows))]] = True
    return held


def training_rows(sets: Sequence[Path] | None = None, events: Path | None = None) -> list[dict]:
    """The sets' rows (grouped by set; ordinary messages dealt to groups of their own) and the events'."""
    rows = read_sets(sets)
    ordinary = [r for r in rows if r["label"] == "ordinary"]
    for place, index in enumerate(np.random.default_rng(SEED).permutation(len(ordinary))):
        ordinary[index]["group"] = f"ordinary {place % ORDINARY_GROUPS}"
    for r in rows:
        r.setdefault("group", f"set {r['set']}")
    return rows + (read_events(events) if events else [])


def choose_threshold(kinds: np.ndarray, probability: np.ndarray, bounds: dict | None = None) -> dict:
    """The lowest threshold whose alarms (P ≥ threshold) stay within every bound, with its figures."""
    bounds = bounds or BOUNDS
    for threshold in np.unique(np.append(probability, np.nextafter(1.0, 2.0))):  # the last never alarms
        shares = {k: float(np.mean(probability[kinds == k] >= threshold)) for k in KINDS if np.any(kinds == k)}
        if all(shares.get(k, 0.0) <= bound for k, bound in bounds.items()):
            return {"threshold": float(threshold), "alarms": {k: round(v, 4) for k, v in shares.items()},
                    "bounds": dict(bounds)}
    raise AssertionError("unreachable: the last candidate raises no alarm")


def _splits(groups: np.ndarray):
    """GroupKFold over `groups`, with fewer folds when there are fewer groups (a district's own sets)."""
    count = len(set(groups.tolist()))
    if count < 2:
        raise BadInput("the urgency rows need at least two groups (sets or event types) to hold one out")
    return GroupKFold(n_splits=min(N_SPLITS, count)).split(groups, groups=groups)


class GroupedFits:
    """Models fitted on row subsets (by index), the tokens read once."""

    def __init__(self, tokens: list[list[str]], kinds: np.ndarray, groups: np.ndarray, **params) -> None:
        self.tokens, self.kinds, self.groups, self.params = tokens, kinds, groups, params
        self.targets = np.where(kinds == EMERGENCY, EMERGENCY, OTHER)

    def fit(self, index: np.ndarray):
        model = build_emergency_classifier(**self.params)
        model.fit([self.tokens[i] for i in index], self.targets[index])
        return model

    def held_out(self, index: np.ndarray, progress=None) -> np.ndarray:
        """P(emergency) of every row of `index` from GroupKFold models that never saw its group."""
        out = np.full(len(index), np.nan)
        for train, test in _splits(self.groups[index]):
            model = self.fit(index[train])
            out[test] = emergency_probabilities(model, [self.tokens[i] for i in index[test]])
            if progress is not None:
                progress.update(1)
        return out

    def threshold(self, index: np.ndarray, progress=None) -> dict:
        """The threshold chosen on GroupKFold predictions of the rows of `index` only."""
        return choose_threshold(self.kinds[index], self.held_out(index, progress))

    def nested(self, progress=None) -> dict:
        """Held-out P(emergency) and alarm of every row: outer GroupKFold, the threshold chosen by an inner
        GroupKFold inside each outer training part."""
        every = np.arange(len(self.kinds))
        probability, alarm, thresholds = np.full(len(every), np.nan), np.zeros(len(every), bool), []
        for train, test in _splits(self.groups):
            chosen = self.threshold(train, progress)
            model = self.fit(train)
            probability[test] = emergency_probabilities(model, [self.tokens[i] for i in test])
            alarm[test] = probability[test] >= chosen["threshold"]
            thresholds.append(round(chosen["threshold"], 4))
            if progress is not None:
                progress.update(1)
        return {"probability": probability, "alarm": alarm, "thresholds": thresholds}


def _share(flags) -> dict:
    flags = np.asarray(flags, bool)
    return {"n": int(len(flags)), "hits": int(flags.sum()), "share": round(float(flags.mean()), 4) if len(flags) else None}


def group_figures(kinds: np.ndarray, levels: np.ndarray) -> dict:
    """Emergencies at level ≤ 2 (and at 1); loose-word texts and news of other events at level 1 and ≤ 2;
    ordinary messages at level 1 and ≤ 2."""
    out = {}
    for kind in KINDS:
        mask = kinds == kind
        if mask.any():
            out[kind] = {"level_1": _share(levels[mask] == 1), "level_le_2": _share(levels[mask] <= 2)}
    return out


def raised(levels: np.ndarray, alarm: np.ndarray) -> np.ndarray:
    """The rules' levels with a model alarm: raised to 2, never to 1 (as `assess` does)."""
    return np.where(alarm & (levels > 2), 2, levels)


WHAT = {"emergency": ("emergencies", None), "not_emergency": ("loose-word texts", None),
        NEWS: ("news of other events", None), "ordinary": ("ordinary messages", None)}


def format_figures(figures: dict, indent: str = "  ") -> list[str]:
    """One line per kind of row: the share at level ≤ 2 and at level 1, with counts."""
    lines = []
    for kind, cells in figures.items():
        name = WHAT.get(kind, (kind, None))[0]
        le2, l1 = cells["level_le_2"], cells["level_1"]
        lines.append(f"{indent}{name:<22} n={le2['n']:>6}  level ≤ 2: {le2['share']:.4f} ({le2['hits']})   "
                     f"level 1: {l1['share']:.4f} ({l1['hits']})")
    return lines


def rule_levels(texts: Sequence[str], analyzer) -> np.ndarray:
    """The urgency level the rules give each text in the analysis (relevance and sentiment models, no
    emergency model)."""
    results = analyzer.without_emergency_model().analyze_many([("", t, 0, 0, 0) for t in texts])
    return np.array([r.urgency for r in results])


def train(sets: Sequence[Path] | None = None, events: Path | None = None, *, analyzer=None, progress: bool = True):
    """(model, card parts): the classifier on every row, its threshold by GroupKFold over every row, and
    the nested GroupKFold figures (with `analyzer`, also the levels of rules and rules + held-out model)."""
    from tqdm import tqdm

    from nlp.urgency_model import set_tokens

    rows = training_rows(sets, events)
    kinds, groups = np.array([r["label"] for r in rows]), np.array([r["group"] for r in rows])
    tokens = set_tokens(tqdm(rows, desc="urgency: read", unit="text", disable=not progress))
    fits = GroupedFits(tokens, kinds, groups)
    with tqdm(total=N_SPLITS * (N_SPLITS + 2) + 1, desc="urgency: fit", unit="model", disable=not progress) as bar:
        nested = fits.nested(bar)
        chosen = fits.threshold(np.arange(len(rows)), bar)
        model = fits.fit(np.arange(len(rows)))
        bar.update(1)
    metrics = {"threshold": chosen["threshold"], "threshold_choice": chosen,
               "grouped": {"model_alarms": group_figures(kinds, np.where(nested["alarm"], 2, 4)),
                           "outer_thresholds": nested["thresholds"]}}
    if analyzer is not None:
        levels = rule_levels([r["text"] for r in rows], analyzer)
        with_model = raised(levels, nested["alarm"])
        metrics["grouped"]["rules"] = group_figures(kinds, levels)
        metrics["grouped"]["rules_and_model"] = group_figures(kinds, with_model)
        if events:
            in_events = np.array([r["file"] == Path(events).name and "index" in r for r in rows])
            held = np.zeros(len(rows), bool)
            held[np.flatnonzero(in_events)] = rules_heldout([r for r in rows if r["file"] == Path(events).name and "index" in r])
            metrics["grouped"]["events_rules_heldout"] = {
                "rules": group_figures(kinds[held], levels[held]),
                "rules_and_model": group_figures(kinds[held], with_model[held])}
    split = {"scheme": f"GroupKFold({N_SPLITS}) by event type (DuEE) / set file (sets) / seeded ordinary groups; the "
                       "threshold chosen again by GroupKFold inside every outer training part",
             "groups": int(len(set(groups))),
             "counts": {k: int((kinds == k).sum()) for k in KINDS if (kinds == k).any()}}
    return model, rows, split, metrics


def describe(metrics: dict) -> list[str]:
    """The card's figures in words."""
    chosen, grouped = metrics["threshold_choice"], metrics["grouped"]
    lines = [f"threshold P(emergency) ≥ {metrics['threshold']:.4f}: the lowest whose GroupKFold alarms stay within "
             + ", ".join(f"{WHAT[k][0]} ≤ {v}" for k, v in chosen["bounds"].items())
             + " (there: " + ", ".join(f"{WHAT[k][0]} {v:.3f}" for k, v in chosen["alarms"].items()) + ")",
             "held out by group (a model and threshold that never saw the row's event type or set):",
             "  the model's alarms alone (alarm = level ≤ 2 here):"]
    lines += format_figures(grouped["model_alarms"], "    ")
    for key, title in (("rules", "the rules alone"), ("rules_and_model", "rules + held-out model (the analysis)")):
        if key in grouped:
            lines.append(f"  {title}:")
            lines += format_figures(grouped[key], "    ")
    if "events_rules_heldout" in grouped:
        lines.append(f"  the DuEE part set aside before the rules were revised ({RULES_HELDOUT_SHARE:.0%}, seed "
                     f"{RULES_HELDOUT_SEED}): rules alone / rules + held-out model:")
        for key in ("rules", "rules_and_model"):
            lines += format_figures(grouped["events_rules_heldout"][key], "    ")
    return lines


__all__ = ["DUEE", "DUEE_TERMS", "SET_FILES", "DATA_DIR", "train", "describe", "read_events", "rules_heldout",
           "group_figures", "format_figures", "raised", "rule_levels", "choose_threshold", "GroupedFits"]


def train_card(data: Path | None = None, out_dir: Path | None = None, *, progress: bool = True,
               profile: str | None = None, rules: bool = True, events: Path | None = None):
    """Train, measure and save the emergency classifier with its card. `data`: one more labelled set
    (text, label emergency/not_emergency/ordinary), or news sentences in DuEE's form (text, disaster)
    instead of DuEE; `events`: the news sentences (default: DuEE when it is at hand, else none)."""
    from nlp.models import new_card, save

    sets = [DATA_DIR / name for name in SET_FILES]
    if data is not None:
        with Path(data).open(encoding="utf-8-sig", newline="") as handle:
            is_events = "disaster" in (csv.DictReader(handle).fieldnames or ())
        if is_events:
            events = Path(data)
        else:
            sets.append(Path(data))
    if events is None and DUEE.is_file():
        events = DUEE
    analyzer, notes = None, []
    if rules:
        from nlp.analyze import Analyzer
        from yuqing.errors import ModelMissing
        from yuqing.profile import load_profile

        try:
            analyzer = Analyzer.load(load_profile(profile))
        except ModelMissing as exc:
            notes.append(f"no rule figures: {exc}")
        else:
            notes.append(f"rule levels from the analysis with profile {analyzer.profile.meta.name!r} and models "
                         f"{analyzer.version}")
    model, rows, split, metrics = train(sets, events, analyzer=analyzer, progress=progress)
    paths = sets + ([Path(events)] if events else [])
    notes += [
        "P(emergency) of a logistic regression with balanced class weights on word uni/bigrams and character 1-3-grams "
        "of the content tokens; its alarm raises a post to level 2, never to 1, and makes no emergency",
        "trained on the hand-read urgency sets" + (f" and {Path(events).name}: {DUEE_TERMS}" if events else
                                                   " only (no news sentences at hand)"),
    ]
    card = new_card(kind="urgency", data_paths=paths, rows=len(rows), split=split, metrics=metrics,
                    labels=[str(c) for c in model.classes_], notes=notes)
    from nlp.train import _model_dir

    save(model, card, _model_dir(out_dir))
    return card


def label_urgency_rows(rows):
    """Rows of an urgency CSV with a `label`: DuEE's form (disaster 0/1) read as emergency / news."""
    for row in rows:
        if not (row.get("label") or "").strip() and (row.get("disaster") or "").strip() in ("0", "1"):
            row = {**row, "label": EMERGENCY if row["disaster"].strip() == "1" else NEWS}
        yield row


def urgency_group_lines(labels: Sequence[str], levels: Sequence[int]) -> list[str]:
    """The figures of `yuqing eval --task urgency` for each kind of row present: emergencies at level ≤ 2
    (issue bar ≥ 0.95), news of other events at level 1 (≤ 0.02) and ≤ 2 (≤ 0.10), ordinary messages
    at level 1 (≤ 0.02), loose-word texts at both."""
    figures = group_figures(np.asarray(labels), np.asarray(levels))
    return format_figures(figures, "") if figures else []


def citizen_messages() -> list[str]:
    """Ordinary citizen messages: the board messages of data/nlp/relevance_train.csv.gz (titles and
    bodies of gov_messages), as `ordinary` rows."""
    import gzip

    with gzip.open(DATA_DIR / "relevance_train.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        return [r["text"] for r in csv.DictReader(handle) if r.get("domain") in ("gov_message", "gov_title") and r["text"]]


def report(analyzer, events: Path | None = None, *, progress: bool = True) -> str:
    """The urgency figures of the issue, with the shipped analysis and with the rules alone: (a) news
    sentences of disasters at level ≤ 2, (b) news of other events at level 1 and ≤ 2 (DuEE, split into the
    part the rules were revised on and the part set aside), (c) citizen messages at level 1, (d) the
    hand-read sets. The emergency model learnt from DuEE and sets 1–7, so only the rules' figures are held
    out there (the model's held-out figures are the card's GroupKFold table)."""
    from tqdm import tqdm

    events = events or (DUEE if DUEE.is_file() else None)
    rules = analyzer.without_emergency_model()

    def levels(texts, which):
        out = []
        for start in tqdm(range(0, len(texts), 500), desc="urgency: analyse", unit="batch", disable=not progress):
            out += [r.urgency for r in which.analyze_many([("", t, 0, 0, 0) for t in texts[start:start + 500]])]
        return np.array(out)

    lines = [f"urgency figures, analysis {analyzer.version} (rules alone: {rules.version})"]
    if events:
        rows = read_events(events)
        kinds, texts, held = np.array([r["label"] for r in rows]), [r["text"] for r in rows], rules_heldout(rows)
        shipped, alone = levels(texts, analyzer), levels(texts, rules)
        for name, mask in ((f"set aside before the rules were revised ({held.sum()})", held),
                           (f"the part the rules were revised on ({(~held).sum()})", ~held)):
            lines.append(f"{Path(events).name}, {name}: rules alone (held out only in the set-aside part)")
            lines += format_figures(group_figures(kinds[mask], alone[mask]))
            lines.append("  with the emergency model (trained on this file: not held out)")
            lines += format_figures(group_figures(kinds[mask], shipped[mask]), "    ")
    texts = citizen_messages()
    kinds = np.array(["ordinary"] * len(texts))
    lines.append(f"citizen messages of relevance_train.csv.gz (gov_message, gov_title; {len(texts)}): analysis / rules alone")
    lines += format_figures(group_figures(kinds, levels(texts, analyzer)))
    lines += format_figures(group_figures(kinds, levels(texts, rules)))
    names = (*SET_FILES, "urgency_eval_8.csv")
    every_set = read_sets([DATA_DIR / name for name in names])
    for number, name in enumerate(names, 1):
        set_rows = [r for r in every_set if r["set"] == number]
        kinds, texts = np.array([r["label"] for r in set_rows]), [r["text"] for r in set_rows]
        trained = " (the model learnt from it)" if name in SET_FILES else " (the model never saw it)"
        lines.append(f"set {number} {name}: analysis{trained} / rules alone")
        lines += format_figures(group_figures(kinds, levels(texts, analyzer)))
        lines += format_figures(group_figures(kinds, levels(texts, rules)))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    import argparse

    from nlp.analyze import Analyzer
    from yuqing.profile import load_profile

    parser = argparse.ArgumentParser(prog="python -m nlp.urgency_cv", description=report.__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default=None, help="region profile (default: settings)")
    parser.add_argument("--events", type=Path, default=None, help=f"news sentences in DuEE's form (default {DUEE})")
    args = parser.parse_args(argv)
    print(report(Analyzer.load(load_profile(args.profile)), args.events))


if __name__ == "__main__":
    main()
