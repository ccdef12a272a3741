"""Session timeouts, the second-factor and password-change gates, extra security headers and the log of refused requests."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts import cas, session_state
from accounts.security_log import log_event
from branches import passwords

# Refresh "last seen" at most this often: the idle clock is precise to a minute without a session
# write on every request.
SEEN_REFRESH_SECONDS = 60


class SessionTimeoutMiddleware:
    """End a signed-in session after SESSION_IDLE_TIMEOUT without requests or SESSION_ABSOLUTE_TIMEOUT in all.

    The request then goes on as anonymous, so the page's own login check sends the person to the login page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._check(request, user)
        return self.get_response(request)

    def _check(self, request, user) -> None:
        session = request.session
        now = int(time.time())
        auth_at = session.get(session_state.AUTH_AT)
        seen_at = session.get(session_state.SEEN_AT)
        if auth_at is None or seen_at is None:  # a session from before these checks: start its clocks now
            session_state.start(request, user)
            return
        if now - auth_at > settings.SESSION_ABSOLUTE_TIMEOUT:
            self._expire(request, user, "absolute")
            return
        if now - seen_at > settings.SESSION_IDLE_TIMEOUT:
            self._expire(request, user, "idle")
            return
        if now - seen_at >= SEEN_REFRESH_SECONDS:
            session[session_state.SEEN_AT] = now
        if session.get(session_state.REGISTERED_KEY) != session.session_key:
            session_state.register(request, user)  # the key was rotated (password change): follow it

    @staticmethod
    def _expire(request, user, reason: str) -> None:
        log_event("session_expired", request=request, user=user, reason=reason)
        logout(request)
        messages.info(request, _("登录已超时，请重新登录。"))


def route_name(request) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


# Where a person who still owes the second factor may go: the two pages, signing out, choosing a language.
SECOND_FACTOR_OPEN = {"accounts:two_factor_verify", "accounts:two_factor_setup", "logout", "set_language"}


class TwoFactorMiddleware:
    """Until the second factor is given (or enrolled, where required) nothing else can be reached."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            owed = request.session.get(session_state.SECOND_FACTOR)
            if owed is None:
                owed = request.session[session_state.SECOND_FACTOR] = session_state.second_factor_state(user)
            if owed != session_state.DONE and route_name(request) not in SECOND_FACTOR_OPEN:
                target = "accounts:two_factor_verify" if owed == session_state.VERIFY else "accounts:two_factor_setup"
                url = reverse(target)
                if request.method == "GET" and owed == session_state.VERIFY:
                    url += "?" + urlencode({"next": request.get_full_path()})
                return redirect(url)
        return self.get_response(request)


# Where a person who owes a new password may go: the change page itself, the second factor (owed first),
# signing out, choosing a language.
PASSWORD_CHANGE_OPEN = SECOND_FACTOR_OPEN | {"password_change", "password_change_done"}


class PasswordChangeMiddleware:
    """Until the owner has replaced a password someone else chose, only the password change page opens.

    Placed after TwoFactorMiddleware: the second factor is given first, then the password is changed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            owed = request.session.get(session_state.PASSWORD_CHANGE)
            if owed is None:  # a session from before this check
                owed = request.session[session_state.PASSWORD_CHANGE] = passwords.change_owed(user)
            if owed and route_name(request) not in PASSWORD_CHANGE_OPEN:
                return redirect("password_change")
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django does not set itself: Permissions-Policy, and no caching of signed-in pages.

    A session signed in through CAS may also send its sign-out form on to the CAS server: the browser follows
    the form's redirect there only if the page's CSP form-action names that server (read by CSPMiddleware).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "private, no-store"
        if cas.enabled() and hasattr(request, "session") and session_state.signed_in_through_cas(request):
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), cas.server_origin()]
            response._csp_update = update
        return response


class RefusedAccessLogMiddleware:
    """Log every refused request (403, and the 404 that scoping answers outside a person's subtree)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (403, 404):
            log_event("access_refused", request=request, status=response.status_code, level=logging.WARNING)
        return response
