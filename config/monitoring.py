"""Monitoring: `GET /health/` (django-health-check) and `GET /metrics` (django-prometheus), for the operators only.

Both answer only an address in MONITORING_ALLOWED_IPS (loopback by default; behind the proxy the client's
address as accounts.security_log.client_ip reads it) or a request carrying `Authorization: Bearer
<MONITORING_TOKEN>`; anyone else gets a 404, as if there were nothing here.

/health/ checks the database, Redis (when REDIS_URL is set), the worker's and beat's heartbeats (when tasks
are not run in-process, i.e. not the embedded default) and the free space where private files are kept. It
answers 200 when all pass and 500 naming the failing check otherwise; `?format=json` or `Accept:
application/json` gives JSON.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hmac
import ipaddress
import os
import shutil
from pathlib import Path

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from accounts.security_log import client_ip
from jobs.metrics import JobsCollector
from jobs.models import Pulse
from notifications.metrics import MessengerCollector


def _address_allowed(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for allowed in settings.MONITORING_ALLOWED_IPS:
        try:
            if ip in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            continue
    return False


def _token_given(request) -> bool:
    token = settings.MONITORING_TOKEN
    header = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(header.encode(), f"Bearer {token}".encode())


def monitoring_allowed(request) -> bool:
    return _token_given(request) or _address_allowed(client_ip(request))


def monitoring_only(view):
    """Answer 404 to anyone but the monitoring (for an async view too)."""
    if iscoroutinefunction(view):
        @functools.wraps(view)
        async def guarded_async(request, *args, **kwargs):
            if not monitoring_allowed(request):
                raise Http404
            return await view(request, *args, **kwargs)

        return markcoroutinefunction(guarded_async)

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        if not monitoring_allowed(request):
            raise Http404
        return view(request, *args, **kwargs)

    return guarded


# --- checks -----------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Heartbeat(HealthCheck):
    """The worker or beat noted it was alive within the last `max_minutes` (jobs.tasks.heartbeat)."""

    process: str = "worker"
    max_minutes: int = 5

    def __repr__(self) -> str:
        return f"Heartbeat({self.process})"

    async def run(self) -> None:
        # In the request's own thread: the same database connection as the rest of the request.
        at = await sync_to_async(self._last, thread_sensitive=True)()
        if at is None:
            raise ServiceUnavailable(f"no {self.process} heartbeat recorded")
        age = timezone.now() - at
        if age > datetime.timedelta(minutes=self.max_minutes):
            raise ServiceUnavailable(f"last {self.process} heartbeat {int(age.total_seconds() // 60)} minutes ago")

    def _last(self):
        return Pulse.objects.filter(pk=self.process).values_list("at", flat=True).first()


@dataclasses.dataclass
class PrivateFilesSpace(HealthCheck):
    """Free space where evidence, exports and backups are kept (PRIVATE_MEDIA_ROOT)."""

    min_free_mb: int = 1024

    def __repr__(self) -> str:
        return "PrivateFilesSpace"

    def run(self) -> None:
        directory = Path(settings.PRIVATE_MEDIA_ROOT)
        while not directory.exists() and directory != directory.parent:
            directory = directory.parent  # not created before the first upload: the files will land there
        try:
            free = shutil.disk_usage(directory).free // (1024 * 1024)
        except OSError as error:
            raise ServiceUnavailable(f"private files directory unreadable: {error.strerror}") from error
        if free < self.min_free_mb:
            raise ServiceUnavailable(f"{free} MB free, below {self.min_free_mb} MB")


def _redis_client():
    from redis.asyncio import Redis as RedisClient

    return RedisClient.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)


class HealthView(HealthCheckView):
    def get_checks(self):
        """What this deployment runs, read from the settings at each request."""
        yield Database()
        if settings.REDIS_URL:
            from health_check.contrib.redis import Redis

            yield Redis(client_factory=_redis_client)
        if not settings.CELERY_TASK_ALWAYS_EAGER:  # the embedded default runs tasks in-process: no worker, no beat
            for process in ("worker", "beat"):
                yield Heartbeat(process=process, max_minutes=settings.MONITORING_HEARTBEAT_MAX_MINUTES)
        yield PrivateFilesSpace(min_free_mb=settings.MONITORING_MIN_FREE_MB)


def export_metrics(request):
    """django-prometheus' export, with the database figures also when gunicorn's processes share their counts
    through PROMETHEUS_MULTIPROC_DIR (its own view would then leave out every collector but theirs)."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(JobsCollector())
        registry.register(MessengerCollector())
    else:
        registry = REGISTRY  # the collectors are registered there by the apps' ready()
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


health = monitoring_only(HealthView.as_view())
metrics = monitoring_only(export_metrics)
