"""Sign-in events: start the session clocks, remember the session, and write the security log."""

from __future__ import annotations

import logging

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver
from django_auth_ldap.backend import ldap_error

from accounts import services, session_state
from accounts.security_log import log_event


@receiver(user_logged_in, dispatch_uid="security_login")
def on_login(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    session_state.start(request, user)
    via = {}
    if getattr(user, "signed_in_through_directory", False):
        via = {"via": "ldap"}
    elif session_state.signed_in_through_cas(request):
        via = {"via": "cas", "cas_user": request.session[session_state.CAS_USER]}
    log_event("login", request=request, user=user, second_factor=request.session[session_state.SECOND_FACTOR], **via)


@receiver(ldap_error, dispatch_uid="security_ldap_error")
def on_directory_error(sender, context, user=None, request=None, exception=None, **kwargs) -> None:
    """The directory could not be reached or refused the service account: sign-ins fall back to local passwords."""
    log_event("ldap_error", request=request, context=context, error=type(exception).__name__, level=logging.ERROR)


@receiver(user_login_failed, dispatch_uid="security_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str((credentials or {}).get("username", ""))
    user = get_user_model().objects.filter(username=username).first() if username else None
    log_event("login_failed", request=request, user=user, username=username, level=logging.WARNING)


@receiver(user_locked_out, dispatch_uid="security_lockout")
def on_lockout(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    log_event("lockout", request=request, username=str(username or ""), level=logging.WARNING)


@receiver(user_logged_out, dispatch_uid="security_logout")
def on_logout(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        services.session_forget(session_key=request.session.session_key)
    log_event("logout", request=request, user=user, username=user.get_username() if user else "")


@receiver(post_save, sender=get_user_model(), dispatch_uid="security_deactivated")
def on_user_saved(sender, instance, created, **kwargs) -> None:
    """A deactivated account loses every session at once, whichever way it was switched off."""
    if created or instance.is_active:
        return
    ended = services.sessions_end_for_user(user=instance)
    if ended:
        log_event("sessions_ended", user=instance, reason="deactivated", count=ended)
