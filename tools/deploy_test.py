"""Run the deployment kit (deploy/) for real on this machine and use the app through it (`make deploy-test`).

Two nodes, as two servers would have them: each its own environment file (written from
deploy/zhenggai.env.template), its own rendered units, working directory and runtime directory. Node 1 runs
gunicorn and the Celery worker, node 2 gunicorn and beat; nginx (the kit's site, HTTPS with a self-signed
certificate) spreads requests over both gunicorns. They share what production nodes share: a fresh
PostgreSQL database, a redis-server of their own, STATIC_ROOT and PRIVATE_MEDIA_ROOT. Every command line is
the rendered units' ExecStart (systemd's expansion of ${VAR} and %%) and deploy/zhenggai-manage.

Then, through nginx: redirects, static files, a 附件2 export and a signed 附件3 report made by the worker,
private files unreachable, /health/ and /metrics for loopback only, both gunicorns used, nothing written to a
working directory or the checkout. Everything is stopped and dropped at the end, also on failure.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import openpyxl
import requests
import urllib3

ROOT = Path(__file__).resolve().parent.parent
KIT = ROOT / "deploy"
sys.dont_write_bytecode = True  # the check that nothing is written into the checkout includes this script
sys.path.insert(0, str(KIT))
from render import read_env_file, render_kit  # noqa: E402

POSTGRES = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}
DEMO_PASSWORD = "demo-pass-2022"  # branches/demo.py
EXPORTER = "zongzhi1"  # staff of the first general branch: exports its subtree
REPORTER = "zongzhi2"  # staff of the second general branch: the demo leaves its report a draft
MONITORING_NETWORK = "198.51.100.0/24"  # TEST-NET-2: not an address of this machine


STARTED = time.monotonic()


def step(message: str) -> None:
    print(f"deploy-test [{time.monotonic() - STARTED:5.1f} s] {message}", flush=True)


def check(condition: object, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, *, timeout: float, what: str, every: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException, OSError):
            value = condition()
            if value:
                return value
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


# --- systemd, as far as the kit's units use it ------------------------------------------------------------

def read_unit(path: Path) -> dict[str, list[str]]:
    """The [Service] section's settings, each key with its values in order."""
    settings: dict[str, list[str]] = {}
    section = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and line and not line.startswith(("#", ";")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def unit_command(path: Path, runtime_root: Path) -> tuple[list[str], dict[str, str], Path]:
    """What systemd would start for the unit: ExecStart's argv, the environment, the working directory.
    RuntimeDirectory=NAME, which systemd makes empty at /run/NAME, is made empty under runtime_root instead."""
    unit = read_unit(path)
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(ROOT.anchor)}
    for assignments in unit.get("Environment", []):
        env.update(word.split("=", 1) for word in shlex.split(assignments))
    for env_file in unit.get("EnvironmentFile", []):
        env.update(read_env_file(Path(env_file)))
    for name in " ".join(unit.get("RuntimeDirectory", [])).split():
        shutil.rmtree(runtime_root / name, ignore_errors=True)
        (runtime_root / name).mkdir(parents=True)
        env = {key: value.replace(f"/run/{name}", str(runtime_root / name)) for key, value in env.items()}
    (exec_start,) = unit["ExecStart"]

    def expand(word: str) -> str:
        word = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env.get(m.group(1), ""), word)
        return word.replace("%%", "%")

    check("$" not in re.sub(r"\$\{[^}]*\}", "", exec_start), f"{path.name}: only ${{VAR}} expansions are used")
    argv = [expand(word) for word in shlex.split(exec_start)]
    (working_directory,) = unit["WorkingDirectory"]
    return argv, env, Path(working_directory)


