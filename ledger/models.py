"""Checklist templates, campaigns and their phases, and the ledgers: problems, measures, evidence, events.

Nothing a branch filed is deleted by a cascade: problems, items, notes, evidence and events are all
PROTECT; a withdrawn problem stays in the table and in the history.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import OrgUnit, UnitKind
from config.storage import private


class ChecklistTemplate(models.Model):
    """An ordered list of categories with their typical manifestations (e.g. 附件1 党支部问题台账)."""

    name = models.CharField(_("名称"), max_length=200)
    code = models.SlugField(_("代码"), max_length=60, unique=True)
    source = models.CharField(_("出处"), max_length=300, blank=True)
    description = models.TextField(_("说明"), blank=True)
    is_builtin = models.BooleanField(_("内置"), default=False)
    owner = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="templates")
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("对照清单模板")
        verbose_name_plural = _("对照清单模板")
        ordering = ["-is_builtin", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_frozen(self) -> bool:
        """A template used by a published or closed campaign may no longer change (copy it instead)."""
        return self.campaigns.exclude(status=CampaignStatus.DRAFT).exists()


class TemplateCategory(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="categories")
    order = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("查摆内容"), max_length=500)
    target = models.TextField(_("整治目标"), blank=True)
    requirements = models.TextField(_("具体要求"), blank=True)
    # The category of the template this one was copied from: recurrence and carry-over follow it across
    # template versions (SET_NULL: a draft template's categories may still be removed).
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies")

    class Meta:
        verbose_name = _("问题类别")
        verbose_name_plural = _("问题类别")
        ordering = ["template", "order"]
        constraints = [models.UniqueConstraint(fields=["template", "order"], name="category_order_unique")]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class Manifestation(models.Model):
    """A typical manifestation (主要表现) of a category, checked item by item (逐条逐项)."""

    category = models.ForeignKey(TemplateCategory, on_delete=models.CASCADE, related_name="manifestations")
    order = models.PositiveSmallIntegerField(_("序号"))
    text = models.TextField(_("表现"))
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies")

    class Meta:
        verbose_name = _("主要表现")
        verbose_name_plural = _("主要表现")
        ordering = ["category", "order"]
        constraints = [models.UniqueConstraint(fields=["category", "order"], name="manifestation_order_unique")]

    def __str__(self) -> str:
        return f"({self.order}) {self.text[:40]}"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    CLOSED = "closed", _("已结束")


class TargetKind(models.TextChoices):
    BRANCHES = "branch", _("下属全部党支部")
    GENERAL_BRANCHES = "general_branch", _("下属全部党总支")
    COMMITTEES = "committee", _("下属全部党委")
    ISSUER = "issuer", _("仅发文单位本身")


class Campaign(models.Model):
    """A rectification campaign (专项行动) issued by a unit to its subtree."""

    issuer = models.ForeignKey(OrgUnit, verbose_name=_("发文单位"), on_delete=models.PROTECT, related_name="campaigns")
    name = models.CharField(_("名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    doc_number = models.CharField(_("文号"), max_length=100, blank=True)
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("对照清单"), on_delete=models.PROTECT, related_name="campaigns"
    )
    target_kind = models.CharField(_("对象"), max_length=20, choices=TargetKind.choices, default=TargetKind.BRANCHES)
    report_deadline = models.DateField(_("报告报送截止日期"), null=True, blank=True)
    results_deadline = models.DateField(_("结果运用截止日期"), null=True, blank=True)
    # The campaign's own words (ledger.wording): empty means derived from its name.
    list_title = models.CharField(_("台账标题"), max_length=200, blank=True, help_text=_(
        "导出台账每张表的标题；不填则按专项行动名称生成，如“××问题整改台账”。"))
    report_title = models.CharField(_("情况报告标题"), max_length=200, blank=True, help_text=_(
        "单位名称之后的部分，如“开展××情况的报告”；不填则按专项行动名称生成。"))
    status = models.CharField(_("状态"), max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    # A unit's own plan (本单位整改方案): started by the unit's own people for their unit alone, not issued
    # down the tree; the units above see and supervise it, the units below it are not reached.
    own_plan = models.BooleanField(_("本单位整改方案"), default=False, editable=False)
    issuer_path = models.CharField(max_length=255, editable=False, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("专项行动")
        verbose_name_plural = _("专项行动")
        ordering = ["-year", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(own_plan=False) | Q(target_kind=TargetKind.ISSUER),
                                   name="campaign_own_plan_targets_issuer"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.issuer_path = self.issuer.path
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("ledger:campaign_detail", args=[self.pk])


class PhaseStage(models.TextChoices):
    SELF_CHECK = "self_check", _("对账查摆")
    RECTIFICATION = "rectification", _("立项整改")
    SUPERVISION = "supervision", _("督查落实")
    RESULTS = "results", _("结果运用")
    OTHER = "other", _("其他")


class Phase(models.Model):
    """One step of a campaign: a deadline, or a date range (phases are data, not code)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("阶段名称"), max_length=100)
    stage = models.CharField(_("阶段类型"), max_length=20, choices=PhaseStage.choices, default=PhaseStage.OTHER)
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("截止日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("阶段")
        verbose_name_plural = _("阶段")
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "order"], name="phase_order_unique"),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True) | Q(starts_on__lte=F("ends_on")),
                name="phase_starts_before_it_ends",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def runs_on(self, day: datetime.date) -> bool:
        """True when `day` falls within the phase; a phase without dates runs on no particular day, one with only
        an end runs until it."""
        if self.starts_on is None and self.ends_on is None:
            return False
        return (self.starts_on is None or self.starts_on <= day) and (self.ends_on is None or day <= self.ends_on)


