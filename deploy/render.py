"""Render the deployment kit (deploy/**/*.in) for one node from its environment file.

    python3 deploy/render.py --env /etc/zhenggai/zhenggai.env --output /tmp/zhenggai-kit

writes systemd/zhenggai-{web,worker,beat}.service, nginx/zhenggai.conf and nginx/zhenggai-proxy.conf under
--output; install them as docs/operations.md ("Running in production") says. Every @NAME@ in a template is a
line of the environment file or one of the values derived below; a name left unfilled is an error.
Standard library only: it runs before the virtualenv exists.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

KIT = Path(__file__).resolve().parent
PLACEHOLDER = re.compile(r"@([A-Z][A-Z0-9_]*)@")
# Room for the multipart form around the largest upload.
FORM_OVERHEAD_BYTES = 1024 * 1024
DEFAULT_EVIDENCE_MAX_BYTES = 20 * 1024 * 1024


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile reads them (comments, blank lines, optional quotes)."""
    values = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key.strip()):
            raise SystemExit(f"{path}:{number}: not KEY=VALUE: {line}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _inside(path: str, folder: str) -> bool:
    return Path(path).resolve().is_relative_to(Path(folder).resolve())


def kit_values(env: dict[str, str], *, env_file: Path, snippets: Path) -> dict[str, str]:
    """The environment file's values and the ones derived from them."""
    for private, public in (("PRIVATE_MEDIA_ROOT", "STATIC_ROOT"), ("STATIC_ROOT", "PRIVATE_MEDIA_ROOT")):
        if env.get(private) and env.get(public) and _inside(env[public], env[private]):
            raise SystemExit(f"STATIC_ROOT and PRIVATE_MEDIA_ROOT must not contain each other: nginx serves "
                             f"STATIC_ROOT, and must never serve a private file ({env[public]} is inside {env[private]})")
    largest = int(env.get("EVIDENCE_MAX_BYTES") or DEFAULT_EVIDENCE_MAX_BYTES)
    upstreams = [u.strip() for u in env.get("NGINX_UPSTREAMS", "").split(",") if u.strip()]
    # The app's own default when the list is not set: loopback only.
    monitoring = [a.strip() for a in env.get("MONITORING_ALLOWED_IPS", "127.0.0.1,::1").split(",") if a.strip()]
    return {
        **env,
        "ENV_FILE": str(env_file),
        "CLIENT_MAX_BODY_SIZE": f"{-(-(largest + FORM_OVERHEAD_BYTES) // 1024)}k",
        "NGINX_UPSTREAM_SERVERS": "\n".join(f"    server {u} max_fails=3 fail_timeout=10s;" for u in upstreams),
        "PROXY_PARAMS": str(snippets / "zhenggai-proxy.conf"),
        "NGINX_MONITORING_ALLOW": "\n".join(f"        allow {a};" for a in monitoring) or "        # nobody",
    }


def render(template: str, values: dict[str, str], *, name: str) -> str:
    missing = sorted({m for m in PLACEHOLDER.findall(template) if not values.get(m)})
    if missing:
        raise SystemExit(f"{name}: no value for {', '.join(missing)} in the environment file")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def render_kit(*, env_file: Path, output: Path, snippets: Path | None = None) -> list[Path]:
    """Render every template under deploy/ into output (same relative paths, without .in)."""
    env_file = env_file.resolve()
    values = kit_values(read_env_file(env_file), env_file=env_file, snippets=snippets or output / "nginx")
    written = []
    for template in sorted(KIT.glob("*/*.in")):
        target = output / template.relative_to(KIT).with_suffix("")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(template.read_text(encoding="utf-8"), values, name=template.name), encoding="utf-8")
        written.append(target)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", type=Path, required=True, help="the node's environment file")
    parser.add_argument("--output", type=Path, required=True, help="directory to write the rendered files into")
    parser.add_argument("--nginx-snippets", type=Path, default=Path("/etc/nginx/snippets"),
                        help="where zhenggai-proxy.conf is installed (default /etc/nginx/snippets)")
    args = parser.parse_args()
    for path in render_kit(env_file=args.env, output=args.output, snippets=args.nginx_snippets):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
