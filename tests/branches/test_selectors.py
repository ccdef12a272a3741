"""The scoping matrix: each role × own unit / descendant / sibling / ancestor / another tree."""

from __future__ import annotations

import pytest

from branches.models import OrgUnit
from branches.selectors import SYSTEM, Action, scope_for

# (user, target unit attribute on the Tree fixture, action) → allowed?
MATRIX = {
    # branch secretary at b1
    ("secretary", "b1"): {Action.VIEW, Action.FILL},
    ("secretary", "b2"): set(),  # sibling
    ("secretary", "gb1"): set(),  # ancestor
    ("secretary", "other_branch"): set(),
    # branch committee member at b1: same as the secretary
    ("member", "b1"): {Action.VIEW, Action.FILL},
    ("member", "b2"): set(),
    ("member", "gb1"): set(),
    ("member", "other_branch"): set(),
    # general-branch staff at gb1
    ("gb_staff", "gb1"): {Action.VIEW, Action.FILL},
    ("gb_staff", "b1"): {Action.VIEW, Action.SUPERVISE},
    ("gb_staff", "b2"): {Action.VIEW, Action.SUPERVISE},
    ("gb_staff", "gb2"): set(),
    ("gb_staff", "b3"): set(),
    ("gb_staff", "root"): set(),
    ("gb_staff", "other_branch"): set(),
    # organization department at the committee
    ("org", "root"): {Action.VIEW, Action.FILL, Action.MANAGE},
    ("org", "gb1"): {Action.VIEW, Action.SUPERVISE, Action.MANAGE},
    ("org", "b3"): {Action.VIEW, Action.SUPERVISE, Action.MANAGE},
    ("org", "other_root"): set(),
    ("org", "other_branch"): set(),
    # read-only inspector at the committee
    ("inspector", "root"): {Action.VIEW},
    ("inspector", "b1"): {Action.VIEW},
    ("inspector", "other_branch"): set(),
}


@pytest.mark.parametrize(("who", "target"), sorted(MATRIX))
def test_scope_matrix(tree, users, who, target):
    scope = scope_for(users[who])
    unit = getattr(tree, target)
    allowed = {action for action in Action if scope.can(action, unit)}
    assert allowed == MATRIX[(who, target)]
    # The query form agrees with the per-object form for every action.
    for action in Action:
        in_query = scope_for(users[who]).filter(OrgUnit.objects.filter(pk=unit.pk), action).exists()
        assert in_query == (action in MATRIX[(who, target)]), action


def test_user_without_roles_sees_nothing(tree):
    from tests.conftest import make_user

    assert not scope_for(make_user("nobody")).filter(OrgUnit.objects.all(), Action.VIEW).exists()


def test_roles_add_up(tree, users):
    from branches import services
    from branches.models import Role

    services.role_grant(actor=SYSTEM, user=users["secretary"], unit=tree.b3, role=Role.BRANCH_SECRETARY)
    scope_for_fresh = scope_for(type(users["secretary"]).objects.get(pk=users["secretary"].pk))
    assert scope_for_fresh.can(Action.FILL, tree.b3)
    assert scope_for_fresh.can(Action.FILL, tree.b1)
    assert not scope_for_fresh.can(Action.VIEW, tree.b2)


def test_paths_read_off_the_materialized_path():
    from branches.models import ancestor_paths, parent_path

    assert parent_path("1/5/23/") == "1/5/" and parent_path("1/") == ""
    assert ancestor_paths("1/5/23/") == ["1/", "1/5/"] and ancestor_paths("1/") == []
