"""A real CAS server for the tests: LemonLDAP::NG's portal behind its own nginx.

`llng-fastcgi-server` runs the portal (FastCGI on a unix socket), nginx serves it on a free port, both from a
temporary directory holding their whole configuration: lemonldap-ng.ini (found through LLNG_DEFAULTCONFFILE),
a File configuration backend with one lmConf-1.json, the session stores and nginx's prefix. Authentication is
LemonLDAP's built-in Demo: users dwho, rtyler and msmith, each with its login as password. The CAS issuer knows
one application, the product under test, and releases cn, mail, uid and employeeNumber (a per-application macro)
to it. Nothing here needs root; run as root (as in the CI container) the portal refuses to, so it and nginx's
workers drop to nobody.
"""

import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import requests

LLNG_FASTCGI_SERVER = "/usr/sbin/llng-fastcgi-server"
NGINX = "/usr/sbin/nginx"
PORTAL_ROOT = Path("/usr/share/lemonldap-ng/portal")

# The Demo users and the employee numbers the CAS server releases for them (an attribute a real directory holds).
EMPLOYEE_NUMBERS = {"dwho": "2022001", "rtyler": "2022002", "msmith": "2022003"}


def available():
    return all(os.path.exists(path) for path in (LLNG_FASTCGI_SERVER, NGINX, PORTAL_ROOT / "htdocs"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _employee_number_macro():
    cases = " : ".join(f'$uid eq "{login}" ? "{number}"' for login, number in EMPLOYEE_NUMBERS.items())
    return f'{cases} : ""'


def _lmconf(*, portal_url, service_url, state):
    return {
        "cfgNum": 1,
        "cfgAuthor": "tests",
        "cfgDate": str(int(time.time())),
        "cfgVersion": "2.16.1",
        "authentication": "Demo",
        "userDB": "Same",
        "passwordDB": "Demo",
        "registerDB": "Null",
        "demoExportedVars": {"cn": "cn", "mail": "mail", "uid": "uid"},
        "portal": portal_url,
        "domain": "127.0.0.1",
        "cookieName": "lemonldap",
        "securedCookie": 0,
        "timeout": 3600,
        "whatToTrace": "uid",
        "macros": {},
        "groups": {},
        "exportedVars": {},
        "locationRules": {},
        "exportedHeaders": {},
        "notification": 0,
        "loginHistoryEnabled": 0,
        "portalSkin": "bootstrap",
        "globalStorage": "Apache::Session::File",
        "globalStorageOptions": {
            "Directory": str(state / "sessions"),
            "LockDirectory": str(state / "sessions" / "lock"),
            "generateModule": "Lemonldap::NG::Common::Apache::Session::Generate::SHA256",
        },
        "persistentStorage": "Apache::Session::File",
        "persistentStorageOptions": {
            "Directory": str(state / "psessions"),
            "LockDirectory": str(state / "psessions" / "lock"),
        },
        "localSessionStorage": "Cache::FileCache",
        "localSessionStorageOptions": {
            "cache_root": str(state / "cache"),
            "cache_depth": 3,
            "default_expires_in": 600,
            "directory_umask": "007",
            "namespace": "lemonldap-ng-sessions",
        },
        # The CAS issuer: only the registered service (the product) gets tickets.
        "issuerDBCASActivation": 1,
        "casAccessControlPolicy": "error",
        "casAppMetaDataOptions": {
            "zhenggai": {"casAppMetaDataOptionsService": service_url},
        },
        "casAppMetaDataExportedVars": {
            "zhenggai": {"cn": "cn", "mail": "mail", "uid": "uid", "employeeNumber": "employeeNumber"},
        },
        "casAppMetaDataMacros": {"zhenggai": {"employeeNumber": _employee_number_macro()}},
    }


def _ini(*, state):
    return f"""[all]
logLevel = warn
logger = Lemonldap::NG::Common::Logger::Std
checkTime = 1

[configuration]
type = File
dirName = {state / "conf"}
localStorage = Cache::FileCache
localStorageOptions = {{ 'namespace' => 'lemonldap-ng-config', 'default_expires_in' => 600, \\
    'directory_umask' => '007', 'cache_root' => '{state / "cache"}', 'cache_depth' => 3 }}

[portal]
staticPrefix = /static
templateDir = {PORTAL_ROOT / "templates"}
languages = en, fr

[handler]
status = 0
"""


def _nginx_conf(*, state, port, fastcgi_socket, as_root):
    htdocs = PORTAL_ROOT / "htdocs"
    user = "user nobody nogroup;" if as_root else ""
    return f"""{user}
daemon off;
worker_processes 1;
pid {state / "nginx.pid"};
error_log {state / "nginx-error.log"} warn;
events {{ worker_connections 64; }}
http {{
  access_log {state / "nginx-access.log"};
  client_body_temp_path {state / "nginx-tmp" / "body"};
  fastcgi_temp_path {state / "nginx-tmp" / "fastcgi"};
  proxy_temp_path {state / "nginx-tmp" / "proxy"};
  uwsgi_temp_path {state / "nginx-tmp" / "uwsgi"};
  scgi_temp_path {state / "nginx-tmp" / "scgi"};
  include /etc/nginx/mime.types;
  server {{
    listen 127.0.0.1:{port};
    server_name 127.0.0.1;
    root {htdocs}/;
    if ($uri !~ ^/((static|javascript|favicon).*|.*\\.psgi)) {{
      rewrite ^/(.*)$ /index.psgi/$1 break;
    }}
    location ~ ^(?<sc>/.*\\.psgi)(?:$|/) {{
      include /etc/nginx/fastcgi_params;
      fastcgi_pass unix:{fastcgi_socket};
      fastcgi_param HTTP_HOST $http_host;
      fastcgi_param LLTYPE psgi;
      fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
      fastcgi_split_path_info ^(.*\\.psgi)(/.*)$;
      fastcgi_param PATH_INFO $fastcgi_path_info;
    }}
    location /static/ {{ alias {htdocs}/static/; }}
    location /javascript/ {{ alias /usr/share/javascript/; }}
  }}
}}
"""


@dataclass
class CasServer:
    url: str
    state: Path
    processes: list = field(default_factory=list)

    def log(self):
        """What the portal and nginx wrote, for a failing test's message."""
        parts = []
        for name in ("portal.log", "nginx-error.log"):
            path = self.state / name
            if path.exists():
                parts.append(f"--- {name}\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)

    def stop(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        shutil.rmtree(self.state, ignore_errors=True)


def _chown_tree(path, uid, gid):
    for root, dirs, files in os.walk(path):
        os.chown(root, uid, gid)
        for name in files:
            os.chown(os.path.join(root, name), uid, gid)


def _wait_until_serving(server, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in server.processes:
            if process.poll() is not None:
                raise RuntimeError(f"the CAS server stopped at start-up\n{server.log()}")
        try:
            with urllib.request.urlopen(server.url, timeout=5) as response:  # noqa: S310 - our own local server
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the CAS server did not answer within {timeout} s\n{server.log()}")


def start(*, service_url):
    """Start the portal and nginx; `service_url` is the product's CAS service (its login URL's prefix)."""
    state = Path(tempfile.mkdtemp(prefix="llng-"))
    as_root = os.geteuid() == 0
    for name in ("conf", "cache", "sessions/lock", "psessions/lock", "nginx-tmp"):
        (state / name).mkdir(parents=True)
    port = free_port()
    portal_url = f"http://127.0.0.1:{port}/"
    (state / "conf" / "lmConf-1.json").write_text(
        json.dumps(_lmconf(portal_url=portal_url, service_url=service_url, state=state), indent=1)
    )
    (state / "lemonldap-ng.ini").write_text(_ini(state=state))
    fastcgi_socket = state / "portal.sock"
    (state / "nginx.conf").write_text(
        _nginx_conf(state=state, port=port, fastcgi_socket=fastcgi_socket, as_root=as_root)
    )
    portal_user = []
    if as_root:
        nobody = pwd.getpwnam("nobody")
        os.chmod(state, 0o755)
        _chown_tree(state, nobody.pw_uid, nobody.pw_gid)
        portal_user = ["--user", "nobody", "--group", "nogroup"]
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LLNG_DEFAULTCONFFILE": str(state / "lemonldap-ng.ini"),
        "LLNG_DEFAULTLOGGER": "Lemonldap::NG::Common::Logger::Std",
    }
    server = CasServer(url=portal_url, state=state)
    with open(state / "portal.log", "wb") as portal_log:  # each process keeps its own copy of the handle
        server.processes.append(
            subprocess.Popen(  # noqa: S603 - fixed local programs
                [LLNG_FASTCGI_SERVER, "--foreground", "--proc", "2", "--socket", str(fastcgi_socket),
                 "--pid", str(state / "portal.pid"), *portal_user],
                env=environment, stdout=portal_log, stderr=subprocess.STDOUT,
            )
        )
        server.processes.append(
            subprocess.Popen(  # noqa: S603 - fixed local programs
                [NGINX, "-p", str(state), "-c", str(state / "nginx.conf"), "-e", str(state / "nginx-error.log")],
                env=environment, stdout=portal_log, stderr=subprocess.STDOUT,
            )
        )
    try:
        _wait_until_serving(server)
    except Exception:
        server.stop()
        raise
    return server


def portal_sign_in(cas_login_url, *, login, password=None, session=None):
    """Sign in at the portal's form the way a browser would; returns the redirect back to the service
    (its URL carries the ticket) and the `requests` session that now holds the CAS server's cookie."""
    session = session or requests.Session()
    page = session.get(cas_login_url, timeout=30)
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text))
    fields.update(user=login, password=password or login)
    answer = session.post(page.url, data=fields, allow_redirects=False, timeout=30)
    return answer.headers.get("Location", ""), session
