"""Sign-in through the institution's directory (LDAP), with django-auth-ldap.

The directory answers two questions only: is this password right, and who is this person (the entry's login or
employee number). The person must already have an account here: the entry finds it by login (LDAP_MATCH_BY=
username, the entry's LDAP_USERNAME_ATTRIBUTE against the account's user name) or by employee number
(employee_number, the entry's LDAP_EMPLOYEE_NUMBER_ATTRIBUTE against `accounts.EmployeeNumber`). The directory
never creates an account, never changes one's name, unit, roles or rights, and grants no permission: those stay
the product's own. A person the directory knows but the product does not is refused with a message that says so.

The backend comes last in AUTHENTICATION_BACKENDS, after the throttle (accounts.backends) and the local password
check (ModelBackend), so a directory sign-in goes through the same login page and the same flow as a local one:
the lockout is checked first, a failure is counted and logged (Django's user_login_failed), and a success starts
the session clocks and decides the second factor owed (accounts.signals, accounts.session_state).

Once an account has signed in through the directory its local password is retired (made unusable): from then
on the directory alone decides, so a person switched off in the directory cannot go on with an old local
password. An account that never signs in through the directory keeps its local password.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django_auth_ldap.backend import LDAPBackend
from django_auth_ldap.config import LDAPSearch, LDAPSettings

from accounts.forms import DIRECTORY_REFUSAL_ATTRIBUTE as REFUSAL_ATTRIBUTE
from accounts.models import EmployeeNumber
from accounts.security_log import log_event
from branches import passwords

NO_ACCOUNT_MESSAGE = _("统一身份认证已通过，但本系统中没有与您对应的账号。请联系组织部为您开通或关联账号。")

MATCH_BY_USERNAME = "username"
MATCH_BY_EMPLOYEE_NUMBER = "employee_number"


class NoMatchingAccount(Exception):
    """The directory accepted the password, but no account of the product is this person's."""


def directory_options() -> dict:
    """django-auth-ldap's settings, from the LDAP_* settings (config/settings/base.py)."""
    import ldap

    timeout = settings.LDAP_TIMEOUT_SECONDS
    connection = {ldap.OPT_NETWORK_TIMEOUT: timeout, ldap.OPT_TIMEOUT: timeout, ldap.OPT_REFERRALS: 0}
    if settings.LDAP_START_TLS or settings.LDAP_SERVER_URI.lower().startswith("ldaps://"):
        if settings.LDAP_TLS_CA_FILE:
            connection[ldap.OPT_X_TLS_CACERTFILE] = settings.LDAP_TLS_CA_FILE
        connection[ldap.OPT_X_TLS_REQUIRE_CERT] = (
            ldap.OPT_X_TLS_DEMAND if settings.LDAP_TLS_REQUIRE_CERT else ldap.OPT_X_TLS_NEVER)
        connection[ldap.OPT_X_TLS_NEWCTX] = 0  # last: the TLS options above take effect for this connection
    attributes = [settings.LDAP_USERNAME_ATTRIBUTE, settings.LDAP_EMPLOYEE_NUMBER_ATTRIBUTE]
    return {
        "SERVER_URI": settings.LDAP_SERVER_URI,
        "BIND_DN": settings.LDAP_BIND_DN,
        "BIND_PASSWORD": settings.LDAP_BIND_PASSWORD,
        "USER_SEARCH": LDAPSearch(settings.LDAP_USER_SEARCH_BASE, ldap.SCOPE_SUBTREE, settings.LDAP_USER_FILTER,
                                  attributes),
        "START_TLS": settings.LDAP_START_TLS,
        "CONNECTION_OPTIONS": connection,
    }


# What no configuration may change: the directory creates no account, writes nothing into one, and decides
# no group, flag or permission.
FIXED_OPTIONS = {
    "NO_NEW_USERS": True,
    "ALWAYS_UPDATE_USER": False,
    "USER_ATTR_MAP": {},
    "USER_FLAGS_BY_GROUP": {},
    "MIRROR_GROUPS": None,
    "MIRROR_GROUPS_EXCEPT": None,
    "FIND_GROUP_PERMS": False,
    "AUTHORIZE_ALL_USERS": False,
    "PERMIT_EMPTY_PASSWORD": False,
}


class DirectoryBackend(LDAPBackend):
    @property
    def settings(self):
        if self._settings is None:
            options = LDAPSettings(self.settings_prefix, directory_options())
            for name, value in FIXED_OPTIONS.items():
                setattr(options, name, value)
            self._settings = options
        return self._settings

    def authenticate(self, request, username=None, password=None, **kwargs):
        # Off without a server; and only for sign-ins over HTTP, which the throttle in front has checked.
        if not settings.LDAP_SERVER_URI or request is None or not username:
            return None
        try:
            user = super().authenticate(request, username=username, password=password, **kwargs)
        except NoMatchingAccount as refusal:
            log_event("ldap_no_account", request=request, username=username, dn=str(refusal),
                      level=logging.WARNING)
            setattr(request, REFUSAL_ATTRIBUTE, NO_ACCOUNT_MESSAGE)
            raise PermissionDenied from None  # the failure is counted and logged like any other
        if user is not None:
            user.signed_in_through_directory = True  # for the security log's login line (accounts.signals)
        return user

    def get_or_build_user(self, username, ldap_user):
        """The product's account for this directory entry; never a new one."""
        account = matching_account(ldap_user)
        if account is None:
            raise NoMatchingAccount(ldap_user.dn)
        if not account.is_active:
            raise ldap_user.AuthenticationFailed("the matching account is switched off")
        retire_local_password(account)
        return account, False

    # The directory grants nothing: rights come from the product's roles only.
    def get_group_permissions(self, user, obj=None):
        return set()

    def get_all_permissions(self, user, obj=None):
        return set()


def matching_account(ldap_user):
    if settings.LDAP_MATCH_BY == MATCH_BY_EMPLOYEE_NUMBER:
        number = first_value(ldap_user.attrs, settings.LDAP_EMPLOYEE_NUMBER_ATTRIBUTE)
        found = EmployeeNumber.objects.filter(number=number).select_related("user").first() if number else None
        return found.user if found else None
    login = first_value(ldap_user.attrs, settings.LDAP_USERNAME_ATTRIBUTE)
    if not login:
        return None
    # Directories compare logins without regard to case; two accounts differing only in case match neither.
    accounts = list(get_user_model().objects.filter(username__iexact=login)[:2])
    return accounts[0] if len(accounts) == 1 else None


def first_value(attributes, name: str) -> str:
    values = (attributes or {}).get(name) or []
    return values[0].strip() if values else ""


def retire_local_password(account) -> None:
    """From its first directory sign-in on, the account signs in through the directory only."""
    if not account.has_usable_password():
        return
    account.set_unusable_password()
    account.save(update_fields=["password"])
    passwords.changed_by_owner(account)  # a password someone else chose is no longer owed a change
    log_event("ldap_local_password_retired", user=account)
