"""Model factories, training with a held-out split, and model cards.

Every model is one scikit-learn Pipeline built by `build_classifier`. Its input is a list of
tokens per text (the analysis cuts a text once and feeds the same tokens to every model), so the
tokenizer lives outside the pipeline in module-level, picklable functions.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import jieba
import joblib
import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, classification_report, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from nlp.tokenize import analyzer_tokens
from yuqing.errors import BadInput, ModelMissing

SEED = 42
TEST_SIZE = 0.2


def with_bigrams(tokens: list[str]) -> list[str]:
    """Word unigrams and adjacent bigrams (the vectorizer's analyzer; module-level so it pickles)."""
    return list(tokens) + [f"{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def build_classifier(*, max_features: int = 40000, C: float = 8.0, class_weight: str | None = "balanced") -> Pipeline:
    return Pipeline([
        ("tfidf", TfidfVectorizer(analyzer=with_bigrams, sublinear_tf=True, min_df=2, max_features=max_features,
                                  dtype=np.float32)),
        ("classify", LogisticRegression(C=C, max_iter=3000, class_weight=class_weight)),
    ])


@dataclass
class ModelCard:
    kind: str
    version: str
    created_at: str
    data_file: str
    data_sha256: str
    rows: int
    split: dict
    metrics: dict
    versions: dict
    labels: list[str]
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        m = self.metrics
        lines = [f"{self.kind} model {self.version}: {self.rows} rows from {self.data_file} (sha256 {self.data_sha256[:12]}…)",
                 f"held-out split {self.split['test_size']:.0%} (seed {self.split['seed']}, n={self.split['test_rows']}): "
                 f"accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f}"]
        for name, value in m.items():
            if name not in ("accuracy", "macro_f1", "per_class"):
                lines.append(f"  {name}: {value:.3f}" if isinstance(value, float) else f"  {name}: {value}")
        lines.append(f"  {'class':<16}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
        for label, row in m["per_class"].items():
            lines.append(f"  {label:<16}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1-score']:>10.3f}{row['support']:>10.0f}")
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_labelled(path: Path, *, text_columns: tuple[str, ...] = ("text", "text_seg")) -> list[dict]:
    """Rows of a UTF-8 CSV (optionally .gz) with a text column (text or text_seg) and a label column."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            fields = reader.fieldnames or []
            column = next((c for c in text_columns if c in fields), None)
            if column is None or "label" not in fields:
                raise BadInput(f"{path}: needs a label column and one of {', '.join(text_columns)}; found {', '.join(fields)}")
            rows = [{**row, "text": row[column] or ""} for row in reader if (row.get("label") or "").strip()]
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: not UTF-8 text ({exc})") from exc
    if len(rows) < 10:
        raise BadInput(f"{path}: only {len(rows)} labelled rows; a model needs more")
    return rows


def versions() -> dict:
    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__, "jieba": jieba.__version__,
            "numpy": np.__version__}


def evaluate_predictions(truth: list[str], predicted: list[str]) -> dict:
    report = classification_report(truth, predicted, output_dict=True, zero_division=0)
    per_class = {label: report[label] for label in sorted(set(truth) | set(predicted)) if label in report}
    return {"accuracy": float(accuracy_score(truth, predicted)),
            "macro_f1": float(f1_score(truth, predicted, average="macro", zero_division=0)), "per_class": per_class}


def train_and_save(
    *, kind: str, rows: list[dict], data_path: Path, out_dir: Path, stratify_by: str = "label",
    extra_metrics=None, notes: list[str] | None = None, progress=None, **params,
) -> ModelCard:
    """Fit on the training part only, evaluate on the held-out part, save the model and its card."""
    labels = [row["label"] for row in rows]
    strata = [row.get(stratify_by, row["label"]) + "|" + row["label"] for row in rows]
    train_rows, test_rows = train_test_split(rows, test_size=TEST_SIZE, random_state=SEED,
                                             stratify=strata if min(strata.count(s) for s in set(strata)) > 1 else None)
    tokens = [analyzer_tokens(row["text"]) for row in (progress(rows) if progress else rows)]
    by_id = {id(row): tok for row, tok in zip(rows, tokens, strict=True)}
    model = build_classifier(**params)
    model.fit([by_id[id(r)] for r in train_rows], [r["label"] for r in train_rows])
    predicted = list(model.predict([by_id[id(r)] for r in test_rows]))
    metrics = evaluate_predictions([r["label"] for r in test_rows], predicted)
    if extra_metrics:
        metrics.update(extra_metrics(model, test_rows, [by_id[id(r)] for r in test_rows], predicted))
    data_hash = sha256_of(data_path)
    created = datetime.now(UTC)
    card = ModelCard(
        kind=kind, version=f"{kind}-{created:%Y%m%d%H%M%S}-{data_hash[:8]}", created_at=created.isoformat(),
        data_file=data_path.name, data_sha256=data_hash, rows=len(rows),
        split={"test_size": TEST_SIZE, "seed": SEED, "train_rows": len(train_rows), "test_rows": len(test_rows),
               "stratified_by": stratify_by},
        metrics=metrics, versions=versions(), labels=sorted(set(labels)), notes=notes or [],
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, out_dir / f"{kind}.joblib", compress=("xz", 3))
    (out_dir / f"{kind}.card.json").write_text(json.dumps(asdict(card), ensure_ascii=False, indent=1), encoding="utf-8")
    return card


def load_model(kind: str, model_dir: Path) -> tuple[Pipeline, ModelCard]:
    path, card_path = model_dir / f"{kind}.joblib", model_dir / f"{kind}.card.json"
    if not path.is_file() or not card_path.is_file():
        raise ModelMissing(f"no {kind} model in {model_dir}; train one with `yuqing train --task {kind}`")
    card = ModelCard(**json.loads(card_path.read_text(encoding="utf-8")))
    return joblib.load(path), card
