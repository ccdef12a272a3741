"""Login (throttled), the lockout page, the password change, and the two-factor pages."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts import cas, services, session_state
from accounts.forms import LOCKED_OUT_MESSAGE, LoginForm, OwnPasswordForm, TOTPCodeForm
from accounts.security_log import log_event
from branches import passwords


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = False

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "cas_enabled": cas.enabled()}


class LogoutView(auth_views.LogoutView):
    """Django's sign-out; a session that began at the CAS server also ends there, which comes back to login."""

    def post(self, request, *args, **kwargs):
        through_cas = session_state.signed_in_through_cas(request)
        response = super().post(request, *args, **kwargs)
        return redirect(cas.logout_url(request)) if through_cas and cas.enabled() else response


@require_GET
def cas_login(request: HttpRequest) -> HttpResponse:
    """统一身份认证登录: off to the CAS server, and back here with a ticket, which the server confirms."""
    if not cas.enabled():
        raise Http404
    next_page = _safe_next(request)
    service = cas.service_url(request, next_page)
    ticket = request.GET.get("ticket", "")
    if not ticket:
        return redirect(cas.login_url(service))
    try:
        user = authenticate(request, ticket=ticket, service=service)
    except ValidationError as refusal:
        log_event("cas_refused", request=request, level=logging.WARNING, reason=refusal.code,
                  cas_user=getattr(request, "cas_user", ""))
        return _cas_refused(request, refusal.messages[0], cas_signed_in=bool(getattr(request, "cas_user", "")))
    if user is None:  # the server did not confirm the ticket (used, expired, or not its own)
        return _cas_refused(request, _("统一身份认证未能确认您的身份，请重新登录。"), cas_signed_in=False)
    login(request, user)
    return redirect(next_page or settings.LOGIN_REDIRECT_URL)


def _cas_refused(request: HttpRequest, message: str, *, cas_signed_in: bool) -> HttpResponse:
    """The login page with the reason; someone signed in at the CAS server may sign out there to switch."""
    context = {
        "form": LoginForm(request), "cas_enabled": True, "cas_refusal": message,
        "cas_logout_url": cas.logout_url(request) if cas_signed_in else "",
    }
    return render(request, "registration/login.html", context, status=403)


class PasswordChangeView(auth_views.PasswordChangeView):
    """The owner's own change: also settles a password someone else chose (branches.passwords)."""

    form_class = OwnPasswordForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["change_owed"] = bool(self.request.session.get(session_state.PASSWORD_CHANGE))
        # A password retired by a sign-in through the institution's directory (accounts.directory) lives there.
        context["no_local_password"] = not self.request.user.has_usable_password()
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        passwords.changed_by_owner(self.request.user)
        self.request.session[session_state.PASSWORD_CHANGE] = False
        log_event("password_changed", request=self.request)
        return response


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """What a locked-out pair (user name + address) sees: the login page with one generic message.

    The same for a real and an unknown user name, so the page tells nothing about which names exist.
    """
    context = {"form": LoginForm(request), "lockout_message": LOCKED_OUT_MESSAGE, "next": request.POST.get("next", ""),
               "cas_enabled": cas.enabled()}
    return render(request, "registration/login.html", context, status=429)


PENDING_SECRET = "_sec_totp_pending"


def _owed(request: HttpRequest) -> str:
    return request.session.get(session_state.SECOND_FACTOR, session_state.DONE)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """After the password: the code from the authenticator app."""
    if _owed(request) != session_state.VERIFY:
        return redirect("home")
    form = TOTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_verify(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            log_event("2fa_failed", request=request, level=logging.WARNING, reason=" ".join(error.messages))
            form.add_error("code", error)
        else:
            session_state.second_factor_done(request, request.user)
            log_event("2fa_verified", request=request)
            return redirect(_safe_next(request) or "home")
    return render(request, "accounts/two_factor_verify.html", {"form": form})


def _safe_next(request: HttpRequest) -> str:
    """The page the person was going to, if it is on this site."""
    target = request.GET.get("next", "")
    allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                              require_https=request.is_secure())
    return target if target and allowed else ""


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator: scan the QR code (or type the key), confirm with one code."""
    owed = _owed(request)
    if owed == session_state.VERIFY:
        return redirect("accounts:two_factor_verify")
    device = services.confirmed_device(request.user)
    if device is not None:
        return render(request, "accounts/two_factor_setup.html", {
            "device": device, "required": services.second_factor_required(request.user),
        })
    secret = request.session.get(PENDING_SECRET)
    if not secret:  # the same QR code until it is confirmed; written once, not at every visit
        secret = request.session[PENDING_SECRET] = services.totp_new_secret()
    form = TOTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_confirm(user=request.user, secret=secret, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            del request.session[PENDING_SECRET]
            session_state.second_factor_done(request, request.user)
            log_event("2fa_enrolled", request=request)
            messages.success(request, _("两步验证已启用。以后登录时，请在输入密码后输入验证器上的验证码。"))
            return redirect("home")
    return render(request, "accounts/two_factor_setup.html", {
        "form": form,
        "secret": secret,
        "qr_code": services.qr_code_data_uri(services.provisioning_uri(user=request.user, secret=secret)),
        "required": owed == session_state.ENROL,
    })
