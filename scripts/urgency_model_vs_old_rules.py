"""Would the emergency classifier have helped rules that had not seen the sets? A one-off check.

    .venv/bin/python scripts/urgency_model_vs_old_rules.py [--commit af3d8bb] [--profile demo]

Today's rules were developed on sets 1–6, so "rules OR model" on those sets says little. The rounds
that were frozen before sets 4–7 were squashed into one commit; the last rules kept in history that
saw none of sets 4–7 are those of af3d8bb (developed on sets 1–3). This runs that nlp/urgency.py
(from `git show`) on the sets, fed today's relevance and sentiment models as the analysis feeds the
rules, beside the leave-one-set-out model (each set judged by a model and a threshold that never saw
it), and prints rules / model / rules OR model on sets 4–7 and the ordinary messages."""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def old_assess(commit: str):
    source = subprocess.run(["git", "show", f"{commit}:nlp/urgency.py"], cwd=ROOT, check=True, capture_output=True,
                            text=True).stdout
    path = Path(tempfile.mkdtemp()) / "urgency_then.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("urgency_then", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module.assess


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commit", default="af3d8bb")
    parser.add_argument("--profile", default=None)
    args = parser.parse_args()

    from nlp.analyze import RELEVANT_AT, Analyzer
    from nlp.normalize import clean
    from nlp.urgency_model import assign_folds, figures, format_figures, loso_report, read_sets
    from yuqing.profile import load_profile

    assess = old_assess(args.commit)
    rows = read_sets()
    analyzer = Analyzer.load(load_profile(args.profile))
    levels = []
    for row, result in zip(rows, analyzer.analyze_many([("", r["text"], 0, 0, 0) for r in rows]), strict=True):
        positive = (result.sentiment_score + 1) / 2
        relevant = bool(result.tokens) and result.relevance_score >= RELEVANT_AT
        levels.append(assess(clean(f"\n{row['text']}"), relevant=relevant, negative=1 - positive).level)
    _, loso = loso_report(rows)
    labels = np.array([r["label"] for r in rows])
    folds = assign_folds(rows)
    unseen = np.isin(folds, [4, 5, 6, 7])  # sets 4-7 and the ordinary messages dealt to their folds
    table = figures(labels[unseen], folds[unseen], (loso["probability"] >= [
        loso["thresholds"][f"set {k}"]["threshold"] for k in folds])[unseen], np.array(levels)[unseen])
    print(f"rules of {args.commit} (developed on sets 1-3) beside the leave-one-set-out model, sets 4-7")
    print(format_figures({"table": table, "thresholds": loso["thresholds"]},
                         caveat=f"the rules of {args.commit} saw none of sets 4-7; the relevance and sentiment inputs are "
                                "today's models (trained on messages and Weibo posts some sets were read from)"))


if __name__ == "__main__":
    main()