def verify_units(folder: Path) -> None:
    """systemd's own check of the rendered units: syntax, unknown settings, commands that do not exist."""
    if not shutil.which("systemd-analyze"):
        step("no systemd-analyze here: the units' syntax is not verified")
        return
    units = sorted(str(path) for path in folder.glob("*.service"))
    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True)
    check(result.returncode == 0 and not result.stderr.strip() and not result.stdout.strip(),
          f"systemd-analyze verify: {result.stdout}{result.stderr}")
    step(f"systemd-analyze verify: {len(units)} units without a remark")


# --- The processes ----------------------------------------------------------------------------------------

class Processes:
    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str], *, env: dict | None = None, cwd: Path | None = None) -> Path:
        log = self.logs / f"{name}.log"
        with log.open("wb") as handle:
            process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.running.append((name, process))
        step(f"started {name} (pid {process.pid}): {shlex.join(argv)}")
        return log

    def check_alive(self) -> None:
        for name, process in self.running:
            if process.poll() is not None:
                tail = (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]
                raise AssertionError(f"{name} exited with {process.returncode}:\n{tail}")

    def stop_all(self) -> None:
        for _name, process in reversed(self.running):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for name, process in reversed(self.running):
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                step(f"{name} did not stop on SIGTERM: killing it")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        self.running.clear()


def run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise AssertionError(f"{shlex.join(argv)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def postgres(tool: str, *args: str) -> None:
    run([tool, "-h", POSTGRES["host"], "-p", POSTGRES["port"], "-U", POSTGRES["user"], *args])


# --- The environment files and the kit -------------------------------------------------------------------

def environment_file(values: dict[str, str]) -> str:
    """The template with this node's values: only variables the template lists may be set."""
    template = (KIT / "zhenggai.env.template").read_text(encoding="utf-8")
    listed = set(read_env_file(KIT / "zhenggai.env.template"))
    unknown = sorted(set(values) - listed)
    check(not unknown, f"deploy/zhenggai.env.template does not list {unknown}")
    lines = []
    for line in template.splitlines():
        key = line.partition("=")[0]
        lines.append(f"{key}={values[key]}" if not line.startswith("#") and key in values else line)
    text = "\n".join(lines) + "\n"
    unset = [line for line in lines if "CHANGE-ME" in line and not line.startswith("#")]
    check(not unset, f"the template's CHANGE-ME left unset: {unset}")
    return text


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "tls.crt", directory / "tls.key"
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)])
    return cert, key


def nginx_main_conf(prefix: Path, site: Path) -> Path:
    """The server-wide part Debian's /etc/nginx/nginx.conf provides in production; the site is the kit's."""
    conf = prefix / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""  # the workers read the test's private temp directory
    conf.write_text(f"""{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {site};
}}
""")
    return conf


def seed_demo(env_file: Path) -> None:
    """seed_demo as zhenggai-manage runs commands, with quick password hashes (tests/deploy_seed_settings.py)."""
    values = read_env_file(env_file)
    env = {**os.environ, **values, "PYTHONPATH": values["APP_DIR"], "PYTHONDONTWRITEBYTECODE": "1",
           "DJANGO_SETTINGS_MODULE": "tests.deploy_seed_settings"}
    step("seed_demo (production settings, quick password hashes)")
    run([f"{values['APP_DIR']}/.venv/bin/python", f"{values['APP_DIR']}/manage.py", "seed_demo"], env=env,
        cwd=values["STATE_DIR"], timeout=300)


# --- Through nginx ---------------------------------------------------------------------------------------

