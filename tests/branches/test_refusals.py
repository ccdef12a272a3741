"""Services refuse with PermissionDenied (403, a Chinese reason) and never skip a check: no person, no right.

Work that no person does (the demo, commands, test set-up) says so with actor=SYSTEM.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from branches import services
from branches.models import AuditRecord, OrgUnit, Role, RoleAssignment, UnitKind
from branches.selectors import SYSTEM
from ledger.models import Campaign, ChecklistTemplate
from ledger.services.campaigns import campaign_close
from ledger.services.templates import template_create
from tests.conftest import make_user
from tests.factories import make_campaign

NOBODY = [None, AnonymousUser()]


@pytest.mark.parametrize("actor", NOBODY, ids=["none", "anonymous"])
def test_the_tree_is_not_changed_without_a_person(tree, actor):
    with pytest.raises(PermissionDenied, match="您无权管理“第一党支部”"):
        services.unit_update(actor=actor, unit=tree.b1, name="改名")
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=actor, user=make_user("someone"), unit=tree.b1, role=Role.BRANCH_SECRETARY)
    with pytest.raises(PermissionDenied):
        services.unit_create(actor=actor, parent=tree.gb1, kind=UnitKind.BRANCH, code="NEW", name="新支部")
    with pytest.raises(PermissionDenied, match="只有系统管理员可以新建顶层组织"):
        services.unit_create(actor=actor, parent=None, kind=UnitKind.COMMITTEE, code="TOP", name="新党委")

    tree.b1.refresh_from_db()
    assert tree.b1.name == "第一党支部"
    assert not RoleAssignment.objects.filter(user__username="someone").exists()
    assert not OrgUnit.objects.filter(code__in=["NEW", "TOP"]).exists()
    assert not AuditRecord.objects.filter(action__in=["update", "grant"]).exists()


def test_a_person_without_the_right_is_refused_with_permission_denied(tree, users):
    with pytest.raises(PermissionDenied, match="您无权管理“第一党支部”"):
        services.unit_update(actor=users["secretary"], unit=tree.b1, name="改名")
    with pytest.raises(PermissionDenied, match="您无权为“学院党委”建立对照清单"):
        template_create(actor=users["gb_staff"], owner=tree.root, name="自拟清单")
    assert not ChecklistTemplate.objects.filter(name="自拟清单").exists()


@pytest.mark.parametrize("actor", [*NOBODY, "secretary"], ids=["none", "anonymous", "secretary"])
def test_campaigns_are_issued_and_closed_only_by_the_issuers_organization_department(tree, users, actor):
    actor = users[actor] if isinstance(actor, str) else actor
    with pytest.raises(PermissionDenied, match="您无权以“学院党委”的名义发布或管理专项行动"):
        make_campaign(tree.root, actor=actor, name="越权的专项行动")
    assert not Campaign.objects.filter(name="越权的专项行动").exists()

    campaign = make_campaign(tree.root, actor=users["org"])
    with pytest.raises(PermissionDenied):
        campaign_close(actor=actor, campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == "published"


def test_the_system_path_is_explicit(tree):
    unit = services.unit_create(actor=SYSTEM, parent=tree.gb1, kind=UnitKind.BRANCH, code="SYS", name="演示支部")
    assert AuditRecord.objects.get(object_id=str(unit.pk), action="create").actor is None  # nobody, as before
