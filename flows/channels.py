"""Delivery channels: e-mail (SMTP), 企业微信 / 钉钉 / 飞书 group robots, a signed generic webhook
and an SMS-gateway webhook. Each builds the receiver's real payload format within its size
limit and raises DeliveryError with a reason when the receiver refuses or does not answer.

Targets are addresses or webhook URLs; a target written ``env:NAME`` is read from the
environment at send time, so robot keys and tokens never live in the repository or database.
Every message carries its dedupe key (Message-ID / Idempotency-Key) so that a receiver can drop
the rare second delivery that at-least-once sending allows after a crash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import re
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

import httpx

from yuqing.settings import Settings

_URL_SECRETS = re.compile(r"(?P<keep>[?&][^=&\s\"']+=)[^&\s\"']+|(?P<hook>/hook/)[^/?\s\"']+")


class _RedactUrls(logging.Filter):
    """httpx logs every request line at INFO with the full URL, and a robot's URL carries its token
    (access_token=…, key=…, /hook/…): mask query values and hook ids before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = _URL_SECRETS.sub(lambda m: (m.group("keep") or m.group("hook")) + "***", message)
        record.args = None
        return True


logging.getLogger("httpx").addFilter(_RedactUrls())

# Documented limits of the receivers, in UTF-8 bytes (text messages)
WECOM_TEXT_LIMIT = 2048
DINGTALK_TEXT_LIMIT = 20000
FEISHU_BODY_LIMIT = 20 * 1024
SMS_CHAR_LIMIT = 300


class DeliveryError(Exception):
    """The receiver refused the message or did not answer; the outbox retries later."""


@dataclass(frozen=True)
class Message:
    channel: str
    target: str
    subject: str
    body: str
    dedupe_key: str
    issue_id: int | None = None
    assignment_id: int | None = None


def resolve_target(target: str) -> str:
    if target.startswith("env:"):
        value = os.environ.get(target[4:], "")
        if not value:
            raise DeliveryError(f"environment variable {target[4:]} (the target) is not set")
        return value
    return target