class Browser:
    """A signed-in person's session against the site, over HTTPS with the test's certificate."""

    def __init__(self, origin: str, cert: Path) -> None:
        self.origin = origin
        self.session = requests.Session()
        self.cert = str(cert)  # per request: a session's own `verify` loses to REQUESTS_CA_BUNDLE

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.origin + path, timeout=30, verify=self.cert, **kwargs)

    def post(self, path: str, data: dict, files: dict | None = None, **kwargs) -> requests.Response:
        data = {"csrfmiddlewaretoken": self.session.cookies.get("csrftoken"), **data}
        return self.session.post(self.origin + path, data=data, files=files, timeout=60, verify=self.cert,
                                 headers={"Referer": self.origin + path}, **kwargs)

    def sign_in(self, username: str) -> None:
        self.get("/accounts/login/")
        response = self.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD},
                             allow_redirects=False)
        check(response.status_code == 302, f"signing in as {username}: {response.status_code}")
        home = self.get("/")
        check(home.status_code == 200 and "/accounts/login/" not in home.url, f"{username} is not signed in")

    def finished_job(self, job_path: str) -> str:
        """Wait for the worker to finish the job; the download link it shows."""
        def done():
            page = self.get(job_path).text
            check("任务失败" not in page, f"the job {job_path} failed")
            return re.search(r'href="(/jobs/\d+/download/)"', page) or ("badge text-bg-success" in page)
        found = wait_until(done, timeout=60, what=f"the worker finishing {job_path}", every=0.5)
        return found.group(1) if isinstance(found, re.Match) else ""


def first(pattern: str, text: str, what: str) -> re.Match:
    match = re.search(pattern, text)
    check(match, f"not found on the page: {what}")
    return match


def png(size: tuple[int, int], color: tuple) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGBA", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def check_export(browser: Browser) -> None:
    browser.sign_in(EXPORTER)
    index = browser.get("/ledger/exports/").text
    campaign = first(r'/ledger/campaigns/(\d+)/export/', index, "a campaign to export").group(1)
    page = browser.get(f"/ledger/campaigns/{campaign}/export/").text
    unit = first(r'name="unit" value="(\d+)"', page, "a unit to export").group(1)
    response = browser.post(f"/ledger/campaigns/{campaign}/export/start/", {"unit": unit})
    job = first(r"(/jobs/\d+/)$", response.url, "the export's job page").group(1)
    download = browser.finished_job(job)
    check(download, "the finished export offers no download")
    xlsx = browser.get(download)
    check(xlsx.status_code == 200 and xlsx.content[:2] == b"PK", f"the export download: {xlsx.status_code}")
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    rows = [row for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
            if any(cell not in (None, "") for cell in row)]
    text = " ".join(str(cell) for row in rows for cell in row if cell is not None)
    check("附件2" in text or "问题" in text, "the export is not a 附件2 workbook")
    check(len(workbook.worksheets) >= 1 and len(rows) > 5, f"the export has {len(rows)} rows")
    step(f"附件2 export by the worker: {len(workbook.worksheets)} sheet(s), {len(rows)} rows, {len(xlsx.content)} bytes")


def check_signed_report(browser: Browser) -> bytes:
    browser.sign_in(REPORTER)
    index = browser.get("/reports/").text
    edit = first(r'href="(/reports/campaigns/\d+/units/\d+/)"', index, "the unit's report").group(1)
    stamps = first(r'href="(/reports/units/\d+/stamps/)"', index, "the stamps page").group(1)
    for kind, image in (("signature", png((300, 100), (20, 20, 60, 255))), ("seal", png((240, 240), (200, 0, 0, 230)))):
        browser.get(stamps)
        response = browser.post(stamps, {"kind": kind}, files={"image": (f"{kind}.png", image, "image/png")})
        check(response.status_code == 200 and "/accounts/login/" not in response.url, f"uploading the {kind}")
    page = browser.get(edit).text
    sign = first(r'href="(/reports/(\d+)/sign/)"', page, "the sign link")
    sign_page = browser.get(sign.group(1)).text
    version = first(r'name="version" value="(\d+)"', sign_page, "the report's version").group(1)
    response = browser.post(sign.group(1), {"version": version, "confirmed": "on", "password": DEMO_PASSWORD})
    browser.finished_job(first(r"(/jobs/\d+/)$", response.url, "the signing job's page").group(1))
    pdf = browser.get(f"/reports/{sign.group(2)}/signed.pdf")
    check(pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), f"the signed PDF: {pdf.status_code}")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf.content)
        handle.flush()
        signatures = subprocess.run(["pdfsig", handle.name], capture_output=True, text=True).stdout
    check("Signature is Valid" in signatures, f"pdfsig does not find a valid signature:\n{signatures}")
    step(f"附件3 signed by the worker: {len(pdf.content)} bytes, pdfsig: Signature is Valid")
    return pdf.content


