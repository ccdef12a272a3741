"""Fixtures for the worker tests of this area (a private Redis and a real Celery worker)."""

from tests.celery_worker import celery_worker, live_broker, redis_server  # noqa: F401
