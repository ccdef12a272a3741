"""Sign-in through the institution's directory, against a real OpenLDAP server (tests/directory.py): the same
login page, the same throttle, log, sessions and second factor; the account, its unit and roles stay the product's."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pyotp
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse

from accounts import services
from accounts.models import EmployeeNumber, UserSession
from branches.models import PasswordChangeRequired, Role, RoleAssignment
from tests.conftest import make_user
from tests.directory import SUN, WANG, ZHAO
from tests.security.conftest import PASSWORD, post_login

WRONG = "用户名或密码不正确。"
LOCKED = "登录失败次数过多，请稍后再试。"
NO_ACCOUNT = "统一身份认证已通过，但本系统中没有与您对应的账号。请联系组织部为您开通或关联账号。"


def error_text(response) -> str:
    if response.context.get("lockout_message"):
        return str(response.context["lockout_message"])
    return " ".join(str(error) for error in response.context["form"].non_field_errors())


def signed_in_as(client):
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id) if user_id else None


def roles_of(user) -> list[tuple[str, str]]:
    return sorted(RoleAssignment.objects.filter(user=user).values_list("unit__code", "role"))


def test_off_by_default_the_directory_password_opens_nothing(client, tree, slapd_directory, settings):
    assert settings.LDAP_SERVER_URI == ""  # config/settings/base.py without the environment variable
    wang = make_user(WANG.uid, tree.b1, Role.BRANCH_SECRETARY)
    refused = post_login(client, WANG.uid, WANG.password)
    assert error_text(refused) == WRONG
    assert signed_in_as(client) is None
    assert post_login(client, WANG.uid, PASSWORD).status_code == 302  # the local password, as before
    assert signed_in_as(client) == wang


def test_sign_in_by_login_through_the_login_page(client, tree, directory_settings, security_log):
    wang = make_user(WANG.uid, tree.b1, Role.BRANCH_SECRETARY)
    response = post_login(client, WANG.uid, WANG.password)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert signed_in_as(client) == wang
    assert client.get(reverse("home")).status_code == 200
    assert UserSession.objects.filter(user=wang, session_key=client.session.session_key).exists()
    [line] = security_log.events("login")
    assert 'user="wangli"' in line and 'via="ldap"' in line


def test_sign_in_by_employee_number(client, tree, directory_settings, client_factory):
    directory_settings.LDAP_MATCH_BY = "employee_number"
    directory_settings.LDAP_USER_FILTER = "(|(uid=%(user)s)(employeeNumber=%(user)s))"
    # The product's login differs from the directory's: only the employee number ties them.
    zhishu = make_user("zhishu11", tree.b1, Role.BRANCH_SECRETARY)
    EmployeeNumber.objects.create(user=zhishu, number=ZHAO.employee_number)

    assert post_login(client, ZHAO.uid, ZHAO.password).status_code == 302  # typing the directory login
    assert signed_in_as(client) == zhishu
    other_browser = client_factory()
    assert post_login(other_browser, ZHAO.employee_number, ZHAO.password).status_code == 302  # typing the number
    assert signed_in_as(other_browser) == zhishu


def test_matching_by_employee_number_ignores_a_same_named_account(client, tree, directory_settings):
    directory_settings.LDAP_MATCH_BY = "employee_number"
    same_name = make_user(WANG.uid, tree.b1, Role.BRANCH_SECRETARY)  # no employee number recorded
    refused = post_login(client, WANG.uid, WANG.password)
    assert error_text(refused) == NO_ACCOUNT
    assert signed_in_as(client) is None
    same_name.refresh_from_db()
    assert same_name.check_password(PASSWORD)  # untouched


@override_settings(AXES_FAILURE_LIMIT=3)
def test_wrong_directory_password_is_refused_and_counted_by_the_throttle(client, tree, directory_settings,
                                                                        security_log):
    make_user(WANG.uid, tree.b1, Role.BRANCH_SECRETARY)
    first = post_login(client, WANG.uid, "not-the-directory-password")
    assert first.status_code == 200
    assert error_text(first) == WRONG
    assert AccessAttempt.objects.get(username=WANG.uid).failures_since_start == 1
    assert len(security_log.events("login_failed")) == 1

    post_login(client, WANG.uid, "still-wrong")
    locked = post_login(client, WANG.uid, "wrong-again")
    assert locked.status_code == 429
    assert error_text(locked) == LOCKED
    # while locked, the right directory password does not get through either
    again = post_login(client, WANG.uid, WANG.password)
    assert again.status_code == 429
    assert signed_in_as(client) is None


def test_directory_user_without_an_account_is_refused_and_none_is_created(client, tree, directory_settings,
                                                                         security_log):
    accounts_before = get_user_model().objects.count()
    refused = post_login(client, SUN.uid, SUN.password)
    assert refused.status_code == 200
    assert error_text(refused) == NO_ACCOUNT
    assert NO_ACCOUNT in refused.content.decode()
    assert signed_in_as(client) is None
    assert get_user_model().objects.count() == accounts_before
    assert not get_user_model().objects.filter(username__iexact=SUN.uid).exists()
    [line] = security_log.events("ldap_no_account")
    assert f"uid={SUN.uid}" in line
    assert AccessAttempt.objects.get(username=SUN.uid).failures_since_start == 1  # counted like any failure
    # a wrong password for the same person says nothing about accounts
    assert error_text(post_login(client, SUN.uid, "wrong")) == WRONG


def test_two_factor_is_still_demanded_for_a_role_that_needs_it(client, tree, directory_settings):
    directory_settings.REQUIRE_2FA_FOR_STAFF = True
    make_user(WANG.uid, tree.root, Role.ORG_DEPARTMENT)
    assert post_login(client, WANG.uid, WANG.password).status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home.url == reverse("accounts:two_factor_setup")
    assert "必须启用两步验证" in client.get(home.url).content.decode()


def test_an_enrolled_person_gives_the_code_after_the_directory_password(client, tree, directory_settings):
    wang = make_user(WANG.uid, tree.b1, Role.BRANCH_SECRETARY)
    secret = services.totp_new_secret()
    services.totp_confirm(user=wang, secret=secret, code=pyotp.TOTP(secret).at(time.time() - 30))
    assert post_login(client, WANG.uid, WANG.password).status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home.url.startswith(reverse("accounts:two_factor_verify"))
    assert client.post(reverse("accounts:two_factor_verify"), {"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_the_directory_changes_no_unit_role_name_or_right(client, tree, directory_settings):
    wang = make_user(WANG.uid, tree.gb1, Role.GENERAL_BRANCH_STAFF)
    wang.email = "wang@example.edu"
    wang.save()
    before = roles_of(wang)
    assert post_login(client, WANG.uid, WANG.password).status_code == 302
    wang.refresh_from_db()
    assert roles_of(wang) == before == [("G1", Role.GENERAL_BRANCH_STAFF)]
    assert (wang.first_name, wang.last_name, wang.email) == (WANG.uid, "", "wang@example.edu")  # not 王丽
    assert not wang.is_staff and not wang.is_superuser
    assert not wang.groups.exists() and wang.get_all_permissions() == set()
    # still sees its own general branch, not the committee's other one
    assert client.get(reverse("branches:unit_detail", args=[tree.gb1.pk])).status_code == 200
    assert client.get(reverse("branches:unit_detail", args=[tree.gb2.pk])).status_code == 404


def test_a_directory_sign_in_retires_the_local_password(client, tree, directory_settings, client_factory):
    wang = make_user(WANG.uid, tree.b1, Role.BRANCH_SECRETARY)
    PasswordChangeRequired.objects.create(user=wang, set_by=None)
    local_only = make_user("local-only", tree.b2, Role.BRANCH_SECRETARY)
    assert post_login(client, WANG.uid, WANG.password).status_code == 302
    assert client.get(reverse("home")).status_code == 200  # no local password change owed any more
    wang.refresh_from_db()
    assert not wang.has_usable_password()
    assert not PasswordChangeRequired.objects.filter(user=wang).exists()
    change_page = client.get(reverse("password_change")).content.decode()
    assert "请在统一身份认证系统中修改密码" in change_page
    assert 'name="old_password"' not in change_page

    other_browser = client_factory()
    assert error_text(post_login(other_browser, WANG.uid, PASSWORD)) == WRONG
    assert signed_in_as(other_browser) is None
    # an account the directory does not know keeps signing in with its own password
    assert post_login(other_browser, "local-only", PASSWORD).status_code == 302
    assert signed_in_as(other_browser) == local_only


def test_a_switched_off_account_is_refused_like_a_wrong_password(client, tree, directory_settings):
    wang = make_user(WANG.uid, tree.b1, Role.BRANCH_SECRETARY)
    wang.is_active = False
    wang.save()
    assert error_text(post_login(client, WANG.uid, WANG.password)) == WRONG
    assert signed_in_as(client) is None


def test_an_unreachable_directory_is_logged_and_leaves_local_accounts_working(client, tree, directory_settings,
                                                                             security_log):
    directory_settings.LDAP_SERVER_URI = "ldap://127.0.0.1:9"  # nothing listens there
    make_user(WANG.uid, tree.b1, Role.BRANCH_SECRETARY)
    make_user("local-only", tree.b2, Role.BRANCH_SECRETARY)
    assert error_text(post_login(client, WANG.uid, WANG.password)) == WRONG
    [line] = security_log.events("ldap_error")
    assert 'error="SERVER_DOWN"' in line
    assert post_login(client, "local-only", PASSWORD).status_code == 302


def test_start_tls_with_the_directory_certificate_trusted(client, tree, directory_settings, slapd_directory):
    directory_settings.LDAP_START_TLS = True
    directory_settings.LDAP_TLS_CA_FILE = str(slapd_directory.ca_file)
    wang = make_user(WANG.uid, tree.b1, Role.BRANCH_SECRETARY)
    assert post_login(client, WANG.uid, WANG.password).status_code == 302
    assert signed_in_as(client) == wang


def test_start_tls_refuses_a_directory_certificate_it_cannot_check(client, tree, directory_settings, security_log):
    directory_settings.LDAP_START_TLS = True  # no CA file: the test directory's self-signed certificate is unknown
    make_user(WANG.uid, tree.b1, Role.BRANCH_SECRETARY)
    assert error_text(post_login(client, WANG.uid, WANG.password)) == WRONG
    assert signed_in_as(client) is None
    assert security_log.events("ldap_error")


def test_an_unknown_matching_rule_stops_the_app_at_start():
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], capture_output=True, text=True,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.base", "LDAP_MATCH_BY": "mail", "PATH": "/usr/bin"},
        cwd=Path(__file__).resolve().parents[2])
    assert started.returncode != 0
    assert "LDAP_MATCH_BY must be username or employee_number, not 'mail'" in started.stderr


def test_a_typed_filter_matches_no_one(client, tree, directory_settings):
    """What is typed is escaped into the search filter: a wildcard or a filter of one's own finds nobody."""
    make_user(WANG.uid, tree.b1, Role.BRANCH_SECRETARY)
    for typed in ("*", "wang*", "*)(uid=*", "wangli)(|(uid=*"):
        assert error_text(post_login(client, typed, WANG.password)) == WRONG
        assert signed_in_as(client) is None
