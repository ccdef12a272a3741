"""Production settings pass `check --deploy` when the secrets and hosts are given."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _check_deploy(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def _base_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    return env


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = _base_env(tmp_path)
    env.update(DJANGO_SECRET_KEY=secrets.token_urlsafe(64), DJANGO_ALLOWED_HOSTS="dangjian.example.edu.cn")
    result = _check_deploy(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = _base_env(tmp_path)
    env.update(DJANGO_ALLOWED_HOSTS="dangjian.example.edu.cn")
    result = _check_deploy(env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_the_kits_environment_makes_no_key_file_and_names_the_missing_key(tmp_path):
    """deploy/zhenggai.env.template sets DJANGO_SECRET_KEY_FILE empty: a node without the shared key refuses to
    start with the message, instead of making a key of its own (in a code directory systemd keeps read-only)."""
    env = _base_env(tmp_path)
    env.update(DJANGO_ALLOWED_HOSTS="dangjian.example.edu.cn", DJANGO_SECRET_KEY_FILE="")
    result = _check_deploy(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DJANGO_SECRET_KEY" in result.stderr


# The key that earlier versions committed as the default: public, so a deployment must never sign with it.
COMMITTED_DEVELOPMENT_KEY = "embedded-dev-key-not-for-production-0123456789abcdefghijklmnop"


def test_production_refuses_to_start_with_the_development_key(tmp_path):
    env = _base_env(tmp_path)
    env.update(DJANGO_SECRET_KEY=COMMITTED_DEVELOPMENT_KEY, DJANGO_ALLOWED_HOSTS="dangjian.example.edu.cn")
    result = _check_deploy(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DJANGO_SECRET_KEY" in result.stderr


def _run_with_default_settings(tmp_path, code: str, **extra) -> subprocess.CompletedProcess:
    """Python with the settings a deployment gets when it forgets DJANGO_SETTINGS_MODULE and DJANGO_DEBUG."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", **extra)
    script = "import django, os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings.base')\n" \
             "django.setup()\n" + code
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


SERVER_ERROR = """
from django.core.handlers.exception import response_for_exception
from django.test import RequestFactory
try:
    raise RuntimeError("boom")
except RuntimeError as error:
    response = response_for_exception(RequestFactory().get("/"), error)
print(response.status_code)
print(response.content.decode())
"""


def test_default_settings_show_no_technical_error_page(tmp_path):
    """A deployment that forgot its settings module: an error is a plain 500, never the traceback with settings."""
    result = _run_with_default_settings(tmp_path, SERVER_ERROR)
    assert result.returncode == 0, result.stderr
    status, _, page = result.stdout.partition("\n")
    assert status == "500"
    assert "Traceback" not in page and "SECRET_KEY" not in page and "boom" not in page


def test_debug_is_on_only_when_asked_for(tmp_path):
    code = "from django.conf import settings; print(settings.DEBUG)"
    assert _run_with_default_settings(tmp_path, code).stdout.strip() == "False"
    assert _run_with_default_settings(tmp_path, code, DJANGO_DEBUG="True").stdout.strip() == "True"


def test_default_settings_sign_with_no_committed_key(tmp_path):
    """Without DJANGO_SECRET_KEY the app signs with a random key of this installation, the same at every start."""
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    key_file = tmp_path / "secret_key"
    first = _run_with_default_settings(tmp_path, code, DJANGO_SECRET_KEY_FILE=str(key_file))
    second = _run_with_default_settings(tmp_path, code, DJANGO_SECRET_KEY_FILE=str(key_file))
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert key == second.stdout.strip() == key_file.read_text().strip()
    assert key != COMMITTED_DEVELOPMENT_KEY and len(key) >= 50
    assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner only
