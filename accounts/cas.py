"""Single sign-on through a CAS server (django-cas-ng's client and backend), off unless CAS_SERVER_URL is set.

The CAS server only says who the person is. Which product account that is, and so which units and roles, is
the product's own: the CAS user name (or the attribute CAS_ACCOUNT_ATTRIBUTE names, an employee number say)
must equal an existing, active account's login. Nobody is ever created here; a person without an account is
refused with a message that says what to do.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django_cas_ng.backends import CASBackend
from django_cas_ng.utils import get_cas_client

BACKEND = "accounts.cas.CASAccountBackend"

NO_ACCOUNT = _("统一身份认证账号“%(cas_user)s”在本系统中没有对应的账号，无法登录。请联系组织部开通账号后再试。")
ACCOUNT_INACTIVE = _("统一身份认证账号“%(cas_user)s”对应的本系统账号已停用，无法登录。请联系组织部。")
NO_ATTRIBUTE = _("统一身份认证服务没有提供账号“%(cas_user)s”的%(attribute)s，无法确定本系统账号。请联系管理员。")
SERVER_UNREACHABLE = _("暂时无法连接统一身份认证服务，请稍后再试，或使用账号密码登录。")


def enabled() -> bool:
    return bool(settings.CAS_SERVER_URL)


def server_origin() -> str:
    """The CAS server's scheme and host, as a Content-Security-Policy source."""
    parts = urlsplit(settings.CAS_SERVER_URL)
    return f"{parts.scheme}://{parts.netloc}"


def account_for_cas_user(*, cas_user: str, attributes: dict):
    """The existing, active product account the CAS server's answer names, or a ValidationError saying why not.

    The login is the CAS user name, or the value of the attribute CAS_ACCOUNT_ATTRIBUTE when that is set.
    """
    params = {"cas_user": cas_user}
    attribute = settings.CAS_ACCOUNT_ATTRIBUTE
    login = cas_user
    if attribute:
        value = attributes.get(attribute)
        login = value[0] if isinstance(value, list) and value else value
        if not login:
            raise ValidationError(NO_ATTRIBUTE, code="no_attribute", params={**params, "attribute": attribute})
    user = get_user_model().objects.filter(username=str(login)).first()
    if user is None:
        raise ValidationError(NO_ACCOUNT, code="no_account", params=params)
    if not user.is_active:
        raise ValidationError(ACCOUNT_INACTIVE, code="inactive", params=params)
    return user


def service_url(request, next_page: str = "") -> str:
    """This site's CAS service URL: the CAS login page, with the page to go to afterwards."""
    url = request.build_absolute_uri(reverse("accounts:cas_login"))
    return url + "?" + urlencode({"next": next_page}) if next_page else url


def login_url(service: str) -> str:
    return get_cas_client(service_url=service).get_login_url()


def logout_url(request) -> str:
    """The CAS server's logout, which comes back to this site's login page."""
    return get_cas_client(request=request).get_logout_url(request.build_absolute_uri(reverse("login")))


class CASAccountBackend(CASBackend):
    """Checks a service ticket with the CAS server and maps its user to a product account.

    Returns None when the server does not confirm the ticket (Django then signals a failed sign-in); raises
    ValidationError when it does but the person has no usable account here, so the page can say why.
    The CAS user name is left on the request for the security log (accounts.signals).
    """

    def authenticate(self, request, ticket=None, service=None, **kwargs):
        if not enabled() or not ticket or not service:
            return None
        client = get_cas_client(service_url=service, request=request)
        try:
            cas_user, attributes, _pgtiou = client.verify_ticket(ticket)
        except requests.RequestException as error:
            raise ValidationError(SERVER_UNREACHABLE, code="unreachable") from error
        if not cas_user:
            return None
        if request is not None:
            request.cas_user = cas_user
        return account_for_cas_user(cas_user=cas_user, attributes=attributes or {})
