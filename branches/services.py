"""Writes to the organization tree and accounts."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from branches import passwords
from branches.models import (
    PATH_SEPARATOR,
    AuditRecord,
    OrgUnit,
    Role,
    RoleAssignment,
    TreeMark,
    UnitKind,
    committee_size_problems,
)
from branches.selectors import SYSTEM, Action, scope_for


def audit(*, actor, obj, action: str, data: dict | None = None) -> AuditRecord:
    return AuditRecord.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        action=action,
        data=data or {},
    )


def _check_parent_kind(kind: str, parent: OrgUnit | None) -> None:
    if parent is not None and parent.kind == UnitKind.BRANCH:
        raise ValidationError(_("党支部下不能再设下级组织。"))
    if parent is None and kind == UnitKind.BRANCH:
        raise ValidationError(_("党支部必须有上级组织。"))


def _check_manage(actor, unit: OrgUnit | None) -> None:
    """A person must MANAGE the unit (a new root: be a superuser); work without a person passes SYSTEM."""
    if actor is SYSTEM:
        return
    if unit is None:
        if not (getattr(actor, "is_authenticated", False) and actor.is_superuser):
            raise PermissionDenied(_("只有系统管理员可以新建顶层组织。"))
    elif actor is None or not scope_for(actor).can(Action.MANAGE, unit):
        raise PermissionDenied(_("您无权管理“%(unit)s”。") % {"unit": unit.name})


def _check_committee(kind: str, fields: dict) -> None:
    problems = committee_size_problems(
        kind=kind, full_members=fields.get("full_members") or 0, committee_members=fields.get("committee_members") or 0
    )
    if problems:
        raise ValidationError(problems[0])


@transaction.atomic
def unit_create(*, actor, parent: OrgUnit | None, kind: str, code: str, name: str, **fields) -> OrgUnit:
    """Create a unit under `parent` and give it its materialized path."""
    _check_manage(actor, parent)
    code = code.strip()
    if not code:
        raise ValidationError(_("组织代码不能为空。"))
    if not name.strip():
        raise ValidationError(_("组织名称不能为空。"))
    if OrgUnit.objects.filter(code=code).exists():
        raise ValidationError(_("组织代码“%(code)s”已被使用。") % {"code": code})
    _check_parent_kind(kind, parent)
    _check_committee(kind, fields)
    # A unique temporary path lets the row exist before its primary key is known.
    unit = OrgUnit.objects.create(
        parent=parent, kind=kind, code=code, name=name.strip(), path=f"tmp-{code}", **fields
    )
    unit.path = f"{parent.path if parent else ''}{unit.pk}{PATH_SEPARATOR}"
    unit.depth = parent.depth + 1 if parent else 0
    unit.save(update_fields=["path", "depth"])
    tree_mark_bump()
    audit(actor=actor, obj=unit, action="create", data={"code": code, "name": unit.name})
    return unit


def tree_mark_bump() -> None:
    """Mark the tree's active units as changed (`TreeMark`): the stored counts of units by kind are no longer
    read. Call it inside the change's transaction; one UPDATE of one row."""
    if TreeMark.objects.filter(pk=1).update(seq=F("seq") + 1):
        return
    try:
        with transaction.atomic():  # a savepoint: another change may make the row at the same moment
            TreeMark.objects.create(pk=1, seq=1)
    except IntegrityError:
        TreeMark.objects.filter(pk=1).update(seq=F("seq") + 1)


UNIT_EDITABLE_FIELDS = (
    "name",
    "kind_name",
    "secretary_name",
    "full_members",
    "probationary_members",
    "committee_members",
    "committee_elected_on",
    "committee_term_years",
    "is_active",
)


@transaction.atomic
def unit_update(*, actor, unit: OrgUnit, **changes) -> OrgUnit:
    _check_manage(actor, unit)
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    was_active = unit.is_active
    before = {name: str(getattr(unit, name)) for name in changes}
    for name, value in changes.items():
        if name not in UNIT_EDITABLE_FIELDS:
            raise ValueError(f"{name} is not editable here")
        setattr(unit, name, value)
    if "name" in changes and not unit.name.strip():
        raise ValidationError(_("组织名称不能为空。"))
    _check_committee(unit.kind, {"full_members": unit.full_members, "committee_members": unit.committee_members})
    unit.full_clean()
    unit.save()
    if unit.is_active != was_active:
        tree_mark_bump()
    audit(actor=actor, obj=unit, action="update", data={"before": before, "after": {k: str(v) for k, v in changes.items()}})
    return unit


@transaction.atomic
def account_create(
    *, actor, username: str, password: str, full_name: str, unit: OrgUnit, role: str, email: str = ""
):
    """A new account with an initial password that passes Django's validators.

    Created by a person in the app, the account must change that password at its first sign-in; seeding
    (no actor: the demo accounts, whose shared password the README publishes) does not force it.
    """
    _check_manage(actor, unit)
    User = get_user_model()
    username = username.strip()
    if not username:
        raise ValidationError(_("登录名不能为空。"))
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("登录名“%(name)s”已被使用。") % {"name": username})
    user = User(username=username, email=email, first_name=full_name)
    passwords.validate(password, user)
    user.set_password(password)
    user.save()
    if getattr(actor, "is_authenticated", False):
        passwords.require_change(user=user, set_by=actor)
    role_grant(actor=actor, user=user, unit=unit, role=role)
    return user


@transaction.atomic
def role_grant(*, actor, user, unit: OrgUnit, role: str) -> RoleAssignment:
    _check_manage(actor, unit)
    if role not in Role.values:
        raise ValidationError(_("未知角色。"))
    assignment, created = RoleAssignment.objects.get_or_create(user=user, unit=unit, role=role)
    if created:
        audit(actor=actor, obj=assignment, action="grant", data={"user": user.username, "unit": unit.code, "role": role})
    return assignment
