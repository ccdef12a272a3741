"""The deployment kit's renderer (deploy/render.py): what it derives from the environment file and what it refuses.
The kit itself runs for real in `make deploy-test` (tools/deploy_test.py)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))
from render import read_env_file, render_kit  # noqa: E402

TEMPLATE = ROOT / "deploy" / "zhenggai.env.template"


def env_file(tmp_path, **changes) -> Path:
    lines = []
    for line in TEMPLATE.read_text(encoding="utf-8").splitlines():
        key = line.partition("=")[0]
        lines.append(f"{key}={changes.pop(key)}" if not line.startswith("#") and key in changes else line)
    lines += [f"{key}={value}" for key, value in changes.items()]
    path = tmp_path / "zhenggai.env"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_template_renders_every_file_with_no_placeholder_left(tmp_path):
    written = render_kit(env_file=env_file(tmp_path), output=tmp_path / "kit")
    names = sorted(path.relative_to(tmp_path / "kit").as_posix() for path in written)
    assert names == ["nginx/zhenggai-proxy.conf", "nginx/zhenggai.conf", "systemd/zhenggai-beat.service",
                     "systemd/zhenggai-web.service", "systemd/zhenggai-worker.service"]
    for path in written:
        assert not re.search(r"@[A-Z_]+@", path.read_text()), path


def test_upload_limit_and_upstreams_follow_the_environment_file(tmp_path):
    path = env_file(tmp_path, EVIDENCE_MAX_BYTES=str(50 * 1024 * 1024), NGINX_UPSTREAMS="10.0.0.5:8000, 10.0.0.6:8000")
    site = (render_kit(env_file=path, output=tmp_path / "kit")[1]).read_text()
    assert "client_max_body_size 52224k;" in site  # 50 MB and 1 MB of form around it
    assert "server 10.0.0.5:8000" in site and "server 10.0.0.6:8000" in site


def test_private_files_are_never_named_in_the_site(tmp_path):
    values = read_env_file(TEMPLATE)
    site = render_kit(env_file=env_file(tmp_path), output=tmp_path / "kit")[1].read_text()
    assert values["PRIVATE_MEDIA_ROOT"] not in site
    assert f"alias {values['STATIC_ROOT']}/;" in site


@pytest.mark.parametrize("static_root", ["/var/lib/zhenggai/private/static", "/var/lib/zhenggai"])
def test_static_root_and_private_media_root_must_not_contain_each_other(tmp_path, static_root):
    with pytest.raises(SystemExit, match="must not contain each other"):
        render_kit(env_file=env_file(tmp_path, STATIC_ROOT=static_root), output=tmp_path / "kit")


def test_a_missing_setting_is_named(tmp_path):
    with pytest.raises(SystemExit, match="NGINX_TLS_CERTIFICATE_KEY"):
        render_kit(env_file=env_file(tmp_path, NGINX_TLS_CERTIFICATE_KEY=""), output=tmp_path / "kit")


# Read by the settings but not for production: the development server, the tests, a refused old name.
NOT_FOR_PRODUCTION = {"DJANGO_DEBUG", "TEST_DATABASE_NAME", "EMAIL_BACKEND", "REPORT_SIGNING_DIR"}
SETTING_READ = re.compile(r"""(?:env(?:\.\w+)?|absolute_path)\(\s*["']([A-Z][A-Z0-9_]*)["']""")


def test_the_template_lists_every_variable_the_settings_read():
    """Set, or commented out with its default: an operator finds every setting in the one file."""
    sources = "".join(path.read_text(encoding="utf-8") for path in (ROOT / "config" / "settings").glob("*.py"))
    read = set(SETTING_READ.findall(sources)) - NOT_FOR_PRODUCTION
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", TEMPLATE.read_text(encoding="utf-8"), flags=re.M))
    assert sorted(read - listed) == []
