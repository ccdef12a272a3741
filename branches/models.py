"""The organization tree, the roles people hold in it, and the audit trail of changes to both."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

PATH_SEPARATOR = "/"


def parent_path(path: str) -> str:
    """'1/5/23/' → '1/5/'; a root's parent is ''."""
    return path[: path.rstrip(PATH_SEPARATOR).rfind(PATH_SEPARATOR) + 1]


def ancestor_paths(path: str) -> list[str]:
    """'1/5/23/' → ['1/', '1/5/']: the paths of the units above, read off the materialized path."""
    parts = [part for part in path.split(PATH_SEPARATOR) if part]
    return [PATH_SEPARATOR.join(parts[:n]) + PATH_SEPARATOR for n in range(1, len(parts))]


class UnitKind(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")


class OrgUnit(models.Model):
    """A party organization at any depth of the tree.

    `path` is the materialized path of primary keys ("1/5/23/"): a subtree is a prefix match, which
    stays an index range scan at 300,000 units (FACTS.md). Ledger rows copy it for the same reason.
    """

    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices)
    # What this tree calls the kind (二级党委, 镇党委, 县委 …) where it differs from the kind's own name:
    # pages, exports and messages name the unit's kind with it.
    kind_name = models.CharField(_("类型名称"), max_length=20, blank=True,
                                 help_text=_("本组织习惯的类型叫法，如“二级党委”“镇党委”“县委”；不填则为类型本身。"))
    parent = models.ForeignKey(
        "self", verbose_name=_("上级组织"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.CharField(_("组织代码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    secretary_name = models.CharField(_("书记姓名"), max_length=50, blank=True)
    full_members = models.PositiveIntegerField(_("正式党员数"), default=0)
    probationary_members = models.PositiveIntegerField(_("预备党员数"), default=0)
    committee_members = models.PositiveIntegerField(_("委员人数"), default=0)
    committee_elected_on = models.DateField(_("本届委员会选举日期"), null=True, blank=True)
    committee_term_years = models.PositiveSmallIntegerField(_("任期（年）"), default=3)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="orgunit_path_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["kind", "path"], name="orgunit_kind_path"),
            # the units down to a depth under a unit (a province's cities and counties, `ledger.selectors.tallies`):
            # an index range over a few hundred entries instead of reading the 300k units of the subtree
            models.Index(fields=["depth", "path"], name="orgunit_depth_path"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(committee_term_years__gte=1) & Q(committee_term_years__lte=5),
                name="orgunit_term_years_1_5",
            ),
            models.CheckConstraint(condition=~Q(code=""), name="orgunit_code_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        """党支部, 党总支, 二级党委, 镇党委 …: the kind as this tree names it."""
        return self.kind_name or str(self.get_kind_display())

    @property
    def committee_expires_on(self) -> datetime.date | None:
        """The day the committee's term ends (换届 is due); None when no election is recorded."""
        elected = self.committee_elected_on
        if elected is None:
            return None
        try:
            return elected.replace(year=elected.year + self.committee_term_years)
        except ValueError:  # elected on 29 February
            return elected.replace(year=elected.year + self.committee_term_years, day=28)

    def term_status(self, today: datetime.date) -> str:
        """"overdue" (超期未换届), "expiring" (within six months), "ok", or "" when no term is recorded."""
        expires = self.committee_expires_on
        if expires is None:
            return ""
        if expires < today:
            return "overdue"
        return "expiring" if expires <= today + datetime.timedelta(days=183) else "ok"

    def committee_problems(self) -> list[str]:
        """What is wrong with the committee's size for the member count (checklist item 1(4)); empty when fine."""
        return committee_size_problems(kind=self.kind, full_members=self.full_members,
                                       committee_members=self.committee_members)


class TreeMark(models.Model):
    """How often the tree's active units changed (a unit created, made active or inactive): one counter, bumped in
    the change's own transaction (`services.tree_mark_bump`). The stored counts of units by kind (the tree's
    subtree tallies) remember it when counted: while it has not moved they are exact whatever their age, and the
    moment it moves the pages count live until the next recount. One row (pk 1), made at the first bump."""

    seq = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"tree mark {self.seq}"


MIN_MEMBERS_FOR_COMMITTEE = 7


def committee_size_problems(*, kind: str, full_members: int, committee_members: int) -> list[str]:
    """A branch with fewer than 7 full members has no committee; a committee has 3 to 7 members and is
    smaller than half the full members (so "正式党员 7 人设 5 名支部委员", named in 附件1 1(4), is wrong)."""
    if kind != UnitKind.BRANCH or committee_members == 0:
        return []
    if full_members < MIN_MEMBERS_FOR_COMMITTEE:
        return [str(_("正式党员不足7人的党支部不设支部委员会（现有正式党员%(n)d人、委员%(c)d人）。")
                    % {"n": full_members, "c": committee_members})]
    if committee_members < 3 or committee_members > 7 or committee_members > full_members // 2:
        return [str(_("支部委员人数与党员人数不相称：正式党员%(n)d人设%(c)d名委员；委员应为3至7人，且不超过正式党员的一半。")
                    % {"n": full_members, "c": committee_members})]
    return []


class Role(models.TextChoices):
    BRANCH_SECRETARY = "branch_secretary", _("党支部书记")
    BRANCH_MEMBER = "branch_member", _("支部委员")
    GENERAL_BRANCH_STAFF = "general_branch_staff", _("党总支工作人员")
    ORG_DEPARTMENT = "org_department", _("组织部")
    INSPECTOR = "inspector", _("督查（只读）")


class RoleAssignment(models.Model):
    """One role a user holds at one unit; it reaches that unit's whole subtree."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="roleassignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"


class AuditRecord(models.Model):
    """A change to configuration data (units, accounts, templates, campaigns): who, when, what."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=50)
    action = models.CharField(max_length=50)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.object_type}#{self.object_id} {self.action}"


class PasswordChangeRequired(models.Model):
    """The account's password was chosen by someone else (the organization department, an import):
    its owner must choose their own at the next sign-in. The row is deleted when they have."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="password_change_required")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("待修改的初始密码")
        verbose_name_plural = _("待修改的初始密码")

    def __str__(self) -> str:
        return str(self.user)
