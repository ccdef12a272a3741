"""Sign-in through the institution's directory in a real browser on a phone: the login page as it is, the password
checked by a real OpenLDAP server (tests/directory.py), the account's own home page; a directory person without
an account reads why they cannot come in."""

from __future__ import annotations

import pytest

from branches.models import Role
from tests.browser.conftest import PHONE
from tests.conftest import make_unit, make_user
from tests.directory import SUN, WANG


@pytest.fixture
def branch_secretary(transactional_db):
    root = make_unit(None, "committee", "R", "学院党委")
    general = make_unit(root, "general_branch", "G1", "第一党总支")
    branch = make_unit(general, "branch", "B1", "第一党支部")
    return make_user(WANG.uid, branch, Role.BRANCH_SECRETARY)


def test_directory_sign_in_on_a_phone(branch_secretary, directory_settings, visit_as):
    visit = visit_as(PHONE)
    visit.login(SUN.uid, SUN.password)
    assert "/accounts/login/" in visit.page.url
    assert "本系统中没有与您对应的账号" in visit.page.inner_text("main")
    visit.check("login-directory-no-account-phone")

    visit.login(WANG.uid, WANG.password)
    assert "/accounts/login/" not in visit.page.url
    main = visit.page.inner_text("main")
    assert "我的工作" in main
    assert "第一党支部" in visit.page.content()
    visit.check("home-directory-secretary-phone")
