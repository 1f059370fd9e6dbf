"""Shipped models and their cards; training on small subsets of the shipped data."""

from __future__ import annotations

import csv
import gzip
import json

import pytest

from nlp import DATA_DIR, MODEL_DIR
from nlp.models import load_model, read_labelled
from nlp.train import taxonomy_documents, train_sentiment, train_topic
from yuqing.errors import BadInput, ModelMissing

TAXONOMY_CLASSES = {"城乡建设", "党务政务", "国土资源", "环境保护", "纪检监察", "交通运输", "经济管理", "科技与信息产业",
                    "民政", "农村农业", "商贸旅游", "卫生计生", "政法", "教育文体", "劳动和社会保障"}


@pytest.mark.parametrize("kind", ["topic", "relevance", "sentiment"])
def test_shipped_model_has_a_card_with_held_out_metrics(kind):
    card = json.loads((MODEL_DIR / f"{kind}.card.json").read_text(encoding="utf-8"))
    assert card["split"]["test_rows"] > 0 and card["data_sha256"]
    assert {"python", "scikit-learn", "jieba", "numpy"} <= set(card["versions"])
    assert 0 <= card["metrics"]["calibration"]["brier"] <= 2 and 0 <= card["metrics"]["calibration"]["ece"] <= 1
    assert (MODEL_DIR / f"{kind}.joblib").stat().st_size < 16 * 1024 * 1024


def test_topic_model_knows_all_fifteen_classes():
    model, card = load_model("topic", MODEL_DIR)
    assert set(model.classes_) == TAXONOMY_CLASSES == set(card.labels)


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelMissing, match="yuqing train --task topic"):
        load_model("topic", tmp_path)


def test_taxonomy_documents_cover_every_class():
    assert {d["label"] for d in taxonomy_documents()} == TAXONOMY_CLASSES


def test_bad_training_csv_is_bad_input(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("content,category\na,b\n", encoding="utf-8")
    with pytest.raises(BadInput, match="label"):
        read_labelled(path)
    path.write_text("text,label\n" + "".join(f"t{i},same\n" for i in range(20)), encoding="utf-8")
    with pytest.raises(BadInput, match="same label"):
        read_labelled(path)
    path.write_bytes(b"text,label\n" + "投诉,a\n".encode("gbk") * 20)
    with pytest.raises(BadInput, match="UTF-8"):
        read_labelled(path)


def _subset(source, target, per_label, columns=("text", "label")):
    with gzip.open(source, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    taken, counts = [], {}
    for row in rows:
        if counts.get(row["label"], 0) < per_label:
            counts[row["label"]] = counts.get(row["label"], 0) + 1
            taken.append(row)
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[c for c in rows[0] if c in columns or c in ("domain", "segmented")])
        writer.writeheader()
        writer.writerows({k: r[k] for k in writer.fieldnames} for r in taken)
    return target


@pytest.mark.slow
def test_retrain_topic_from_a_district_csv(tmp_path):
    data = _subset(DATA_DIR / "topic_train.csv.gz", tmp_path / "district.csv", per_label=40)
    card = train_topic(data, tmp_path / "models", progress=False)
    model, loaded = load_model("topic", tmp_path / "models")
    assert loaded.version == card.version and card.rows == len(data.read_text(encoding="utf-8").splitlines()) - 1
    assert set(model.classes_) == TAXONOMY_CLASSES  # taxonomy terms keep every class alive
    assert card.metrics["macro_f1"] > 0.3  # far above chance (1/15) even on 40 rows a class


@pytest.mark.slow
def test_retrain_sentiment_and_measure_held_out(tmp_path):
    data = _subset(DATA_DIR / "sentiment_train.csv.gz", tmp_path / "s.csv", per_label=300)
    card = train_sentiment(data, tmp_path / "models", progress=False)
    assert card.split["test_rows"] == pytest.approx(0.2 * card.rows, abs=3)
    assert card.metrics["accuracy"] > 0.5  # three polarities
    assert card.metrics["cross_source"] and all(" ← " in name for name in card.metrics["cross_source"])


def test_a_model_from_another_scikit_learn_is_refused_with_the_fix(tmp_path):
    import json

    from yuqing.errors import ModelIncompatible

    card = json.loads((MODEL_DIR / "topic.card.json").read_text(encoding="utf-8"))
    card["versions"]["scikit-learn"] = "0.0.1"
    (tmp_path / "topic.card.json").write_text(json.dumps(card), encoding="utf-8")
    (tmp_path / "topic.joblib").write_bytes(b"never unpickled")
    with pytest.raises(ModelIncompatible, match=r"scikit-learn 0\.0\.1 训练.*yuqing train --task topic"):
        load_model("topic", tmp_path)
