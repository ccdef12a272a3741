"""The security log: every login, failure, logout, lockout and refusal, with who, unit, UTC time and
address; user input cannot start a line of its own."""

from __future__ import annotations

import logging
import re

from django.test import override_settings
from django.urls import reverse

from accounts.security_log import SafeFormatter, client_ip, escape_text
from tests.security.conftest import PASSWORD, post_login

UTC_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ")
FORGED = "evil\n2026-01-01T00:00:00Z INFO security event=login user=\"org\"\r\x1b[2J\u2028\u202e"


def test_login_logout_and_failure_are_logged(client, users, security_log):
    post_login(client, "secretary", "wrong", ip="192.0.2.7")
    post_login(client, "secretary", PASSWORD, ip="192.0.2.7")
    client.post(reverse("logout"), REMOTE_ADDR="192.0.2.7")
    [failed] = security_log.events("login_failed")
    [login] = security_log.events("login")
    [logout] = security_log.events("logout")
    for line in (failed, login, logout):
        assert UTC_STAMP.match(line), line
        assert re.search(r" at=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ", line)
        assert 'user="secretary"' in line
        assert 'units="B1:branch_secretary"' in line
        assert 'ip="192.0.2.7"' in line
    assert PASSWORD not in security_log.stream.getvalue()
    assert "wrong" not in security_log.stream.getvalue()


@override_settings(AXES_FAILURE_LIMIT=2)
def test_lockout_is_logged(client, users, security_log):
    for _ in range(2):
        post_login(client, "gb_staff", "wrong")
    [lockout] = security_log.events("lockout")
    assert 'user="gb_staff"' in lockout and 'ip="10.0.0.1"' in lockout


def test_refused_access_is_logged(client, users, security_log):
    client.force_login(users["secretary"])
    client.get("/ledger/ledgers/999999/")  # 404: not found or outside the subtree
    [refused] = security_log.events("access_refused")
    assert 'status="404"' in refused and 'user="secretary"' in refused
    assert 'path="/ledger/ledgers/999999/"' in refused


def test_a_ledger_outside_the_subtree_is_refused_and_logged(client, tree, users, security_log):
    from tests.factories import ledger_of, make_campaign

    campaign = make_campaign(tree.root, actor=users["org"])
    sibling = ledger_of(campaign, tree.b2)
    client.force_login(users["secretary"])
    response = client.get(reverse("ledger:ledger_detail", args=[sibling.pk]), REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 404
    [refused] = security_log.events("access_refused")
    assert 'status="404"' in refused and 'user="secretary"' in refused and 'ip="198.51.100.4"' in refused
    assert 'units="B1:branch_secretary"' in refused


def test_csrf_refusal_is_logged(users, security_log):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["secretary"])
    client.post(reverse("logout"))
    [refused] = security_log.events("access_refused")
    assert 'status="403"' in refused


def test_a_hostile_user_name_cannot_forge_a_line(client, users, security_log):
    post_login(client, FORGED, "whatever")
    lines = security_log.lines
    assert len(lines) == 1, lines
    [line] = lines
    assert UTC_STAMP.match(line)
    assert "\\u000a2026-01-01T00:00:00Z" in line
    assert "\r" not in line and "\x1b" not in line and "\u2028" not in line and "\u202e" not in line
    fields = _fields(line)
    assert fields["event"] == "login_failed"  # the faked "event=login" stayed inside the quoted user name
    assert fields["user"].startswith('"evil') and fields["user"].endswith('\\u202e"')
    assert fields["ip"] == '"10.0.0.1"'


FIELD = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')


def _fields(line: str) -> dict[str, str]:
    """Parse key=value / key="quoted value" pairs the way a log reader would (first occurrence wins)."""
    fields: dict[str, str] = {}
    position = line.index(" event=")
    while (match := FIELD.search(line, position)) is not None:
        fields.setdefault(match.group(1), match.group(2))
        position = match.end()
    return fields


def test_hostile_path_cannot_forge_a_line(client, users, security_log):
    client.force_login(users["secretary"])
    client.get("/nothing/%0a2026-01-01T00:00:00Z%20fake%20line")
    [refused] = security_log.events("access_refused")
    assert len(security_log.lines) == 2  # the login and the refusal, nothing else
    assert _fields(refused)["path"] == '"/nothing/\\u000a2026-01-01T00:00:00Z fake line"'


def test_other_loggers_are_escaped_too():
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", (FORGED,), None)
    formatted = SafeFormatter().format(record)
    assert "\n" not in formatted and "\r" not in formatted
    assert UTC_STAMP.match(formatted)


def test_escape_text_keeps_chinese_and_escapes_controls():
    assert escape_text("第一党支部") == "第一党支部"
    assert escape_text("a\nb\x00c\u2029") == "a\\u000ab\\u0000c\\u2029"


def _request(rf, **meta):
    return rf.get("/", **meta)


def test_client_ip_ignores_forwarded_for_unless_a_proxy_is_trusted(rf, settings):
    request = _request(rf, REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    settings.TRUSTED_PROXY = False
    assert client_ip(request) == "10.1.1.1"
    settings.TRUSTED_PROXY = True
    assert client_ip(request) == "203.0.113.5"  # the entry the proxy added, not the client's claim
    garbage = _request(rf, REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="not-an-ip\n")
    assert client_ip(garbage) == "10.1.1.1"


def test_the_plain_fake_line_stays_on_its_line(client, users, security_log):
    post_login(client, "zhishu11\n2026-01-01 fake line", "whatever")
    [line] = security_log.lines
    assert 'user="zhishu11\\u000a2026-01-01 fake line"' in line
