"""Training commands: topic, relevance and sentiment models, each from any CSV of the same shape
as the shipped data (a district retrains on its own records)."""

from __future__ import annotations

from pathlib import Path

from tqdm import tqdm

from nlp import DATA_DIR
from nlp.models import ModelCard, read_labelled, train_and_save

DEFAULT_DATA = {
    "topic": DATA_DIR / "topic_train.csv.gz",
    "relevance": DATA_DIR / "relevance_train.csv.gz",
    "sentiment": DATA_DIR / "sentiment_train.csv.gz",
}
TASKS = tuple(DEFAULT_DATA)


def _model_dir(out_dir: Path | None) -> Path:
    from yuqing.settings import get_settings

    return out_dir or get_settings().model_dir


def _bar(desc: str, show: bool):
    return (lambda rows: tqdm(rows, desc=desc, unit="text")) if show else None


def train_topic(data: Path | None = None, out_dir: Path | None = None, *, progress: bool = True) -> ModelCard:
    path = Path(data or DEFAULT_DATA["topic"])
    rows = read_labelled(path)
    return train_and_save(
        kind="topic", rows=rows, data_path=path, out_dir=_model_dir(out_dir), progress=_bar("tokenize", progress),
        notes=["first-level department category (一级分类); level 2 is decided by taxonomy terms within it"],
    )


def train_relevance(data: Path | None = None, out_dir: Path | None = None, *, progress: bool = True) -> ModelCard:
    path = Path(data or DEFAULT_DATA["relevance"])
    return train_and_save(kind="relevance", rows=read_labelled(path), data_path=path, out_dir=_model_dir(out_dir),
                          progress=_bar("tokenize", progress),
                          notes=["relevant = a matter for the government; irrelevant = entertainment/sports/finance/"
                                 "game/other news headlines and consumer reviews"])


def _weibo_accuracy(model, test_rows, test_tokens, predicted) -> dict:
    weibo = [i for i, row in enumerate(test_rows) if row.get("domain") == "weibo"]
    if not weibo:
        return {}
    correct = sum(predicted[i] == test_rows[i]["label"] for i in weibo)
    return {"weibo_polarity_accuracy": correct / len(weibo), "weibo_test_rows": len(weibo)}


def train_sentiment(data: Path | None = None, out_dir: Path | None = None, *, progress: bool = True) -> ModelCard:
    path = Path(data or DEFAULT_DATA["sentiment"])
    return train_and_save(kind="sentiment", rows=read_labelled(path), data_path=path, out_dir=_model_dir(out_dir),
                          stratify_by="domain", extra_metrics=_weibo_accuracy, progress=_bar("tokenize", progress),
                          notes=["polarity; 'neutral' is reported when the positive probability is between 0.4 and 0.6"])


TRAINERS = {"topic": train_topic, "relevance": train_relevance, "sentiment": train_sentiment}
