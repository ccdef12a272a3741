"""Login throttling in front of Django's ModelBackend."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class ThrottledLoginBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for sign-ins that come through a request.

    Every sign-in over HTTP (the login page, the admin's login) passes the request and is throttled.
    Code that authenticates without one (a management command, the test client's `login()`) has no client
    address to throttle by; axes would raise there, so it is let through to the password check.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
