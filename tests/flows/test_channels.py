"""The robots' real request formats and their signing, checked the way the receiving service checks
them, on a real local HTTP receiver; and every payload within the receiver's documented size limit."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from flows.channels import (
    DINGTALK_TEXT_LIMIT,
    FEISHU_BODY_LIMIT,
    SMS_CHAR_LIMIT,
    WECOM_TEXT_LIMIT,
    Message,
    dingtalk_payload,
    feishu_payload,
    sms_payload,
    wecom_payload,
)
from flows.outbox import deliver_due
from tests.flows.test_outbox import enqueue, receiver, settings_env  # noqa: F401  (fixture)

LONG = Message(channel="x", target="x", subject="【舆情交办】长文本", body="某小区物业乱收费，居民反映强烈。" * 3000, dedupe_key="k")


def test_dingtalk_signature_verifies_like_dingtalk_does(db, monkeypatch, receiver):  # noqa: F811
    settings_env(monkeypatch, dingtalk_secret="SECdemo")
    enqueue("dingtalk", receiver.url + "/robot/send?access_token=abc")
    assert deliver_due().sent == 1
    request = receiver.requests[-1]
    query = parse_qs(urlsplit(request.path).query)
    assert query["access_token"] == ["abc"]
    timestamp, sign = query["timestamp"][0], query["sign"][0]
    expected = base64.b64encode(hmac.new(b"SECdemo", f"{timestamp}\nSECdemo".encode(), hashlib.sha256).digest()).decode()
    assert sign == expected
    assert request.json() == {"msgtype": "text", "text": {"content": "【舆情交办】开元街道物业乱收费\n请于24小时内签收"}}


def test_feishu_signature_verifies_like_feishu_does(db, monkeypatch, receiver):  # noqa: F811
    settings_env(monkeypatch, feishu_secret="feishu-secret")
    enqueue("feishu", receiver.url + "/open-apis/bot/v2/hook/xyz")
    assert deliver_due().sent == 1
    body = receiver.requests[-1].json()
    key = f"{body['timestamp']}\nfeishu-secret".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "text" and body["content"]["text"].startswith("【舆情交办】")


def test_wecom_text_format(db, receiver):  # noqa: F811
    enqueue("wecom", receiver.url + "/cgi-bin/webhook/send?key=k")
    assert deliver_due().sent == 1
    assert receiver.requests[-1].json() == {"msgtype": "text",
                                            "text": {"content": "【舆情交办】开元街道物业乱收费\n请于24小时内签收"}}


@pytest.mark.parametrize(("build", "limit"), [
    (lambda m: wecom_payload(m)["text"]["content"].encode(), WECOM_TEXT_LIMIT),  # 企业微信 text: 2048 bytes
    (lambda m: dingtalk_payload(m)["text"]["content"].encode(), DINGTALK_TEXT_LIMIT),  # 钉钉 text: 20000 bytes
    (lambda m: json.dumps(feishu_payload(m, "s", 1700000000), ensure_ascii=False).encode(), FEISHU_BODY_LIMIT),  # 飞书 body 20 KB
    (lambda m: json.dumps(feishu_payload(m), ensure_ascii=False).encode(), FEISHU_BODY_LIMIT),
])
def test_long_messages_are_cut_to_the_receivers_limit(build, limit):
    data = build(LONG)
    assert len(data) <= limit
    assert len(data) > limit * 0.9  # cut at the limit, not far below it
    data.decode("utf-8")  # never a split character


def test_sms_is_short_and_carries_the_dedupe_key():
    payload = sms_payload(LONG, "13800000000")
    assert len(payload["text"]) <= SMS_CHAR_LIMIT and payload["id"] == "k" and payload["to"] == "13800000000"


def test_short_messages_are_untouched():
    short = Message(channel="x", target="x", subject="标题", body="正文", dedupe_key="k")
    assert wecom_payload(short)["text"]["content"] == "标题\n正文"
    assert feishu_payload(short)["content"]["text"] == "标题\n正文"


def test_sms_goes_to_the_gateway_as_json(db, monkeypatch, receiver):  # noqa: F811
    settings_env(monkeypatch, sms_gateway_url=receiver.url + "/sms")
    enqueue("sms", "13800000000")
    assert deliver_due().sent == 1
    request = receiver.requests[-1]
    assert request.path == "/sms" and request.headers["Idempotency-Key"] == "k1"
    assert request.json() == {"to": "13800000000", "text": "【舆情交办】开元街道物业乱收费", "id": "k1"}