def check_private_files_unreachable(origin: str, cert: Path, private_root: Path, static_root: Path) -> None:
    files = [p for p in private_root.rglob("*") if p.is_file()]
    check(files, "PRIVATE_MEDIA_ROOT holds no file to try")
    for path in files[:20]:
        relative = path.relative_to(private_root).as_posix()
        content = path.read_bytes()
        for url in (f"/{relative}", f"/media/{relative}", f"/private_media/{relative}", f"/private/{relative}",
                    f"/static/../{private_root.name}/{relative}",
                    f"/static/{os.path.relpath(path, static_root)}"):
            response = requests.get(origin + url, verify=str(cert), timeout=10, allow_redirects=False)
            check(not (response.status_code == 200 and response.content == content),
                  f"nginx served the private file {relative} at {url}")
    step(f"none of {min(len(files), 20)} private files is reachable through nginx")


def check_monitoring(origin: str, cert: Path, https_port: int) -> None:
    outside = [address for address in subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
               if ":" not in address and not address.startswith("127.")]
    if outside:
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # the certificate names 127.0.0.1 only
        for path in ("/health/", "/metrics"):
            response = requests.get(f"https://{outside[0]}:{https_port}{path}", verify=False, timeout=10)
            check(response.status_code == 403, f"{path} from {outside[0]}: {response.status_code}, not 403")
        step(f"/health/ and /metrics refused (403) from {outside[0]}, outside loopback and the monitoring network")
    else:
        step("no non-loopback address on this machine: the refusal of /health/ and /metrics is not tried")
    # The heartbeats /health/ checks come with beat's first minute: wait for them.
    last = {}

    def healthy() -> bool:
        last["response"] = requests.get(origin + "/health/?format=json", verify=str(cert), timeout=10)
        return last["response"].status_code == 200

    with contextlib.suppress(AssertionError):
        wait_until(healthy, timeout=90, what="/health/ 200", every=2)
    health = last["response"]
    check(health.status_code == 200, f"/health/ from loopback: {health.status_code} {health.text[:300]}")
    health_json = requests.get(origin + "/health/?format=json", verify=str(cert), timeout=10)
    check(health_json.status_code == 200 and isinstance(health_json.json(), dict), "/health/?format=json")
    metrics = requests.get(origin + "/metrics", verify=str(cert), timeout=10)
    check(metrics.status_code == 200 and "# TYPE" in metrics.text, f"/metrics from loopback: {metrics.status_code}")
    step(f"/health/ {health.status_code} (JSON: {json.dumps(health_json.json(), ensure_ascii=False)[:200]}), "
         f"/metrics {len(metrics.text.splitlines())} lines, through nginx from loopback")


def served_requests(log: Path) -> int:
    return sum(1 for line in log.read_text(errors="replace").splitlines() if re.search(r'"(GET|POST) /', line))


def checkout_files() -> set[str]:
    """Every file of the checkout (git's own files and symlinked folders aside). New files only: an editor
    saving a tracked file while the test runs is not the stack writing."""
    files = set()
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name != ".git"]
        files.update(str(Path(folder, name).relative_to(ROOT)) for name in names)
    return files


# --- The run ----------------------------------------------------------------------------------------------

def stop_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)  # make interrupted, a CI timeout: still stop the stack and drop the database


