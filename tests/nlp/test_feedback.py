"""Analysts' topic corrections from the dashboard become training rows of `yuqing train --task
topic --with-feedback` (training part only; the held-out split is the same as without them)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.main import main
from nlp import DATA_DIR
from nlp.models import load_model
from nlp.tokenize import analyzer_tokens
from nlp.train import feedback_rows
from tests.nlp.test_models import _subset
from yuqing import repo
from yuqing.analyst import correct_with_feedback
from yuqing.db import session_scope
from yuqing.models import Issue
from yuqing.repo import Viewer

ANALYST = Viewer("ana", "analyst")
# a kind of complaint the shipped data hardly has, so the corrections are what teaches it
TEXT = "古厝保护 鲤城区某古厝被擅自拆除改建，文物保护单位的古厝屋脊和燕尾脊已被拆毁，请求文物部门立即制止"


def _issue_corrected(*topics: str) -> int:
    with session_scope() as session:
        issue = Issue(title=TEXT[:4], summary=TEXT[5:], topic="城乡建设", topic_prob=0.4, urgency=3)
        session.add(issue)
        session.flush()
        for topic in topics:
            correct_with_feedback(session, viewer=ANALYST, issue_id=issue.id, topic=topic, model_version="v-test")
        return issue.id


def test_feedback_rows_leave_out_labels_outside_the_taxonomy_and_empty_texts():
    rows, dropped = feedback_rows([("噪音扰民", "环境保护"), ("", "民政"), ("违建", "物业管理")], {"环境保护", "民政"})
    assert rows == [{"text": "噪音扰民", "label": "环境保护", "domain": "feedback"}]
    assert len(dropped) == 2 and "物业管理" in dropped[1]


def test_the_latest_correction_of_an_issue_wins(db):
    _issue_corrected("教育文体", "党务政务")
    _issue_corrected("政法")
    with session_scope() as session:
        corrections = dict((label, text) for text, label in repo.label_corrections(session, field="topic"))
    assert set(corrections) == {"党务政务", "政法"}
    assert corrections["党务政务"] == f"{TEXT[:4]}\n{TEXT[5:]}"


@pytest.mark.slow
def test_training_with_feedback_learns_the_corrections(db, tmp_path):
    for _ in range(3):  # three issues of the kind, each corrected by an analyst
        _issue_corrected("教育文体")
    data = _subset(DATA_DIR / "topic_train.csv.gz", tmp_path / "district.csv", per_label=20)

    def trained(folder: str, *flags: str):
        result = CliRunner().invoke(main, ["train", "--task", "topic", "--data", str(data), "--out",
                                           str(tmp_path / folder), *flags], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        model, card = load_model("topic", tmp_path / folder)
        return result.output, card, dict(zip(model.classes_, model.predict_proba([analyzer_tokens(TEXT)])[0], strict=True))

    _, plain_card, plain = trained("plain")
    output, card, with_feedback = trained("feedback", "--with-feedback")
    assert "学习的分析员修正：3 条" in output
    assert card.split["feedback_rows"] == 3 and card.split["test_rows"] == plain_card.split["test_rows"]
    assert with_feedback["教育文体"] > plain["教育文体"] + 0.05


def test_feedback_is_for_the_topic_model_only(db):
    result = CliRunner().invoke(main, ["train", "--task", "sentiment", "--with-feedback"])
    assert result.exit_code == 2 and "只有 --task topic" in result.output
