"""A real Redis and a real Celery worker process for `@pytest.mark.worker` tests.

Each test module gets its own redis-server on a free port (never the shared one on 6379, which other
suites use and which a test may stop) and a worker subprocess whose DATABASE_URL is the pytest test
database, so the worker sees what transactional tests commit.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery_app import app

BASE_DIR = Path(__file__).resolve().parent.parent
WORKER_BOOT = (
    "import tests.jobs.runners\n"
    "from config.celery_app import app\n"
    "app.worker_main(['worker', '--pool=threads', '--concurrency=2', '--loglevel=WARNING',"
    " '--without-gossip', '--without-mingle', '--without-heartbeat'])\n"
)


def wait_until(condition: Callable[[], object], timeout: float = 30, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not true within {timeout} s: {condition}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        wait_until(self._answers, timeout=10, every=0.05)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


def database_url() -> str:
    db = connection.settings_dict  # after django_db_setup: the test database
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(broker_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url(),
        "REDIS_URL": broker_url,
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "PYTHONPATH": str(BASE_DIR),
    }
    env.pop("TEST_DATABASE_NAME", None)
    # Started in a directory of its own, as a worker on another node would be: what it writes reaches the web
    # process through the private storage, not through a shared working directory.
    return subprocess.Popen([sys.executable, "-c", WORKER_BOOT], cwd=tempfile.mkdtemp(prefix="worker-cwd-"), env=env)


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def use_broker(url: str | None) -> None:
    """Point this test process's producer at `url` (None: back to the eager in-process default)."""
    app.conf.task_always_eager = url is None
    app.conf.broker_url = url or settings.CELERY_BROKER_URL
    app._pool = None
    app.amqp._producer_pool = None


def worker_answers() -> bool:
    return bool(app.control.ping(timeout=0.5))


@pytest.fixture(scope="module")
def redis_server():
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, django_db_blocker, redis_server):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs the PostgreSQL test database")
    process = start_worker(redis_server.url)
    use_broker(redis_server.url)
    try:
        wait_until(worker_answers, timeout=30)
        yield process
    finally:
        use_broker(None)
        stop_worker(process)


@pytest.fixture
def live_broker(celery_worker, redis_server):
    """Tasks go through Redis to the worker process for this test."""
    use_broker(redis_server.url)
    yield redis_server
    use_broker(None)