def main() -> int:
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="zhenggai-deploy-"))
    processes = Processes(tmp)
    database = f"zhenggai_deploy_{os.getpid()}"
    database_created = False
    checkout_before = checkout_files()
    try:
        ports = {name: free_port() for name in ("https", "http", "web1", "web2", "redis")}
        origin = f"https://127.0.0.1:{ports['https']}"
        shared = tmp / "shared"
        static_root, private_root = shared / "static", shared / "private"
        private_root.mkdir(parents=True)
        cert, key = self_signed_certificate(tmp)
        step(f"self-signed certificate, ports {ports}")

        processes.start("redis", ["redis-server", "--port", str(ports["redis"]), "--bind", "127.0.0.1",
                                  "--save", "", "--appendonly", "no"], cwd=tmp)
        postgres("createdb", database)
        database_created = True
        step(f"created database {database}")

        secret_key = secrets.token_urlsafe(64)
        nodes = []
        for number in (1, 2):
            node = tmp / f"node{number}"
            (node / "state").mkdir(parents=True)
            env_file = node / "zhenggai.env"
            env_file.write_text(environment_file({
                "APP_DIR": str(ROOT), "APP_USER": "root", "STATE_DIR": str(node / "state"),
                "WEB_BIND": f"127.0.0.1:{ports[f'web{number}']}", "WEB_WORKERS": "2", "WORKER_CONCURRENCY": "2",
                "NGINX_SERVER_NAME": "127.0.0.1", "NGINX_HTTP_PORT": str(ports["http"]),
                "NGINX_HTTPS_PORT": str(ports["https"]), "NGINX_TLS_CERTIFICATE": str(cert),
                "NGINX_TLS_CERTIFICATE_KEY": str(key), "MONITORING_ALLOWED_IPS": f"127.0.0.1,::1,{MONITORING_NETWORK}",
                "NGINX_UPSTREAMS": f"127.0.0.1:{ports['web1']},127.0.0.1:{ports['web2']}",
                "DJANGO_SECRET_KEY": secret_key, "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                "DJANGO_CSRF_TRUSTED_ORIGINS": origin, "SITE_URL": origin,
                # The demo's staff accounts have no authenticator enrolled.
                "DJANGO_REQUIRE_2FA_FOR_STAFF": "False",
                "DATABASE_URL": f"postgres://{POSTGRES['user']}@{POSTGRES['host']}:{POSTGRES['port']}/{database}",
                "REDIS_URL": f"redis://127.0.0.1:{ports['redis']}/0",
                "STATIC_ROOT": str(static_root), "PRIVATE_MEDIA_ROOT": str(private_root),
                # Built once by `make install` (a minute of work): the checkout's, read-only here.
                "REPORT_FONT_DIR": str(ROOT / "var" / "fonts"),
                "EMAIL_URL": "", "LOG_LEVEL": "INFO",
            }))
            kit = node / "kit"
            render_kit(env_file=env_file, output=kit)
            nodes.append({"dir": node, "env": env_file, "kit": kit})
        step("environment files written from deploy/zhenggai.env.template, kit rendered for both nodes")
        verify_units(nodes[0]["kit"] / "systemd")

        manage = [str(KIT / "zhenggai-manage"), str(nodes[0]["env"])]
        for command in (["check", "--deploy", "--fail-level", "WARNING"], ["migrate", "--noinput", "-v", "0"],
                        ["collectstatic", "--noinput", "-v", "0"],
                        ["create_signing_ca", "--organization", "部署测试党委"]):
            step(f"zhenggai-manage {' '.join(command)}")
            run([*manage, *command], timeout=300)

        services = [("web1", nodes[0], "zhenggai-web"), ("worker", nodes[0], "zhenggai-worker"),
                    ("web2", nodes[1], "zhenggai-web"), ("beat", nodes[1], "zhenggai-beat")]
        logs = {}
        for name, node, unit in services:
            argv, env, cwd = unit_command(node["kit"] / "systemd" / f"{unit}.service", node["dir"] / "run")
            logs[name] = processes.start(name, argv, env=env, cwd=cwd)
        # While they start: beat's first heartbeat (/health/) comes with the next minute, whatever else runs.
        seed_demo(nodes[0]["env"])

        prefix = tmp / "nginx"
        prefix.mkdir()
        site = nodes[0]["kit"] / "nginx" / "zhenggai.conf"
        conf = nginx_main_conf(prefix, site)
        run(["nginx", "-t", "-p", str(prefix), "-c", str(conf)])
        processes.start("nginx", ["nginx", "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"], cwd=prefix)

        for name in ("web1", "web2"):
            port = ports[name]
            wait_until(lambda port=port: socket.create_connection(("127.0.0.1", port), timeout=1),
                       timeout=60, what=f"{name} listening on {port}")
        wait_until(lambda: requests.get(origin + "/accounts/login/", verify=str(cert), timeout=5).status_code == 200,
                   timeout=30, what="the login page through nginx")
        wait_until(lambda: "ready" in logs["worker"].read_text(errors="replace"), timeout=60,
                   what="the Celery worker ready")
        processes.check_alive()
        step("stack up: nginx → web1 + web2, worker, beat, redis, PostgreSQL")

        redirect = requests.get(f"http://127.0.0.1:{ports['http']}/accounts/login/?next=/", allow_redirects=False,
                                timeout=10)
        check(redirect.status_code == 301 and redirect.headers["Location"] == f"{origin}/accounts/login/?next=/",
              f"HTTP is not redirected to HTTPS: {redirect.status_code} {redirect.headers.get('Location')}")
        step(f"http:// redirects to {redirect.headers['Location']}")

        manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
        static_name = manifest[next(name for name in manifest if name.endswith(".css"))]
        static = requests.get(f"{origin}/static/{static_name}", verify=str(cert), timeout=10)
        check(static.status_code == 200 and static.content == (static_root / static_name).read_bytes(),
              f"static file {static_name}: {static.status_code}")
        check("max-age=2592000" in static.headers.get("Cache-Control", ""), f"static caching: {static.headers}")
        login = requests.get(origin + "/accounts/login/", verify=str(cert), timeout=10)
        check("max-age=" in login.headers.get("Strict-Transport-Security", ""), "HSTS on the app's pages")
        check(re.search(r'/static/[^"]+\.[0-9a-f]{12}\.css', login.text), "pages link hashed static names")
        step(f"static file served by nginx from STATIC_ROOT with Cache-Control: {static.headers['Cache-Control']}")

        check_export(Browser(origin, cert))
        check_signed_report(Browser(origin, cert))
        check_private_files_unreachable(origin, cert, private_root, static_root)

        counts = {name: served_requests(logs[name]) for name in ("web1", "web2")}
        check(all(counts.values()), f"both gunicorn instances must have served requests: {counts}")
        step(f"requests served per gunicorn instance (their own access logs): {counts}")

        for number, node in enumerate(nodes, 1):
            left = sorted(p.name for p in (node["dir"] / "state").iterdir())
            allowed = [name for name in left if name.startswith("celerybeat-schedule") and number == 2]
            check(left == allowed, f"node {number} wrote into its working directory: {left}")
        added = sorted(checkout_files() - checkout_before)
        check(not added, f"the stack wrote into the checkout: {added}")
        step("nothing written to the working directories (but beat's schedule) or the checkout")

        check_monitoring(origin, cert, ports["https"])
        processes.check_alive()
        step(f"passed in {time.monotonic() - started:.0f} s")
        return 0
    except Exception as failure:
        print(f"deploy-test: FAILED: {failure}", file=sys.stderr)
        if not isinstance(failure, AssertionError):
            traceback.print_exc()
        for log in sorted(tmp.glob("*.log")):
            print(f"--- {log.name} (last lines) ---\n{log.read_text(errors='replace')[-1500:]}", file=sys.stderr)
        return 1
    finally:
        step("stopping everything")
        processes.stop_all()
        if database_created:
            with contextlib.suppress(AssertionError):
                postgres("dropdb", "--if-exists", "--force", database)
        if os.environ.get("DEPLOY_TEST_KEEP"):
            step(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        step("stopped everything, dropped the database")


if __name__ == "__main__":
    sys.exit(main())
