"""Helpers for the security tests: posting the login form from an address, reading the security log."""

from __future__ import annotations

import io
import logging

import pytest
from django.urls import reverse

from accounts.security_log import SafeFormatter
from tests.directory import directory_settings, slapd_directory  # noqa: F401  (a real OpenLDAP server)

PASSWORD = "pw-123456"  # tests/conftest.py make_user


def post_login(client, username: str, password: str, ip: str = "10.0.0.1", **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


class SecurityLog:
    def __init__(self, stream: io.StringIO):
        self.stream = stream

    @property
    def lines(self) -> list[str]:
        return self.stream.getvalue().splitlines()

    def events(self, event: str) -> list[str]:
        return [line for line in self.lines if f" event={event} " in line]


@pytest.fixture
def security_log():
    """The `security` logger's output, formatted exactly as the project's handler formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(SafeFormatter())
    logger = logging.getLogger("security")
    logger.addHandler(handler)
    try:
        yield SecurityLog(stream)
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def client_factory():
    """Separate browsers (each its own cookies)."""
    from django.test import Client

    return Client
