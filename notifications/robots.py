"""The wire formats of the group robots: 企业微信 (WeCom) and 钉钉 (DingTalk) custom robots.

WeCom: POST the webhook address (…/cgi-bin/webhook/send?key=…) with {"msgtype": "markdown", "markdown":
{"content": …}} (at most 4096 bytes). DingTalk: POST the webhook address (…/robot/send?access_token=…) with
`timestamp` (milliseconds) and `sign` added to the query — the URL-encoded base64 of HMAC-SHA256 over
"timestamp\\nsecret" keyed by the secret — and {"msgtype": "markdown", "markdown": {"title": …, "text": …}}.
Both answer {"errcode": 0, …} when the message was accepted; anything else is a failure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

# WeCom's markdown limit is 4096 bytes; stay below it with room for the title and the link.
MAX_TEXT_BYTES = 3500


class RobotError(Exception):
    """The robot did not take the message (HTTP error, unreachable, or a non-zero errcode)."""


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: base64 HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret, URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def dingtalk_url(webhook_url: str, secret: str, *, timestamp_ms: int | None = None) -> str:
    if not secret:
        return webhook_url
    timestamp_ms = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    separator = "&" if urllib.parse.urlsplit(webhook_url).query else "?"
    return f"{webhook_url}{separator}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def payload(platform: str, title: str, text: str) -> dict:
    if platform == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": f"#### {title}\n\n{text}"}}
    return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{text}"}}


def post(*, platform: str, webhook_url: str, secret: str, title: str, text: str, timeout: float) -> None:
    """Send one message; raises RobotError with a short reason when the robot did not take it."""
    url = dingtalk_url(webhook_url, secret) if platform == "dingtalk" else webhook_url
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise RobotError("address is not http(s)")
    body = json.dumps(payload(platform, title, text), ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=body, method="POST",  # noqa: S310 (scheme checked above)
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        # The scheme is checked above; the host is the unit's own robot or intranet relay.
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  # nosec B310
            answer = response.read(65536)
    except urllib.error.HTTPError as error:
        raise RobotError(f"HTTP {error.code}") from error
    except (urllib.error.URLError, OSError) as error:
        raise RobotError(f"{type(error).__name__}: {getattr(error, 'reason', error)}") from error
    try:
        result = json.loads(answer)
    except ValueError as error:
        raise RobotError("answer is not JSON") from error
    if not isinstance(result, dict) or result.get("errcode") != 0:
        errcode = result.get("errcode") if isinstance(result, dict) else None
        errmsg = result.get("errmsg", "") if isinstance(result, dict) else ""
        raise RobotError(f"errcode {errcode}: {errmsg}"[:300])