# The filter value that stands for "in no phase" (ledger page, dashboard lists), beside the phases' ids.
NO_PHASE_KEY = "none"


def phase_running_on(phases: Iterable[Phase], day: datetime.date | None) -> Phase | None:
    """The first phase (in the campaign's order) running on `day`: the default phase of a measure due that day."""
    if day is None:
        return None
    return next((phase for phase in sorted(phases, key=lambda p: p.order) if phase.runs_on(day)), None)


class LedgerStatus(models.TextChoices):
    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("已提交")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已通过")


class Ledger(models.Model):
    """One unit's rectification ledger (整改台账) in one campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="ledgers")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="ledgers")
    unit_path = models.CharField(max_length=255, editable=False)
    status = models.CharField(_("状态"), max_length=20, choices=LedgerStatus.choices, default=LedgerStatus.DRAFT)
    version = models.PositiveIntegerField(default=1)
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("整改台账")
        verbose_name_plural = _("整改台账")
        ordering = ["unit_path"]
        constraints = [models.UniqueConstraint(fields=["campaign", "unit"], name="ledger_one_per_unit")]
        indexes = [
            models.Index(fields=["campaign", "unit_path"], name="ledger_campaign_path"),
            models.Index(fields=["unit_path"], name="ledger_path_prefix", opclasses=["varchar_pattern_ops"]),
            # the ledger list sorted by status, ties in tree order: ascending, and descending (its reverse too)
            models.Index(fields=["campaign", "status", "unit_path"], name="ledger_campaign_status"),
            models.Index(fields=["campaign", "status", "-unit_path"], name="ledger_campaign_status_desc"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.campaign}"

    def get_absolute_url(self) -> str:
        return reverse("ledger:ledger_detail", args=[self.pk])


class ProblemSource(models.TextChoices):
    SELF_CHECK = "self_check", _("对照检查")
    EXTENDED = "extended", _("延伸自查")
    REPORT_REVIEW = "report_review", _("述职评议")
    INSPECTION = "inspection", _("巡视巡察反馈")
    SUPERVISION = "supervision", _("督查发现")
    HIGHER_LEVEL = "higher_level", _("上级反馈")
    HANDED_DOWN = "handed_down", _("上级交办")


# The sources a person may give a problem: 上级交办 is only ever set by handing a problem down (`problems_hand_down`).
TYPED_SOURCES = [(value, label) for value, label in ProblemSource.choices if value != ProblemSource.HANDED_DOWN]


class ProblemNature(models.TextChoices):
    INDIVIDUAL = "individual", _("个性问题")
    COMMON = "common", _("共性问题")


class ProblemStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    WITHDRAWN = "withdrawn", _("已撤回")


class RecurrenceState(models.TextChoices):
    FLAGGED = "flagged", _("疑似反弹")
    CONFIRMED = "confirmed", _("确认反弹")
    DISMISSED = "dismissed", _("不属于反弹")


class Problem(models.Model):
    """A problem found (查摆问题), in one category, optionally one listed manifestation.

    `carried_from`: the unfinished problem of an earlier campaign this one continues (结转). `recurrence_of`: a
    problem closed in an earlier campaign that came back (问题反弹), flagged by the app and confirmed or
    dismissed by a supervising unit.
    """

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="problems")
    unit_path = models.CharField(max_length=255, editable=False)
    category = models.ForeignKey(TemplateCategory, verbose_name=_("查摆内容"), on_delete=models.PROTECT)
    manifestation = models.ForeignKey(
        Manifestation, verbose_name=_("对应表现"), null=True, blank=True, on_delete=models.PROTECT
    )
    number = models.PositiveIntegerField(_("编号"))
    description = models.TextField(_("查摆问题"))
    source = models.CharField(_("来源"), max_length=20, choices=ProblemSource.choices, default=ProblemSource.SELF_CHECK)
    nature = models.CharField(_("性质"), max_length=20, choices=ProblemNature.choices, default=ProblemNature.INDIVIDUAL)
    status = models.CharField(_("状态"), max_length=20, choices=ProblemStatus.choices, default=ProblemStatus.ACTIVE)
    carried_from = models.ForeignKey("self", verbose_name=_("结转自"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="carried_to")
    recurrence_of = models.ForeignKey("self", verbose_name=_("反弹自"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="recurrences")
    recurrence_state = models.CharField(_("反弹认定"), max_length=20, choices=RecurrenceState.choices, blank=True)
    recurrence_reason = models.TextField(_("认定理由"), blank=True)
    recurrence_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                              on_delete=models.PROTECT, related_name="+")
    recurrence_decided_at = models.DateTimeField(null=True, blank=True)
    # The problem of the unit above that this one was handed down from (上级交办, `problems_hand_down`): the lower
    # unit rectifies it in its own ledger, the unit above follows the copies' progress from the original.
    handed_down_from = models.ForeignKey(
        "self", verbose_name=_("上级交办问题"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="handed_down_copies",
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("查摆问题")
        verbose_name_plural = _("查摆问题")
        ordering = ["ledger", "category__order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["ledger", "number"], name="problem_number_unique"),
            # Carrying twice into one ledger is refused by the database too: nothing is counted twice.
            models.UniqueConstraint(fields=["ledger", "carried_from"], name="problem_carried_once"),
            models.CheckConstraint(condition=Q(recurrence_of__isnull=True, recurrence_state="")
                                   | Q(recurrence_of__isnull=False) & ~Q(recurrence_state=""),
                                   name="problem_recurrence_has_state"),
            models.CheckConstraint(condition=Q(carried_from__isnull=True) | Q(recurrence_of__isnull=True),
                                   name="problem_carried_not_recurring"),
            # Handing a problem down twice to one ledger must not make a second copy.
            models.UniqueConstraint(fields=["ledger", "handed_down_from"], name="problem_handed_down_once",
                                    condition=Q(handed_down_from__isnull=False)),
        ]
        indexes = [
            # The path is bytewise ("C", migration 0005), so one plain index serves both the subtree's prefix
            # (LIKE '1/5/%') and the tree order the lists page through by keyset (a pattern_ops index cannot
            # give ORDER BY: the province's last page sorted every problem).
            models.Index(fields=["unit_path", "number"], name="problem_path_order"),
            # The dashboards count recurring problems: a handful among a province's million.
            models.Index(fields=["recurrence_state", "ledger"], name="problem_recurring",
                         condition=~Q(recurrence_state="")),
            # The common-problems page reads the first units of each common problem in tree order: one range of
            # this index per group (category, manifestation), stopped after them, not the subtree's problems.
            models.Index(fields=["category", "manifestation", "unit_path"], name="problem_group_path",
                         condition=Q(status="active")),
            # The lists filtered by a category (problems, and measures through their problem) read one category's
            # active problems of the subtree in tree order: a range of this index, not a walk of the subtree.
            models.Index(fields=["category", "unit_path"], name="problem_category_path",
                         condition=Q(status="active")),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.description[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("ledger:problem_detail", args=[self.pk])


class ItemStatus(models.TextChoices):
    PLANNED = "planned", _("未开始")
    IN_PROGRESS = "in_progress", _("整改中")
    CLOSURE_REQUESTED = "closure_requested", _("申请销号")
    CLOSED = "closed", _("已销号")


OPEN_ITEM_STATUSES = (ItemStatus.PLANNED, ItemStatus.IN_PROGRESS, ItemStatus.CLOSURE_REQUESTED)


class RectificationItem(models.Model):
    """One measure (整改措施) for one problem, with its time limit and responsible person."""

    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="items")
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="items")
    unit_path = models.CharField(max_length=255, editable=False)
    number = models.PositiveSmallIntegerField(_("序号"))
    measure = models.TextField(_("整改措施"))
    is_ongoing = models.BooleanField(_("立行立改、长期坚持"), default=False)
    deadline = models.DateField(_("整改时限"), null=True, blank=True)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("责任人账号"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="responsible_items",
    )
    responsible_name = models.CharField(_("责任人"), max_length=50)
    responsible_leader = models.CharField(_("责任领导"), max_length=50, blank=True)
    responsible_unit = models.CharField(_("责任单位"), max_length=200, blank=True)
    # The campaign phase the measure's work belongs to (集中整改 / 持续推进 / 融入经常 …). The services keep it
    # within the measure's own campaign: a constraint cannot follow item → ledger → campaign.
    phase = models.ForeignKey(
        Phase, verbose_name=_("阶段"), null=True, blank=True, on_delete=models.PROTECT, related_name="items",
    )
    status = models.CharField(_("状态"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.PLANNED)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    # The Monday (local time) of the week of closed_at, kept by the database: the measures closed in one week
    # (the dashboard's weekly chart links to them) in tree order from the index item_closed_week_path, instead
    # of every closure of the week joined and sorted (the province: ~8,000 a week at 300k units).
    closed_week = models.GeneratedField(expression=TruncWeek("closed_at", output_field=models.DateField()),
                                        output_field=models.DateField(), db_persist=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The unfinished measure of an earlier campaign this one continues: its notes and evidence are shown here.
    carried_from = models.ForeignKey("self", verbose_name=_("结转自"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="carried_to")
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("整改措施")
        verbose_name_plural = _("整改措施")
        ordering = ["problem", "number"]
        constraints = [
            models.UniqueConstraint(fields=["problem", "number"], name="item_number_unique"),
            models.UniqueConstraint(fields=["ledger", "carried_from"], name="item_carried_once"),
            models.CheckConstraint(
                condition=Q(is_ongoing=True, deadline__isnull=True) | Q(is_ongoing=False, deadline__isnull=False),
                name="item_deadline_xor_ongoing",
            ),
            models.CheckConstraint(
                condition=~Q(status=ItemStatus.CLOSED) | Q(closed_at__isnull=False), name="item_closed_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["unit_path"], name="item_path_order"),  # prefix and tree order, as problem_path_order
            models.Index(fields=["status", "deadline"], name="item_status_deadline"),
            # The measures list filtered by one status (申请销号 …) in tree order, and its bounded count.
            models.Index(fields=["status", "unit_path"], name="item_status_path"),
            models.Index(fields=["ledger", "status"], name="item_ledger_status"),
            models.Index(fields=["closed_week", "unit_path"], name="item_closed_week_path",
                         condition=Q(closed_week__isnull=False)),
            # Overdue lists (oldest deadline first, LIMIT n) walk the open dated items by deadline: the
            # province dashboard's overdue list went from 1.0 s to 0.01 s at 1M items (scale bench).
            models.Index(fields=["deadline", "id"], name="item_open_deadline",
                         condition=Q(is_ongoing=False) & ~Q(status=ItemStatus.CLOSED)),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.measure[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("ledger:item_detail", args=[self.pk])

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        """Overdue is derived, never stored: a dated item not closed after its deadline."""
        if self.is_ongoing or self.deadline is None or self.status == ItemStatus.CLOSED:
            return False
        return self.deadline < (today or timezone.localdate())

    @property
    def overdue(self) -> bool:
        return self.is_overdue()


def overdue_condition(today: datetime.date, prefix: str = "") -> Q:
    """Items overdue on `today`, as a query condition (the database counts them, not Python)."""
    return Q(**{f"{prefix}is_ongoing": False, f"{prefix}deadline__lt": today}) & ~Q(
        **{f"{prefix}status": ItemStatus.CLOSED}
    )


def without_measures(problems: QuerySet[Problem]) -> QuerySet[Problem]:
    """The active problems among `problems` that have no measure yet: a ledger cannot be submitted with one,
    and rectification is not in place while one is left (the submission check and the results share this)."""
    measured = RectificationItem.objects.filter(problem=OuterRef("pk"))
    return problems.filter(status=ProblemStatus.ACTIVE).exclude(Exists(measured))


class ProgressNote(models.Model):
    item = models.ForeignKey(RectificationItem, on_delete=models.PROTECT, related_name="progress_notes")
    text = models.TextField(_("进展情况"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("进展")
        verbose_name_plural = _("进展")
        ordering = ["item", "created_at"]

    def __str__(self) -> str:
        return self.text[:40]


def evidence_path(instance: Evidence, filename: str) -> str:
    # The stored name is never the user's: only a random token and the checked extension.
    return f"evidence/{instance.unit_path.replace('/', '_')}{instance.token}{instance.extension}"


class Evidence(models.Model):
    """A file proving an item's rectification. Stored privately; served only through a scoped view."""

    item = models.ForeignKey(RectificationItem, on_delete=models.PROTECT, related_name="evidence")
    unit_path = models.CharField(max_length=255, editable=False)
    file = models.FileField(storage=private, upload_to=evidence_path, max_length=300)
    token = models.CharField(max_length=40, unique=True)
    extension = models.CharField(max_length=10)
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # A small JPEG made by the app from an image upload (never the user's bytes), served by the same scoped view.
    thumbnail = models.FileField(storage=private, upload_to="evidence/thumbs/", max_length=300, blank=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["item", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class SelfCheckAnswer(models.Model):
    """A branch's answer to one point of the checklist (逐条逐项对照检查): problem found or not.

    A point is a listed manifestation, or, for a template that lists none (the county, report-review, college
    and province schemes), a whole category (`self_check_points`). A found answer with a description is backed by
    a Problem (source 对照检查) that the answer keeps in step.
    """

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="self_check_answers")
    manifestation = models.ForeignKey(Manifestation, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    category = models.ForeignKey(TemplateCategory, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)
    found = models.BooleanField(_("存在问题"))
    description = models.TextField(_("问题描述"), blank=True)
    problem = models.ForeignKey(Problem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("对照检查结果")
        verbose_name_plural = _("对照检查结果")
        constraints = [
            models.UniqueConstraint(fields=["ledger", "manifestation"], name="selfcheck_one_per_manifestation"),
            models.UniqueConstraint(fields=["ledger", "category"], name="selfcheck_one_per_category"),
            models.CheckConstraint(
                condition=Q(manifestation__isnull=False, category__isnull=True)
                | Q(manifestation__isnull=True, category__isnull=False),
                name="selfcheck_answers_one_point",
            ),
        ]

    def __str__(self) -> str:
        point = f"m{self.manifestation_id}" if self.manifestation_id else f"c{self.category_id}"
        return f"{point}: {'found' if self.found else 'not found'}"

    @property
    def is_complete(self) -> bool:
        """Answered: "not found", or "found" with a description (`answered_condition`, for one row in hand)."""
        return not self.found or bool(self.description.strip())


def answered_condition(prefix: str = "") -> Q:
    """Self-check answers that count as answered: "not found", or "found" with a description.

    The one definition that the self-check progress, the submission check and the results (整改到位) count by;
    the service stores descriptions stripped, so an empty description is the only blank one.
    """
    return Q(**{f"{prefix}found": False}) | ~Q(**{f"{prefix}description": ""})


def self_check_points(template_id: int) -> tuple[QuerySet[Manifestation], QuerySet[TemplateCategory]]:
    """THE points a template's self-check answers one by one: its manifestations (the Weifang 附件1 lists 25), and,
    when it lists none (the county, report-review, college and province schemes), its categories, one point each,
    so that every branch still answers every point.

    Decided in SQL (a category is a point only while its template lists no manifestation), so the in-place rule
    counts both kinds in the same query whatever the template. The self-check page, its progress, the submission
    check, the results and the dashboards all count by it."""
    listed = Manifestation.objects.filter(category__template_id=OuterRef("template_id"))
    return (Manifestation.objects.filter(category__template_id=template_id),
            TemplateCategory.objects.filter(template_id=template_id).exclude(Exists(listed)))


def self_check_by_category(template_id: int) -> bool:
    """The template lists no manifestations: its categories are the points to answer."""
    return self_check_points(template_id)[1].exists()


def self_check_tally(ledger: Ledger) -> tuple[int, int]:
    """(answered, total) points of the ledger's self-check: the figure every page and the submission check show."""
    manifestations, categories = self_check_points(ledger.campaign.template_id)
    answered = SelfCheckAnswer.objects.filter(answered_condition(), ledger=ledger).filter(
        Q(manifestation__in=manifestations) | Q(category__in=categories))
    return answered.count(), manifestations.count() + categories.count()


class EventAction(models.TextChoices):
    """What a ledger event records. Notifications and reminders key on these values."""

    LEDGER_CREATED = "ledger_created", _("台账生成")
    SELF_CHECK_ANSWERED = "self_check_answered", _("对照检查")
    PROBLEM_ADDED = "problem_added", _("新增问题")
    PROBLEM_CHANGED = "problem_changed", _("修改问题")
    PROBLEM_WITHDRAWN = "problem_withdrawn", _("撤回问题")
    PROBLEM_OPENED_BY_SUPERVISION = "problem_opened_by_supervision", _("督查发现问题")
    PROBLEM_HANDED_DOWN = "problem_handed_down", _("上级交办问题")
    ITEM_ADDED = "item_added", _("新增措施")
    ITEM_CHANGED = "item_changed", _("修改措施")
    ITEM_STARTED = "item_started", _("开始整改")
    PROGRESS_NOTED = "progress_noted", _("报告进展")
    EVIDENCE_ADDED = "evidence_added", _("上传佐证")
    CLOSURE_REQUESTED = "closure_requested", _("申请销号")
    ITEM_CLOSED = "item_closed", _("销号")
    ITEM_SENT_BACK = "item_sent_back", _("退回整改")
    ITEM_REOPENED = "item_reopened", _("回头看重新整改")
    LEDGER_SUBMITTED = "ledger_submitted", _("提交台账")
    LEDGER_RETURNED = "ledger_returned", _("退回台账")
    LEDGER_ACCEPTED = "ledger_accepted", _("通过台账")
    LEDGER_AMENDED = "ledger_amended", _("通过后修改")
    COMMENTED = "commented", _("审核意见")
    CARRIED_OVER = "carried_over", _("结转问题")
    RECURRENCE_CONFIRMED = "recurrence_confirmed", _("确认问题反弹")
    RECURRENCE_DISMISSED = "recurrence_dismissed", _("排除问题反弹")


class LedgerEvent(models.Model):
    """One recorded change in a ledger: who, when, from, to, comment (可跟踪、可评价、可问责)."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="events")
    problem = models.ForeignKey(Problem, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    item = models.ForeignKey(RectificationItem, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=40, choices=EventAction.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    comment = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("台账记录")
        verbose_name_plural = _("台账记录")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["ledger", "at"], name="event_ledger_at"),
            # The measures closed in one week (the dashboard's weekly chart links to them): the week's closures
            # with their items, read from the index alone instead of every event of the week from the table.
            models.Index(fields=["at", "item"], name="event_item_closed_at", condition=Q(action=EventAction.ITEM_CLOSED)),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"



# --- common problems (共性问题): the answer of the unit above (专项整治) ------------------------------------------


class CommonMeasureStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("整改中")
    CLOSURE_REQUESTED = "closure_requested", _("申请销号")
    CLOSED = "closed", _("已销号")


class CommonMeasure(models.Model):
    """A supervising unit's own measure (专项整治) answering a common problem of its subtree: the same manifestation
    (or, for problems without one, the same category) found by many units below it (`ledger.selectors.common`).

    The branches whose problems it answers see it on their ledger; the unit's own supervisor closes it (销号).
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="common_measures")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="common_measures")
    unit_path = models.CharField(max_length=255, editable=False)
    category = models.ForeignKey(TemplateCategory, verbose_name=_("查摆内容"), on_delete=models.PROTECT,
                                 related_name="+")
    manifestation = models.ForeignKey(Manifestation, verbose_name=_("对应表现"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    measure = models.TextField(_("专项整治措施"))
    deadline = models.DateField(_("整改时限"))
    responsible_name = models.CharField(_("责任人"), max_length=50)
    status = models.CharField(_("状态"), max_length=20, choices=CommonMeasureStatus.choices,
                              default=CommonMeasureStatus.IN_PROGRESS)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("专项整治")
        verbose_name_plural = _("专项整治")
        ordering = ["campaign", "unit_path", "category__order", "manifestation__order"]
        constraints = [
            # One answer per common problem: per manifestation, or per category for problems without one.
            models.UniqueConstraint(fields=["campaign", "unit", "manifestation"], name="common_measure_one_per_manifestation",
                                    condition=Q(manifestation__isnull=False)),
            models.UniqueConstraint(fields=["campaign", "unit", "category"], name="common_measure_one_per_category",
                                    condition=Q(manifestation__isnull=True)),
            models.CheckConstraint(condition=~Q(status=CommonMeasureStatus.CLOSED) | Q(closed_at__isnull=False),
                                   name="common_measure_closed_has_time"),
        ]
        indexes = [models.Index(fields=["campaign", "unit_path"], name="common_measure_campaign_path")]

    def __str__(self) -> str:
        return self.measure[:40]

    def save(self, *args, **kwargs):
        self.unit_path = self.unit.path
        super().save(*args, **kwargs)

    @property
    def is_overdue(self) -> bool:
        return self.status != CommonMeasureStatus.CLOSED and self.deadline < timezone.localdate()


class CommonMeasureEvent(models.Model):
    """One recorded step of a common measure: who, when, from, to, comment."""

    measure = models.ForeignKey(CommonMeasure, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        verbose_name = _("专项整治记录")
        verbose_name_plural = _("专项整治记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


TARGET_UNIT_KINDS = {
    TargetKind.BRANCHES: UnitKind.BRANCH,
    TargetKind.GENERAL_BRANCHES: UnitKind.GENERAL_BRANCH,
    TargetKind.COMMITTEES: UnitKind.COMMITTEE,
}


class SubtreeTally(models.Model):
    """The dashboard figures of one unit's whole subtree, counted in the background (`reviews.tallies`).

    Derived ledger counts that ledger pages (home, campaign ledgers) and the dashboards read, so the model lives
    with the ledger; the counting, which also counts ratings, stays in reviews (the layer above). The table kept
    its name when the model moved here from reviews.

    A county's, a city's or the province's dashboard reads the tallies of its children (tens of rows) instead
    of counting up to a million items at every visit (scale bench). Derived data: recounted, never edited, so it
    may go with its unit or campaign. Rows with no campaign hold the tree's own figures (active units by kind).
    """

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, null=True, on_delete=models.CASCADE, related_name="+")
    counted_at = models.DateTimeField()
    as_of = models.DateField()  # the day "overdue" was counted for
    ledgers = models.PositiveIntegerField(default=0)
    handed_in = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    problems = models.PositiveIntegerField(default=0)
    items = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    in_place = models.PositiveIntegerField(default=0)  # ledgers whose rectification is in place (整改到位)
    statuses = models.JSONField(default=dict)  # ledger status → ledgers
    categories = models.JSONField(default=dict)  # template category id → active problems
    natures = models.JSONField(default=dict)  # problem nature (个性/共性) → active problems
    weekly = models.JSONField(default=dict)  # Monday of the week (ISO date) → items closed that week
    stars = models.JSONField(default=dict)  # stars → ratings
    units = models.JSONField(default=dict)  # unit kind → active units (rows without a campaign)
    # "<category id>:<manifestation id or ''>" → ledgers with an active problem in that group (共性问题: a
    # subtree's is the sum of its children's, each ledger lying under one child)
    found = models.JSONField(default=dict)
    # "<phase id or ''>:<items|closed|overdue>" → measures of active problems in that phase (按阶段), closed,
    # overdue ("overdue" for the day `as_of`, like the figure)
    phases = models.JSONField(default=dict)
    # The sum of the change marks (`TallyMark.seq`) over this subtree when it was counted: equal to today's sum
    # means nothing below changed since, so the recount skips it and a stale tally may still be read.
    marks = models.PositiveBigIntegerField(default=0)

    class Meta:
        db_table = "reviews_subtreetally"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit"], name="tally_one_per_campaign_unit"),
            models.UniqueConstraint(fields=["unit"], condition=Q(campaign__isnull=True), name="tally_one_tree_row"),
            models.CheckConstraint(
                condition=Q(handed_in__lte=F("ledgers")) & Q(accepted__lte=F("handed_in"))
                & Q(closed__lte=F("items")) & Q(overdue__lte=F("items")) & Q(in_place__lte=F("accepted")),
                name="tally_parts_within_totals",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.campaign_id} @ {self.counted_at:%Y-%m-%d %H:%M}"


class TallyMark(models.Model):
    """How often the ledgers of one block of a campaign's tree have changed: a counter bumped in the transaction
    of every change (`ledger.services.tally_marks`), so the tally recount can skip what did not change.

    A block is the subtree of a unit two levels under the issuer (a province's county), or a unit above that
    level on its own. A counter (not a time) cannot miss a change that commits while a recount reads: the
    recount reads the counters before it counts, and a change that commits later leaves a larger counter."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=255)  # the block's top unit
    seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "path"], name="tally_mark_one_per_block")]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.path} #{self.seq}"


FIGURE_SORTS = ("problems", "items", "closed", "overdue", "last_change")  # the ledger list's figure columns


class LedgerFigures(models.Model):
    """A ledger's figures, stored so that lists filter and sort by them without counting per row (issue 15).

    Counted by `reviews.figures` with the live rules (the ledger list's counts, and the results page's
    `in_place_counts` / `in_place_condition` for 整改到位), in the transaction of every change they count
    (`event_record` and the writers past it), and once a day for every ledger: `overdue` and the in-place rule
    depend on the day. `counted_on` is the day they were counted for."""

    ledger = models.OneToOneField(Ledger, on_delete=models.CASCADE, primary_key=True, related_name="figures")
    # copies of the ledger's, for the indexes: each sort within a subtree, in tree order among equal figures
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)
    # the ledger list's columns: active problems, their measures, closed, awaiting 销号, overdue, last event
    problems = models.PositiveIntegerField(default=0)
    items = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    requested = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    last_change = models.DateTimeField(null=True)
    # "my ledgers": waiting for review or 销号 (submitted, or measures awaiting 销号), by the campaign's year
    year = models.PositiveSmallIntegerField(default=0)
    awaiting = models.BooleanField(default=False)
    # the results rule's counts (`reviews.selectors.results.RESULT_COUNTS`) and its verdict, as of `results_as_of`
    measures = models.PositiveIntegerField(default=0)
    not_closed = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)  # the rule's "overdue": not closed and past its limit at as_of
    stale_ongoing = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    unmeasured = models.PositiveIntegerField(default=0)
    unanswered = models.PositiveIntegerField(default=0)
    unanswered_categories = models.PositiveIntegerField(default=0)
    in_place = models.BooleanField(default=False)
    as_of = models.DateField(null=True)  # the results rule's day
    counted_on = models.DateField()  # the day `overdue` and the rule were counted for
    counted_at = models.DateTimeField()

    class Meta:
        indexes = [
            *(models.Index(fields=["campaign", name, "unit_path"], name=f"figures_{name}")
              for name in FIGURE_SORTS),
            # a descending sort keeps its ties in tree order: its pages, first to last, along an index too
            *(models.Index(fields=["campaign", name, "-unit_path"], name=f"figures_{name}_desc")
              for name in FIGURE_SORTS),
            models.Index(fields=["year", "unit_path", "ledger"], condition=Q(awaiting=True), name="figures_awaiting"),
            models.Index(fields=["campaign", "counted_on"], name="figures_counted_on"),
            models.Index(fields=["campaign", "unit_path"], condition=Q(in_place=True), name="figures_in_place"),
        ]

    def __str__(self) -> str:
        return f"figures of ledger {self.ledger_id} @ {self.counted_on}"


# --- periodic progress reports (定期报告): a campaign asks its ledgers for a report every period ------------------


class ReportFrequency(models.TextChoices):
    QUARTERLY = "quarterly", _("每季度")
    MONTHLY = "monthly", _("每月")
    CUSTOM = "custom", _("自定日期")


class ReportCycle(models.Model):
    """How often a campaign's ledgers report their progress up the tree (e.g. the province plan's quarterly
    reporting, 基层党委每季度至少听取1次党支部工作汇报). Its periods are rows (`ReportPeriod`), made by the service
    from the frequency, so a custom cycle and a quarterly one are read alike."""

    campaign = models.OneToOneField(Campaign, on_delete=models.PROTECT, related_name="report_cycle")
    frequency = models.CharField(_("报告周期"), max_length=20, choices=ReportFrequency.choices,
                                 default=ReportFrequency.QUARTERLY)
    starts_on = models.DateField(_("首期开始日期"))
    ends_on = models.DateField(_("末期截止日期"))
    remind_days_before = models.PositiveSmallIntegerField(_("提前提醒天数"), default=3)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("定期报告安排")
        verbose_name_plural = _("定期报告安排")
        constraints = [
            models.CheckConstraint(condition=Q(starts_on__lte=F("ends_on")), name="report_cycle_starts_before_end"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.get_frequency_display()}"


class ReportPeriod(models.Model):
    """One reporting period of a cycle: it opens on `opens_on` and its report is due on `due_on`."""

    cycle = models.ForeignKey(ReportCycle, on_delete=models.CASCADE, related_name="periods")
    number = models.PositiveSmallIntegerField(_("期次"))
    label = models.CharField(_("名称"), max_length=50)
    opens_on = models.DateField(_("开始日期"))
    due_on = models.DateField(_("报送截止日期"))

    class Meta:
        verbose_name = _("报告期")
        verbose_name_plural = _("报告期")
        ordering = ["cycle", "due_on"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "due_on"], name="report_period_one_per_due_date"),
            models.CheckConstraint(condition=Q(opens_on__lte=F("due_on")), name="report_period_opens_before_due"),
        ]
        indexes = [models.Index(fields=["due_on"], name="report_period_due")]

    def __str__(self) -> str:
        return self.label

    def is_open(self, today: datetime.date) -> bool:
        return self.opens_on <= today


class PeriodicReportStatus(models.TextChoices):
    DRAFT = "draft", _("填写中")
    SUBMITTED = "submitted", _("已报送")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已通过")


HANDED_IN_REPORT_STATUSES = (PeriodicReportStatus.SUBMITTED, PeriodicReportStatus.ACCEPTED)


class PeriodicReport(models.Model):
    """One ledger's progress report for one period: what was done, and the ledger's figures as they were when it
    was submitted (a snapshot: closing an item later does not change a report already handed in)."""

    period = models.ForeignKey(ReportPeriod, on_delete=models.PROTECT, related_name="reports")
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="periodic_reports")
    unit_path = models.CharField(max_length=255, editable=False)
    status = models.CharField(_("状态"), max_length=20, choices=PeriodicReportStatus.choices,
                              default=PeriodicReportStatus.DRAFT)
    work_done = models.TextField(_("整改进展情况"), blank=True)
    # The figures as of submission; empty while the report is a draft.
    problems = models.PositiveIntegerField(_("问题数"), null=True)
    items = models.PositiveIntegerField(_("措施数"), null=True)
    closed = models.PositiveIntegerField(_("已销号"), null=True)
    overdue = models.PositiveIntegerField(_("逾期"), null=True)
    in_progress = models.PositiveIntegerField(_("整改中"), null=True)
    figures_as_of = models.DateTimeField(_("数据截至"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("定期报告")
        verbose_name_plural = _("定期报告")
        ordering = ["period__due_on", "unit_path"]
        constraints = [
            models.UniqueConstraint(fields=["period", "ledger"], name="periodic_report_one_per_period"),
            models.CheckConstraint(
                condition=Q(status=PeriodicReportStatus.DRAFT) | (
                    Q(figures_as_of__isnull=False, submitted_at__isnull=False, problems__isnull=False,
                      items__isnull=False, closed__isnull=False, overdue__isnull=False, in_progress__isnull=False)
                ),
                name="periodic_report_handed_in_has_figures",
            ),
            models.CheckConstraint(
                condition=~Q(status=PeriodicReportStatus.RETURNED) | ~Q(return_reason=""),
                name="periodic_report_returned_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["unit_path"], name="periodic_report_path",
                         opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.ledger} · {self.period}"

    def get_absolute_url(self) -> str:
        return reverse("ledger:periodic_report", args=[self.ledger_id, self.period_id])


class PeriodicReportAction(models.TextChoices):
    SAVED = "saved", _("保存草稿")
    SUBMITTED = "submitted", _("报送")
    RESUBMITTED = "resubmitted", _("重新报送")
    RETURNED = "returned", _("退回")
    ACCEPTED = "accepted", _("通过")


class PeriodicReportEvent(models.Model):
    """One recorded step of a periodic report: who, when, from, to, comment."""

    report = models.ForeignKey(PeriodicReport, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=20, choices=PeriodicReportAction.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        verbose_name = _("定期报告记录")
        verbose_name_plural = _("定期报告记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
