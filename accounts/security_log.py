"""The `security` log: one line per event, every field escaped, time in UTC.

A user name, a path or a header is user input; written raw, "\\n2026-01-01 fake line" would start a line of
its own. Every interpolated field goes through `escape()` (control, format and line-separator characters
become \\uXXXX, quotes and backslashes are escaped, the value is quoted), and the handler's formatter
escapes whatever other loggers write too.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import time
import unicodedata

from django.conf import settings

logger = logging.getLogger("security")

# Cc: C0/C1 controls (\n, \r, NUL, ESC, NEL); Cf: format (bidi overrides, zero-width);
# Zl/Zp: U+2028/U+2029, which many viewers treat as line breaks.
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
MAX_FIELD_LENGTH = 200


def _escape_char(char: str) -> str:
    if char in ('"', "\\"):
        return "\\" + char
    if unicodedata.category(char) in _UNSAFE_CATEGORIES:
        code = ord(char)
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return char


def escape_text(value: object) -> str:
    """`value` as text with no character that could break or disguise a log line."""
    return "".join(_escape_char(char) for char in str(value))


def escape(value: object) -> str:
    """A quoted, escaped, length-limited field value."""
    text = str(value)
    if len(text) > MAX_FIELD_LENGTH:
        text = text[:MAX_FIELD_LENGTH] + "…"
    return f'"{escape_text(text)}"'


def utc_now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the proxy's X-Forwarded-For entry when TRUSTED_PROXY is set.

    Behind one trusted proxy (nginx's $proxy_add_x_forwarded_for) the right-most entry is the address the
    proxy saw; entries to its left were sent by the client and prove nothing.
    """
    remote = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    if request is None or not getattr(settings, "TRUSTED_PROXY", False):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    candidate = forwarded.split(",")[-1].strip() if forwarded else ""
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def _units_of(user) -> str:
    """The user's units and roles ("G1:general_branch_staff"), from the request's scope when it is loaded."""
    if user is None or not getattr(user, "pk", None):
        return ""
    scope = getattr(user, "_ledger_scope", None)
    if scope is not None and scope.grants:
        return ",".join(f"{scope.units[grant.path].code}:{grant.role}" for grant in scope.grants)
    from branches.models import RoleAssignment

    assignments = RoleAssignment.objects.filter(user_id=user.pk).select_related("unit").order_by("unit__path")
    return ",".join(f"{a.unit.code}:{a.role}" for a in assignments)


def log_event(event: str, *, request=None, user=None, username: str | None = None, level: int = logging.INFO,
              **fields: object) -> None:
    """Write one security event: what, who (login name and units), when (UTC), from where, and details."""
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        user = candidate if getattr(candidate, "is_authenticated", False) else None
    if username is None:
        username = user.get_username() if user is not None else ""
    parts = [
        f"event={escape_text(event)}",
        f"at={utc_now_iso()}",
        f"user={escape(username)}",
        f"units={escape(_units_of(user))}",
        f"ip={escape(client_ip(request))}",
    ]
    if request is not None:
        parts.append(f"method={escape(request.method)}")
        parts.append(f"path={escape(request.path)}")
    parts.extend(f"{escape_text(name)}={escape(value)}" for name, value in fields.items())
    logger.log(level, " ".join(parts), extra={"already_escaped": True})


class SafeFormatter(logging.Formatter):
    """Every handler's format: ISO 8601 UTC time and a message with its control characters escaped.

    Tracebacks are appended after the escaped message as usual (they are the code's, not the user's).
    """

    converter = time.gmtime

    def __init__(self, fmt: str | None = None, datefmt: str | None = None, style: str = "%", **kwargs) -> None:
        super().__init__(fmt or "%(asctime)s %(levelname)s %(name)s %(message)s",
                         datefmt or "%Y-%m-%dT%H:%M:%SZ", style, **kwargs)

    def formatMessage(self, record: logging.LogRecord) -> str:
        if not getattr(record, "already_escaped", False):
            record.message = escape_text(record.message)
        return super().formatMessage(record)