def truncate_utf8(text: str, limit: int, marker: str = "…") -> str:
    """Cut text so that its UTF-8 encoding fits in `limit` bytes, without splitting a character."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    room = limit - len(marker.encode("utf-8"))
    return data[:room].decode("utf-8", errors="ignore") + marker


def _text(message: Message) -> str:
    return f"{message.subject}\n{message.body}".strip()


def wecom_payload(message: Message) -> dict:
    # plain text, not markdown: post titles are untrusted and must not become links or formatting
    return {"msgtype": "text", "text": {"content": truncate_utf8(_text(message), WECOM_TEXT_LIMIT)}}


def dingtalk_payload(message: Message) -> dict:
    return {"msgtype": "text", "text": {"content": truncate_utf8(_text(message), DINGTALK_TEXT_LIMIT)}}


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    sign = base64.b64encode(digest).decode()
    return str(httpx.URL(url, params={**dict(httpx.URL(url).params), "timestamp": str(timestamp_ms), "sign": sign}))


def feishu_payload(message: Message, secret: str = "", timestamp: int | None = None) -> dict:
    payload: dict = {"msg_type": "text", "content": {"text": _text(message)}}
    if secret:
        timestamp = int(time.time()) if timestamp is None else timestamp
        key = f"{timestamp}\n{secret}".encode()
        payload["timestamp"] = str(timestamp)
        payload["sign"] = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    overflow = len(json.dumps(payload, ensure_ascii=False).encode()) - FEISHU_BODY_LIMIT
    if overflow > 0:
        text = payload["content"]["text"]
        payload["content"]["text"] = truncate_utf8(text, len(text.encode()) - overflow - 16)
    return payload


def webhook_body(message: Message) -> bytes:
    return json.dumps(
        {"dedupe_key": message.dedupe_key, "subject": message.subject, "body": message.body,
         "issue_id": message.issue_id, "assignment_id": message.assignment_id},
        ensure_ascii=False, sort_keys=True,
    ).encode("utf-8")


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def sms_payload(message: Message, phone: str) -> dict:
    text = message.subject or message.body
    return {"to": phone, "text": text[:SMS_CHAR_LIMIT], "id": message.dedupe_key}


def _post_json(url: str, *, body: bytes, headers: dict, timeout: float) -> httpx.Response:
    try:
        response = httpx.post(url, content=body, headers={"Content-Type": "application/json; charset=utf-8", **headers},
                              timeout=timeout)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{exc.__class__.__name__}: {exc}") from exc
    if response.status_code >= 300:
        raise DeliveryError(f"HTTP {response.status_code}: {response.text[:200]}")
    return response


def _robot_ok(response: httpx.Response, code_field: str) -> None:
    try:
        data = response.json()
    except ValueError as exc:
        raise DeliveryError(f"robot answered with non-JSON: {response.text[:200]}") from exc
    code = data.get(code_field, data.get("StatusCode", 0))
    if code not in (0, None):
        raise DeliveryError(f"robot refused: {code_field}={code} {data.get('errmsg') or data.get('msg') or ''}".strip())


def send(message: Message, settings: Settings) -> None:
    """Deliver one message now; raises DeliveryError on any failure."""
    timeout = settings.notify_timeout_seconds
    headers = {"Idempotency-Key": message.dedupe_key}
    if message.channel == "email":
        _send_email(message, settings)
    elif message.channel == "wecom":
        body = json.dumps(wecom_payload(message), ensure_ascii=False).encode()
        _robot_ok(_post_json(resolve_target(message.target), body=body, headers=headers, timeout=timeout), "errcode")
    elif message.channel == "dingtalk":
        url = resolve_target(message.target)
        if settings.dingtalk_secret:
            url = dingtalk_signed_url(url, settings.dingtalk_secret, int(time.time() * 1000))
        body = json.dumps(dingtalk_payload(message), ensure_ascii=False).encode()
        _robot_ok(_post_json(url, body=body, headers=headers, timeout=timeout), "errcode")
    elif message.channel == "feishu":
        body = json.dumps(feishu_payload(message, settings.feishu_secret), ensure_ascii=False).encode()
        _robot_ok(_post_json(resolve_target(message.target), body=body, headers=headers, timeout=timeout), "code")
    elif message.channel == "webhook":
        body = webhook_body(message)
        timestamp = str(int(time.time()))
        if settings.webhook_secret:
            headers = {**headers, "X-Yuqing-Timestamp": timestamp,
                       "X-Yuqing-Signature": webhook_signature(settings.webhook_secret, timestamp, body)}
        _post_json(resolve_target(message.target), body=body, headers=headers, timeout=timeout)
    elif message.channel == "sms":
        if not settings.sms_gateway_url:
            raise DeliveryError("no SMS gateway configured (YUQING_SMS_GATEWAY_URL)")
        body = json.dumps(sms_payload(message, resolve_target(message.target)), ensure_ascii=False).encode()
        _post_json(settings.sms_gateway_url, body=body, headers=headers, timeout=timeout)
    else:
        raise DeliveryError(f"unknown channel {message.channel!r}")


def _send_email(message: Message, settings: Settings) -> None:
    email = EmailMessage()
    email["From"] = settings.smtp_sender
    email["To"] = resolve_target(message.target)
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=True)
    key = hashlib.sha256(message.dedupe_key.encode()).hexdigest()[:32]
    email["Message-ID"] = f"<{key}@yuqing>"
    email["X-Yuqing-Dedupe-Key"] = message.dedupe_key
    email.set_content(message.body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.notify_timeout_seconds) as smtp:
            smtp.send_message(email)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP {settings.smtp_host}:{settings.smtp_port}: {exc.__class__.__name__}: {exc}") from exc
