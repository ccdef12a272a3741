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


# The other seeds' organizations, beside the university (whose campaigns and accounts the tests rely on): a
# province → city → county → township → branch tree for the province's and the county's plans and a branch's own
# plan, and a small college for its 灯下黑 plan. (code, name, kind name, secretary) per level.
PROVINCE_CHAIN = [
    ("SF", "示范省委", "省委", "省委书记"),
    ("SF-S", "示范市委", "市委", "市委书记"),
    ("SF-SX", "示范县委", "县委", "县委书记"),
]
# Township committees and their branches: (code, name, login of its org department), [(branch name, members)].
TOWNSHIPS = [
    (("SF-SX-CG", "城关镇党委", "chengguan"), [("城关社区党支部", 18), ("南街村党支部", 26), ("城关镇机关党支部", 12)]),
    (("SF-SX-DG", "东关镇党委", "dongguan"), [("东关村党支部", 31), ("李家庄村党支部", 15), ("东关镇中心小学党支部", 9)]),
]
PROVINCE_LOGINS = {"SF": "shengwei", "SF-S": "shiwei", "SF-SX": "xianwei"}
COLLEGE = ("SFXY", "示范学院党委")
COLLEGE_GENERAL_BRANCHES = [
    ("机关党总支", ["党政办公室党支部", "教务处党支部", "学生工作处党支部"]),
    ("机电工程系党总支", ["机电工程系教工党支部", "机电工程系学生第一党支部", "机电工程系学生第二党支部"]),
]


def _branch(*, parent, code, name, members, today) -> OrgUnit:
    return _unit(parent=parent, kind=UnitKind.BRANCH, code=code, name=name, secretary_name=f"{name[:2]}支书",
                 full_members=members, committee_members=3 if members >= 7 else 0,
                 committee_elected_on=today.replace(year=today.year - 2))


def seed_province_tree() -> list[tuple]:
    """示范省委 → 示范市委 → 示范县委 → 城关镇党委, 东关镇党委 → three branches each; an org department account at
    every committee (省委 shengwei, 市委 shiwei, 县委 xianwei, the townships chengguan and dongguan) and a
    secretary at every branch (cgzhishu1–3, dgzhishu1–3)."""
    today = datetime.date.today()
    accounts, parent = [], None
    for code, name, kind_name, secretary in PROVINCE_CHAIN:
        parent = _unit(parent=parent, kind=UnitKind.COMMITTEE, code=code, name=name, kind_name=kind_name,
                       secretary_name=secretary)
        accounts.append(_account(username=PROVINCE_LOGINS[code], full_name=f"{name}组织部", unit=parent,
                                 role=Role.ORG_DEPARTMENT))
    county = parent
    for (code, name, login), branches in TOWNSHIPS:
        township = _unit(parent=county, kind=UnitKind.COMMITTEE, code=code, name=name, kind_name="镇党委",
                         secretary_name=f"{name[:2]}镇书记")
        accounts.append(_account(username=login, full_name=f"{name[:2]}镇组织委员", unit=township,
                                 role=Role.ORG_DEPARTMENT))
        prefix = "cg" if code.endswith("CG") else "dg"
        for number, (branch_name, members) in enumerate(branches, start=1):
            branch = _branch(parent=township, code=f"{code}-{number:02d}", name=branch_name, members=members,
                             today=today)
            accounts.append(_account(username=f"{prefix}zhishu{number}", full_name=f"{branch_name[:-3]}支书",
                                     unit=branch, role=Role.BRANCH_SECRETARY))
    return accounts


def seed_college_tree() -> list[tuple]:
    """示范学院党委 → two general branches → three branches each: an org department account (xueyuan), the general
    branches' staff (xyzongzhi1–2) and the branch secretaries (xyzhishu11–13, 21–23)."""
    today = datetime.date.today()
    code, name = COLLEGE
    college = _unit(parent=None, kind=UnitKind.COMMITTEE, code=code, name=name, secretary_name="学院党委书记")
    accounts = [_account(username="xueyuan", full_name="示范学院党委组织部", unit=college, role=Role.ORG_DEPARTMENT)]
    for g, (gb_name, branches) in enumerate(COLLEGE_GENERAL_BRANCHES, start=1):
        gb = _unit(parent=college, kind=UnitKind.GENERAL_BRANCH, code=f"{code}-{g:02d}", name=gb_name,
                   secretary_name=f"{gb_name[:2]}总支书记", full_members=40, committee_members=5,
                   committee_elected_on=today.replace(year=today.year - 1))
        accounts.append(_account(username=f"xyzongzhi{g}", full_name=f"{gb_name[:-3]}组织员", unit=gb,
                                 role=Role.GENERAL_BRANCH_STAFF))
        for b, branch_name in enumerate(branches, start=1):
            branch = _branch(parent=gb, code=f"{code}-{g:02d}-{b:02d}", name=branch_name, members=8 + 3 * b,
                             today=today)
            accounts.append(_account(username=f"xyzhishu{g}{b}", full_name=f"{branch.name[:-3]}支书", unit=branch,
                                     role=Role.BRANCH_SECRETARY))
    return accounts


def seed_scheme_trees() -> list[tuple]:
    """The province chain and the college (idempotent, like `seed_tree`); returns their accounts."""
    return seed_province_tree() + seed_college_tree()
