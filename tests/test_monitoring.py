"""/health/ and /metrics: what each check reports when its dependency is really down, and who may ask at all."""

from __future__ import annotations

import datetime
import json
import socket

import pytest
from celery.signals import before_task_publish
from django.test import Client
from django.utils import timezone

from jobs.models import Job, OutboxEntry, Pulse
from jobs.tasks import heartbeat
from notifications.services import reminders_send
from tests.conftest import make_user, outside_a_running_loop

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def health(client=None, **extra):
    with outside_a_running_loop():
        response = (client or Client()).get("/health/", {"format": "json"}, **extra)
    return response.status_code, json.loads(response.content) if response.status_code != 404 else None


@pytest.fixture
def worker_mode(settings):
    """A deployment with a worker and beat (tasks not run in-process), both alive a minute ago."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    for process in ("worker", "beat"):
        Pulse.objects.create(name=process, at=timezone.now() - datetime.timedelta(minutes=1))


def test_the_embedded_default_is_healthy_without_worker_checks(settings):
    settings.REDIS_URL = ""  # no Redis, tasks in-process: what `make run` starts with
    settings.CELERY_TASK_ALWAYS_EAGER = True
    status, checks = health()

    assert status == 200
    assert checks == {"Database(alias='default')": "OK", "PrivateFilesSpace": "OK"}


def test_accept_json_gives_json_and_a_browser_gets_a_page():
    with outside_a_running_loop():
        response = Client().get("/health/", HTTP_ACCEPT="application/json")
        page = Client().get("/health/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert page.status_code == 200


def test_a_worker_deployment_checks_both_heartbeats(worker_mode):
    status, checks = health()

    assert status == 200
    assert checks["Heartbeat(worker)"] == "OK" and checks["Heartbeat(beat)"] == "OK"


def test_an_old_beat_heartbeat_fails_and_is_named(worker_mode, settings):
    settings.MONITORING_HEARTBEAT_MAX_MINUTES = 5
    Pulse.objects.filter(name="beat").update(at=timezone.now() - datetime.timedelta(minutes=12))

    status, checks = health()

    assert status == 500
    assert checks["Heartbeat(beat)"] == "Unavailable: last beat heartbeat 12 minutes ago"
    assert checks["Heartbeat(worker)"] == "OK"


def test_a_worker_that_never_ran_fails(worker_mode):
    Pulse.objects.filter(name="worker").delete()

    status, checks = health()

    assert status == 500 and checks["Heartbeat(worker)"] == "Unavailable: no worker heartbeat recorded"


def test_redis_is_checked_when_configured(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    status, checks = health()
    assert status == 200 and checks["Redis(db=0, host='127.0.0.1', port=6379)"] == "OK"

    port = closed_port()
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    status, checks = health()
    assert status == 500
    assert checks[f"Redis(db=0, host='127.0.0.1', port={port})"].startswith("Unavailable: Unable to connect to Redis")
    assert checks["Database(alias='default')"] == "OK"


def test_too_little_free_space_for_private_files_fails(settings):
    settings.MONITORING_MIN_FREE_MB = 10**12  # more than any disk here has

    status, checks = health()

    assert status == 500 and checks["PrivateFilesSpace"].endswith(f"MB free, below {10**12} MB")


def test_the_heartbeat_task_notes_the_worker_and_sending_it_notes_beat():
    heartbeat.apply()
    before_task_publish.send(sender="jobs.heartbeat", body=(), exchange="", routing_key="celery", headers={},
                             properties={}, declare=[], retry_policy=None)
    before_task_publish.send(sender="jobs.run_job", body=(), exchange="", routing_key="celery", headers={},
                             properties={}, declare=[], retry_policy=None)

    assert set(Pulse.objects.values_list("name", flat=True)) == {"worker", "beat"}
    assert all(timezone.now() - pulse.at < datetime.timedelta(seconds=30) for pulse in Pulse.objects.all())


def test_metrics_show_requests_jobs_outbox_and_reminder_sweeps(tree):
    owner = make_user("owner")
    job = Job.objects.create(owner=owner, kind="export", title="导出")
    OutboxEntry.objects.create(job=job)
    Job.objects.create(owner=owner, kind="export", title="导出", status="failed")
    reminders_send(today=datetime.date(2022, 10, 13))
    client = Client()
    client.get("/accounts/login/")

    text = client.get("/metrics").content.decode()

    assert 'django_http_requests_latency_seconds_by_view_method_count{method="GET",view="login"}' in text
    assert 'zhenggai_jobs{status="queued"} 1.0' in text and 'zhenggai_jobs{status="failed"} 1.0' in text
    assert "zhenggai_job_outbox_pending 1.0" in text
    assert "zhenggai_reminder_sweeps_total 1.0" in text and "zhenggai_reminders_sent_total 0.0" in text
    assert 'zhenggai_messenger_deliveries{status="failed"} 0.0' in text


@pytest.mark.parametrize("url", ["/health/", "/metrics"])
def test_anyone_else_gets_a_404(url, settings):
    settings.MONITORING_TOKEN = "s3cret-token-for-prometheus"
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    client = Client()

    assert client.get(url, **outside).status_code == 404
    assert client.get(url, HTTP_AUTHORIZATION="Bearer wrong", **outside).status_code == 404
    assert client.get(url, HTTP_AUTHORIZATION="Bearer s3cret-token-for-prometheus", **outside).status_code == 200
    assert client.get(url).status_code == 200  # loopback, the default allowed address
    # Behind the proxy the client's address is what the proxy saw, not the proxy's own loopback address.
    settings.TRUSTED_PROXY = True
    assert client.get(url, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404
    settings.MONITORING_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get(url, REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get(url).status_code == 404


def test_no_token_configured_opens_nothing(settings):
    settings.MONITORING_TOKEN = ""
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ", REMOTE_ADDR="203.0.113.9").status_code == 404


def test_metrics_shared_by_several_processes_keep_the_database_figures(tree, tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    Job.objects.create(owner=make_user("owner"), kind="export", title="导出")

    text = Client().get("/metrics").content.decode()

    assert 'zhenggai_jobs{status="queued"} 1.0' in text
    assert 'zhenggai_messenger_deliveries{status="pending"} 0.0' in text
