"""Writes for sign-in security: sessions per user, deactivation, TOTP enrolment and verification."""

from __future__ import annotations

import base64
import datetime
import hmac
import io
import logging
import time
from importlib import import_module

import pyotp
import qrcode
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import crypto
from accounts.models import EmployeeNumber, TOTPDevice, UserSession
from accounts.security_log import log_event
from branches.models import Role
from branches.selectors import SYSTEM, Action, scope_for
from branches.services import audit

TOTP_STEP_SECONDS = 30
TOTP_DIGITS = 6
STAFF_ROLES = {Role.ORG_DEPARTMENT, Role.GENERAL_BRANCH_STAFF}


# --- sessions -------------------------------------------------------------------------------------------

def session_register(*, user, session_key: str) -> None:
    """Remember that `user` holds `session_key`; forget their records older than any session can live."""
    if not session_key:
        return
    oldest = timezone.now() - datetime.timedelta(seconds=settings.SESSION_ABSOLUTE_TIMEOUT)
    UserSession.objects.filter(user=user, created_at__lt=oldest).delete()
    UserSession.objects.update_or_create(session_key=session_key, defaults={"user": user})


def session_forget(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def sessions_end_for_user(*, user) -> int:
    """Delete every session `user` holds, whatever the session engine; returns how many."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store_class(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


def _check_manages_account(actor, user) -> None:
    """Changing someone's account security is for SYSTEM (a command the operator runs) or whoever MANAGEs every
    unit where that person holds a role; nobody else, a missing actor included."""
    if actor is SYSTEM:
        return
    paths = [grant.path for grant in scope_for(user).grants]
    if actor is None or not getattr(actor, "is_authenticated", False):
        allowed = False
    elif not paths:
        allowed = actor.is_superuser
    else:
        actor_scope = scope_for(actor)
        allowed = all(actor_scope.can(Action.MANAGE, path) for path in paths)
    if not allowed:
        raise PermissionDenied(_("您无权管理账号“%(user)s”。") % {"user": user.get_username()})


@transaction.atomic
def account_deactivate(*, actor, user) -> None:
    """Switch the account off and end all its sessions (they would no longer authenticate anyway)."""
    _check_manages_account(actor, user)
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])  # the post_save receiver ends the sessions
    audit(actor=actor, obj=user, action="deactivate", data={"user": user.get_username()})


# --- two-factor sign-in ---------------------------------------------------------------------------------

def second_factor_required(user) -> bool:
    """Whether this deployment makes `user` enrol: staff roles (and superusers) when the setting is on."""
    if not settings.REQUIRE_2FA_FOR_STAFF:
        return False
    if user.is_superuser or user.is_staff:
        return True

    return scope_for(user).has_role(*STAFF_ROLES)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def totp_new_secret() -> str:
    """A new 160-bit base32 secret; kept in the session until the user confirms it with a code."""
    return pyotp.random_base32(32)


def provisioning_uri(*, user, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.get_username(), issuer_name=settings.TOTP_ISSUER)


QR_MASK = 0


def qr_code_data_uri(text: str) -> str:
    """A PNG QR code as a data: URI (the CSP allows data: images, nothing is fetched)."""
    buffer = io.BytesIO()
    # One fixed mask: qrcode's default draws the code with each of the eight masks to pick the "best", most of
    # the enrolment page's time (18 → 7 ms); every mask is standard and every reader undoes any of them.
    code = qrcode.QRCode(box_size=6, border=2, mask_pattern=QR_MASK)
    code.add_data(text)
    code.make(fit=True)
    code.make_image().save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _matching_step(secret: str, code: str, *, at: float | None = None) -> int | None:
    """The time step (±1 for clock drift) whose code equals `code`, compared in constant time."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != TOTP_DIGITS or not code.isdigit():
        return None
    now = time.time() if at is None else at
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_STEP_SECONDS)
    current = int(now // TOTP_STEP_SECONDS)
    found = None
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _lockout_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


@transaction.atomic
def totp_confirm(*, user, secret: str, code: str) -> TOTPDevice:
    """Finish enrolment with one correct code from the app: the device is stored only now."""
    step = _matching_step(secret, code)
    if step is None:
        raise ValidationError(_("验证码不正确，请核对手机上的验证器后重试。"))
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, secret=crypto.seal(secret), confirmed_at=timezone.now(),
                                       last_used_step=step)
    audit(actor=user, obj=device, action="2fa_enrol", data={"user": user.get_username()})
    return device


def totp_verify(*, user, code: str) -> None:
    """Check a login code: correct, not used before, and the device not locked after too many failures.

    The failure count must survive the refusal, so the check commits first and the error is raised after.
    """
    outcome = _totp_check(user=user, code=code)
    if outcome == "unreadable":
        raise ValidationError(_("两步验证需要重置，请联系组织部管理员。"))
    if outcome == "locked":
        raise ValidationError(_("验证码错误次数过多，请稍后再试。"))
    if outcome == "wrong":
        raise ValidationError(_("验证码不正确或已使用，请输入验证器上的新验证码。"))


@transaction.atomic
def _totp_check(*, user, code: str) -> str:
    device = TOTPDevice.objects.select_for_update().get(user=user, confirmed_at__isnull=False)
    now = timezone.now()
    if device.locked_until and device.locked_until > now:
        return "locked"
    try:
        secret = crypto.unseal(device.secret)
    except crypto.InvalidToken:  # the secret key changed without a fallback
        log_event("2fa_unreadable", user=user, level=logging.ERROR)
        return "unreadable"
    step = _matching_step(secret, code)
    if step is None or step <= device.last_used_step:
        device.failures += 1
        locked = device.failures >= settings.TOTP_FAILURE_LIMIT
        if locked:
            device.failures = 0
            device.locked_until = now + datetime.timedelta(minutes=_lockout_minutes())
        device.save(update_fields=["failures", "locked_until"])
        return "locked" if locked else "wrong"
    device.last_used_step = step
    device.failures = 0
    device.locked_until = None
    device.save(update_fields=["last_used_step", "failures", "locked_until"])
    return "ok"


@transaction.atomic
def totp_remove(*, actor, user) -> None:
    """Take the authenticator away (a lost phone): the user enrols again at the next login if required."""
    _check_manages_account(actor, user)
    deleted, _detail = TOTPDevice.objects.filter(user=user).delete()
    if deleted:
        audit(actor=actor, obj=user, action="2fa_remove", data={"user": user.get_username()})
        log_event("2fa_removed", user=user, by=getattr(actor, "username", ""))


@transaction.atomic
def employee_number_set(*, actor, user, number: str) -> None:
    """Record (or, with an empty number, remove) the account's employee number, by which sign-in through the
    institution's directory finds it when LDAP_MATCH_BY=employee_number (accounts.directory)."""
    _check_manages_account(actor, user)
    number = number.strip()
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    current = EmployeeNumber.objects.filter(user=user).first()
    if (current.number if current else "") == number:
        return
    if number:
        holder = EmployeeNumber.objects.filter(number=number).exclude(user=user).select_related("user").first()
        if holder is not None:
            raise ValidationError(_("工号“%(number)s”已属于账号“%(user)s”。")
                                  % {"number": number, "user": holder.user.get_username()})
        EmployeeNumber.objects.update_or_create(user=user, defaults={"number": number})
    else:
        EmployeeNumber.objects.filter(user=user).delete()
    audit(actor=actor, obj=user, action="employee_number_set",
          data={"user": user.get_username(), "from": current.number if current else "", "to": number})
