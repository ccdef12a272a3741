"""Response headers: a strict Content-Security-Policy and the other browser protections; production
settings pass `check --deploy` with no warning."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def _directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


@pytest.mark.parametrize("signed_in", [False, True])
def test_csp_header_on_pages(client, users, signed_in):
    if signed_in:
        client.force_login(users["org"])
    response = client.get(reverse("branches:tree") if signed_in else reverse("login"))
    assert response.status_code == 200
    csp = _directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert not any("unsafe" in value for values in csp.values() for value in values)


def test_other_security_headers(client, users):
    client.force_login(users["secretary"])
    response = client.get(reverse("home"))
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    assert "no-store" in response["Cache-Control"]


def test_pages_carry_no_inline_style_or_event_handlers(client, users):
    """The CSP refuses them: a page that relies on one would silently break."""
    client.force_login(users["org"])
    for url in (reverse("home"), reverse("branches:tree"), reverse("accounts:two_factor_setup")):
        body = client.get(url).content.decode()
        assert " style=" not in body, url
        assert "<style" not in body, url
        assert " onclick=" not in body and " onload=" not in body, url


def test_base_template_turns_off_htmx_inline_indicator_styles(client):
    body = client.get(reverse("login")).content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles":false}\'>' in body


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "a-production-secret-with-enough-length-and-variety-0123456789-ABCDEFGH-!@#$%",
    "DJANGO_ALLOWED_HOSTS": "dangjian.example.edu.cn",
    "DATABASE_URL": "sqlite:////tmp/check-deploy-not-used.sqlite3",
}


def _run_check(extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "TEST_DATABASE"))}
    env.update(PRODUCTION_ENV, **extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = _run_check({})
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_is_clean_when_the_proxy_redirects_to_https():
    result = _run_check({"DJANGO_SECURE_SSL_REDIRECT": "False"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_would_catch_a_weak_setting():
    """The check above can fail: the same command with HSTS switched off does."""
    result = _run_check({"DJANGO_SECURE_HSTS_SECONDS": "0"})
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def test_production_cookies_are_secure():
    script = ("from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
              "s.SESSION_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS > 0, s.REQUIRE_2FA_FOR_STAFF)")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "TEST_DATABASE"))}
    env.update(PRODUCTION_ENV)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )
    assert result.stdout.split() == ["True"] * 5, result.stderr


INLINE_STYLE_OR_HANDLER = re.compile(r"""\sstyle\s*=|<style\b|\son[a-z]+\s*=|\shx-on[:-]|javascript:""", re.IGNORECASE)


def test_browser_templates_need_nothing_the_csp_refuses():
    """No style attribute or block, no on*= handler, no hx-on (htmx evaluates it), no javascript: URL.

    Templates rendered to PDF (…/pdf/) never reach a browser and may carry their own styles.
    """
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
        for path in (ROOT / "templates").rglob("*.html")
        if "pdf" not in path.relative_to(ROOT / "templates").parts
        for match in [INLINE_STYLE_OR_HANDLER.search(re.sub(r"{#.*?#}", "", path.read_text(encoding="utf-8")))]
        if match
    ]
    assert offenders == []
