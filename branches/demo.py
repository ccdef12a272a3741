"""The demo university: a committee, 8 general branches, 40 branches and an account for every role.

Idempotent: units and accounts are looked up by code and login before they are created.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model

from branches import services
from branches.models import OrgUnit, Role, UnitKind
from branches.selectors import SYSTEM

DEMO_PASSWORD = "demo-pass-2022"

GENERAL_BRANCHES = [
    ("机关党委", 5), ("文学与新闻传播学院党总支", 5), ("经济管理学院党总支", 5), ("信息与控制工程学院党总支", 5),
    ("化学化工与环境工程学院党总支", 5), ("外国语学院党总支", 5), ("教育学院党总支", 5), ("离退休工作处党总支", 5),
]
BRANCH_SUFFIXES = ["教工第一党支部", "教工第二党支部", "学生第一党支部", "学生第二党支部", "研究生党支部"]


def _unit(*, parent, kind, code, name, **fields) -> OrgUnit:
    existing = OrgUnit.objects.filter(code=code).first()
    return existing or services.unit_create(actor=SYSTEM, parent=parent, kind=kind, code=code, name=name, **fields)


def _account(*, username, full_name, unit, role) -> tuple:
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = services.account_create(actor=SYSTEM, username=username, password=DEMO_PASSWORD, full_name=full_name, unit=unit, role=role)
    else:
        services.role_grant(actor=SYSTEM, user=user, unit=unit, role=role)
    return (username, full_name, role, unit)


def seed_tree() -> tuple[OrgUnit, list[tuple]]:
    """Build the university and return its committee and the demo accounts (login, name, role, unit)."""
    today = datetime.date.today()
    root = _unit(parent=None, kind=UnitKind.COMMITTEE, code="WFU", name="潍坊学院党委", secretary_name="王书记")
    accounts = [
        _account(username="zuzhibu", full_name="组织部 李老师", unit=root, role=Role.ORG_DEPARTMENT),
        _account(username="ducha", full_name="督查组 赵老师", unit=root, role=Role.INSPECTOR),
    ]
    for g, (gb_name, branch_count) in enumerate(GENERAL_BRANCHES, start=1):
        gb = _unit(parent=root, kind=UnitKind.GENERAL_BRANCH, code=f"WFU-{g:02d}", name=gb_name,
                   secretary_name=f"总支书记{g}", full_members=60, committee_members=5,
                   committee_elected_on=today.replace(year=today.year - 2))
        accounts.append(_account(username=f"zongzhi{g}", full_name=f"{gb_name[:4]} 组织员", unit=gb,
                                 role=Role.GENERAL_BRANCH_STAFF))
        for b in range(1, branch_count + 1):
            prefix = gb_name.removesuffix("党总支").removesuffix("党委")
            # Term dates spread so that some committees are due for re-election (换届) soon or already.
            elected = today.replace(year=today.year - 3) + datetime.timedelta(days=30 * ((g + b) % 9))
            branch = _unit(parent=gb, kind=UnitKind.BRANCH, code=f"WFU-{g:02d}-{b:02d}",
                           name=f"{prefix}{BRANCH_SUFFIXES[b - 1]}", secretary_name=f"支书{g}{b}",
                           full_members=5 + (g * b) % 20, probationary_members=(g + b) % 3,
                           committee_members=3 if 5 + (g * b) % 20 >= 7 else 0, committee_elected_on=elected)
            accounts.append(_account(username=f"zhishu{g}{b}", full_name=f"支书{g}{b}", unit=branch,
                                     role=Role.BRANCH_SECRETARY))
            if b == 1:
                accounts.append(_account(username=f"zhiwei{g}{b}", full_name=f"支委{g}{b}", unit=branch,
                                         role=Role.BRANCH_MEMBER))
    return root, accounts
