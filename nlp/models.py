"""Model factories, held-out evaluation (with calibration), model cards, saving and loading.

Every model is one scikit-learn Pipeline built by a factory. The topic and relevance models
(`build_classifier`) read the list of content tokens of a text (the analysis cuts a text once and
feeds the same tokens to them). Features are word uni/bigrams plus character 1–3-grams of the
re-joined tokens: the character grams do not care how a text was segmented, so a model trained on
the published (pre-cut) data reads raw text cut by our tokenizer just as well.

The sentiment model (`build_sentiment_classifier`) reads the raw text and cuts it itself, keeping
what the content tokens throw away and polarity lives in: Weibo emoticons ([哈哈], [泪]), emoji,
punctuation (！！ ？？ ……) and the stop words, which include the negations and intensifiers
(不, 没有, 很, 非常, 哈哈). Given a list of tokens instead, it reads them as they are.
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
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, classification_report, f1_score
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from nlp.normalize import clean_keeping_cues
from nlp.tokenize import default_tokenizer
from yuqing.errors import BadInput, ModelIncompatible, ModelMissing

SEED = 42
TEST_SIZE = 0.2
KINDS = ("topic", "relevance", "sentiment")


def with_bigrams(tokens: list[str]) -> list[str]:
    """Word unigrams and adjacent bigrams (module-level so the pipeline pickles)."""
    return list(tokens) + [f"{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def joined(tokens: list[str]) -> str:
    """Tokens back to one string, for character n-grams that survive any segmentation."""
    return "".join(tokens)


def _features(word_features: int | None, char_features: int | None) -> FeatureUnion:
    return FeatureUnion([
        ("words", TfidfVectorizer(analyzer=with_bigrams, sublinear_tf=True, min_df=2, max_features=word_features,
                                  dtype=np.float32)),
        ("chars", TfidfVectorizer(analyzer="char", preprocessor=joined, ngram_range=(1, 3), sublinear_tf=True,
                                  min_df=2, max_features=char_features, dtype=np.float32)),
    ])


def _classifier(C: float, calibrated: bool, class_weight: str | None):
    if calibrated:
        return CalibratedClassifierCV(LinearSVC(C=C, class_weight=class_weight), method="sigmoid", cv=3,
                                      ensemble=False)
    return LogisticRegression(C=10 * C, max_iter=3000, class_weight=class_weight)


def build_classifier(*, word_features: int = 40000, char_features: int = 60000, C: float = 0.3,
                     calibrated: bool = True, class_weight: str | None = "balanced") -> Pipeline:
    """Words + characters → a linear SVM whose scores are calibrated to probabilities (sigmoid,
    3-fold cross-fitted, one final model), or a logistic regression when calibrated=False."""
    return Pipeline([("features", _features(word_features, char_features)),
                     ("classify", _classifier(C, calibrated, class_weight))])


def sentiment_tokens(text: str) -> list[str]:
    """Raw text → every token with its polarity cues: the analysis form of the text (simplified,
    half-width, links and @mentions dropped: a user name says nothing of the mood) cut by jieba's
    plain dictionary with punctuation and stop words kept (negations and intensifiers are stop
    words), then its emoticons and emoji as tokens of their own."""
    cleaned, cues = clean_keeping_cues(text or "")
    return sentiment_tokens_of(default_tokenizer().lcut(cleaned), cues)


EMPTY_TEXT = "<empty>"  # the one token an empty text is read as, so every model still gets a document


def sentiment_tokens_of(every_token: list[str], cues: list[str]) -> list[str]:
    """The sentiment model's tokens from the full cut of the cleaned text (the one the analysis
    makes anyway for the content tokens) and the cues cleaning removed."""
    return list(filter(str.strip, every_token)) + cues or [EMPTY_TEXT]  # whitespace-only tokens go


def sentiment_inputs(documents) -> list[list[str]]:
    """Raw texts are cut by `sentiment_tokens`; lists of tokens pass as they are."""
    return [sentiment_tokens(d) if isinstance(d, str) else (list(d) or [EMPTY_TEXT]) for d in documents]


def reads_raw_text(model) -> bool:
    """True for a model that cuts raw text itself (feed it the text, not the content tokens)."""
    return "tokens" in getattr(model, "named_steps", {})


def build_sentiment_classifier(*, word_features: int = 40000, char_features: int = 60000, C: float = 0.2,
                               calibrated: bool = True, class_weight: str | None = "balanced") -> Pipeline:
    """The sentiment model: its own cut of the raw text, then the features and calibrated SVM of
    `build_classifier`."""
    return Pipeline([("tokens", FunctionTransformer(sentiment_inputs)),
                     ("features", _features(word_features, char_features)),
                     ("classify", _classifier(C, calibrated, class_weight))])


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
        if self.kind == "sentiment" and "cross_source" in self.metrics:
            from nlp.sentiment import describe_card

            return describe_card(self)
        m = self.metrics
        lines = [f"{self.kind} model {self.version}: {self.rows} rows from {self.data_file} (sha256 {self.data_sha256[:12]}…)",
                 f"held-out split {self.split['test_size']:.0%} (seed {self.split['seed']}, n={self.split['test_rows']}): "
                 f"accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f}"]
        for name, value in m.items():
            if name in ("accuracy", "macro_f1", "per_class"):
                continue
            if isinstance(value, dict):
                lines.append(f"  {name}: " + ", ".join(
                    f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in value.items()))
            else:
                lines.append(f"  {name}: {value:.4f}" if isinstance(value, float) else f"  {name}: {value}")
        lines.append(per_class_table(m["per_class"]))
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


def per_class_table(per_class: dict) -> str:
    lines = [f"  {'class':<16}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}"]
    for label, row in per_class.items():
        lines.append(f"  {label:<16}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1-score']:>10.3f}{row['support']:>10.0f}")
    return "\n".join(lines)


def sha256_of(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def read_labelled(path: Path, *, text_columns: tuple[str, ...] = ("text", "text_seg"), min_rows: int = 10,
                  min_labels: int = 2) -> list[dict]:
    """Rows of a UTF-8 CSV (optionally .gz) with a text column (text or text_seg) and a label column.
    A `text_seg` column is marked `segmented` so its tokens are re-joined before our own cut."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            fields = reader.fieldnames or []
            column = next((c for c in text_columns if c in fields), None)
            if column is None or "label" not in fields:
                raise BadInput(f"{path}: needs a label column and one of {', '.join(text_columns)}; found {', '.join(fields)}")
            rows = [{**row, "text": row[column] or "", "label": row["label"].strip(),
                     "segmented": row.get("segmented") == "1" or column == "text_seg"}
                    for row in reader if (row.get("label") or "").strip()]
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: not UTF-8 text ({exc})") from exc
    except csv.Error as exc:
        raise BadInput(f"{path}: not a readable CSV ({exc})") from exc
    if len(rows) < min_rows:
        raise BadInput(f"{path}: only {len(rows)} labelled rows; need at least {min_rows}")
    if len({r["label"] for r in rows}) < min_labels:
        raise BadInput(f"{path}: every row has the same label; a classifier needs at least two")
    return rows


