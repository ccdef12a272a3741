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