def versions() -> dict:
    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__, "jieba": jieba.__version__,
            "numpy": np.__version__}


def evaluate_predictions(truth: list[str], predicted: list[str]) -> dict:
    report = classification_report(truth, predicted, output_dict=True, zero_division=0)
    per_class = {label: report[label] for label in sorted(set(truth) | set(predicted)) if label in report}
    return {"accuracy": float(accuracy_score(truth, predicted)),
            "macro_f1": float(f1_score(truth, predicted, average="macro", zero_division=0)), "per_class": per_class}


def calibration(truth: list[str], probabilities: np.ndarray, classes: list[str], bins: int = 10) -> dict:
    """Multi-class Brier score and expected calibration error of the top label (10 equal bins)."""
    index = {c: i for i, c in enumerate(classes)}
    onehot = np.zeros_like(probabilities)
    known = [i for i, t in enumerate(truth) if t in index]
    for i in known:
        onehot[i, index[truth[i]]] = 1.0
    brier = float(np.mean(np.sum((probabilities[known] - onehot[known]) ** 2, axis=1))) if known else float("nan")
    confidence = probabilities.max(axis=1)
    correct = np.array([classes[row.argmax()] == t for row, t in zip(probabilities, truth, strict=True)], dtype=float)
    ece = 0.0
    edges = np.linspace(0, 1, bins + 1)
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        members = (confidence > low) & (confidence <= high)
        if members.any():
            ece += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return {"brier": brier, "ece": float(ece)}


def save(model: Pipeline, card: ModelCard, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, out_dir / f"{card.kind}.joblib", compress=("xz", 6))
    (out_dir / f"{card.kind}.card.json").write_text(json.dumps(asdict(card), ensure_ascii=False, indent=1), encoding="utf-8")


def new_card(*, kind: str, data_paths: list[Path], rows: int, split: dict, metrics: dict, labels: list[str],
             notes: list[str]) -> ModelCard:
    data_hash = sha256_of(data_paths)
    created = datetime.now(UTC)
    return ModelCard(kind=kind, version=f"{kind}-{created:%Y%m%d%H%M%S}-{data_hash[:8]}", created_at=created.isoformat(),
                     data_file=" + ".join(p.name for p in data_paths), data_sha256=data_hash, rows=rows, split=split,
                     metrics=metrics, versions=versions(), labels=labels, notes=notes)


def load_model(kind: str, model_dir: Path) -> tuple[Pipeline, ModelCard]:
    path, card_path = model_dir / f"{kind}.joblib", model_dir / f"{kind}.card.json"
    if not path.is_file() or not card_path.is_file():
        raise ModelMissing(f"no {kind} model in {model_dir}; train one with `yuqing train --task {kind}`")
    card = ModelCard(**json.loads(card_path.read_text(encoding="utf-8")))
    check_versions(card)
    return joblib.load(path), card


def check_versions(card: ModelCard) -> None:
    """A pickle is only safe to read with the scikit-learn that wrote it (and LinearBank reads fitted
    internals): refuse another version with the fix, instead of a pickle warning or wrong figures."""
    built = (card.versions or {}).get("scikit-learn")
    if built and built != sklearn.__version__:
        raise ModelIncompatible(
            f"{card.kind} 模型（{card.version}）由 scikit-learn {built} 训练，而当前安装的是 {sklearn.__version__}："
            f"请安装 scikit-learn=={built}（pyproject.toml 固定的版本），"
            f"或用 `yuqing train --task {card.kind}` 以当前版本重新训练")
