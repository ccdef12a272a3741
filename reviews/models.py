"""Supervision (督查), the campaign's result policy, star ratings (评星定级) and their notice period (公示).

Nothing here is cascade-deleted from what people filed: records, findings, reopenings, ratings, objections
and rating history are all PROTECT towards units, users, ledger rows and each other.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches.models import OrgUnit
from ledger.models import Campaign, Ledger, Problem, RectificationItem


class SupervisionKind(models.TextChoices):
    SITE_VISIT = "site_visit", _("现场调研")
    CENTRAL = "central", _("集中督导")
    DOCUMENT_REVIEW = "document_review", _("调阅材料")
    LOOK_BACK = "look_back", _("整改“回头看”")
    UNANNOUNCED = "unannounced", _("明察暗访")


class SupervisionRecord(models.Model):
    """One supervision activity run by a general branch or the organization department."""

    author_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("督查单位"), on_delete=models.PROTECT, related_name="supervision_records"
    )
    author_path = models.CharField(max_length=255, editable=False)
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("专项行动"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="supervision_records",
    )
    kind = models.CharField(_("督查方式"), max_length=20, choices=SupervisionKind.choices)
    date = models.DateField(_("督查日期"))
    participants = models.CharField(_("参加人员"), max_length=500)
    findings = models.TextField(_("发现的问题"), blank=True)
    visited_units = models.ManyToManyField(
        OrgUnit, verbose_name=_("被督查党组织"), through="SupervisionVisit", related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("督查记录")
        verbose_name_plural = _("督查记录")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["author_path"], name="supervision_author_path",
                                opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:supervision_detail", args=[self.pk])


class SupervisionVisit(models.Model):
    """A unit visited by a supervision record; carries the unit's path so scoping is a prefix match."""

    record = models.ForeignKey(SupervisionRecord, on_delete=models.PROTECT, related_name="visits")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="supervision_visits")
    unit_path = models.CharField(max_length=255, editable=False)

    class Meta:
        ordering = ["unit_path"]
        constraints = [models.UniqueConstraint(fields=["record", "unit"], name="supervision_visit_unique")]
        indexes = [models.Index(fields=["unit_path"], name="supervision_visit_path",
                                opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.record_id} → {self.unit_id}"


class SupervisionFinding(models.Model):
    """A finding at one visited unit that opened a problem (source: supervision) in its ledger."""

    record = models.ForeignKey(SupervisionRecord, on_delete=models.PROTECT, related_name="opened_findings")
    problem = models.OneToOneField(Problem, on_delete=models.PROTECT, related_name="supervision_finding")
    unit_path = models.CharField(max_length=255, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("督查发现问题")
        verbose_name_plural = _("督查发现问题")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.record_id} → {self.problem_id}"


class ItemReopening(models.Model):
    """A look-back check (回头看) found a closed item's problem back: the item was reopened."""

    record = models.ForeignKey(SupervisionRecord, on_delete=models.PROTECT, related_name="reopenings")
    item = models.ForeignKey(RectificationItem, on_delete=models.PROTECT, related_name="reopenings")
    unit_path = models.CharField(max_length=255, editable=False)
    reason = models.TextField(_("重新整改原因"))
    previous_closed_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("回头看重新整改")
        verbose_name_plural = _("回头看重新整改")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.at:%Y-%m-%d}"


class ResultPolicy(models.Model):
    """How a campaign's results are judged: the progress period for ongoing items and the star → tier mapping."""

    campaign = models.OneToOneField(Campaign, on_delete=models.PROTECT, related_name="result_policy")
    progress_period_days = models.PositiveSmallIntegerField(_("立行立改进展周期（天）"), default=30)
    advanced_min_stars = models.PositiveSmallIntegerField(_("先进最低星级"), default=4)
    middle_min_stars = models.PositiveSmallIntegerField(_("中间最低星级"), default=3)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # The background job counting the ledgers' stored figures (整改到位) again after the period changed; until it is
    # done the stored verdicts are of the old rule, and the pages that read them say so (`figures_recount_pending`).
    recount_job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("结果运用规则")
        verbose_name_plural = _("结果运用规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_period_days__gte=1) & Q(progress_period_days__lte=366), name="policy_period_1_366"
            ),
            models.CheckConstraint(
                condition=Q(middle_min_stars__gte=2) & Q(middle_min_stars__lte=F("advanced_min_stars"))
                & Q(advanced_min_stars__lte=5),
                name="policy_tiers_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.advanced_min_stars}/{self.middle_min_stars}"


class Tier(models.TextChoices):
    ADVANCED = "advanced", _("先进")
    MIDDLE = "middle", _("中间")
    LAGGING = "lagging", _("后进")


class RatingStatus(models.TextChoices):
    DRAFT = "draft", _("拟定")
    PUBLISHED = "published", _("公示中")
    FINAL = "final", _("已确定")


class StarRating(models.Model):
    """A branch's star rating for one year (评星定级), fed by the campaign's result."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="star_ratings")
    unit_path = models.CharField(max_length=255, editable=False)
    campaign = models.ForeignKey(Campaign, verbose_name=_("专项行动"), on_delete=models.PROTECT,
                                 related_name="star_ratings")
    year = models.PositiveSmallIntegerField(_("年度"))
    stars = models.PositiveSmallIntegerField(_("星级"))
    basis = models.TextField(_("评定依据"))
    status = models.CharField(_("状态"), max_length=20, choices=RatingStatus.choices, default=RatingStatus.DRAFT)
    notice_starts_on = models.DateField(_("公示开始日期"), null=True, blank=True)
    notice_ends_on = models.DateField(_("公示结束日期"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("星级评定")
        verbose_name_plural = _("星级评定")
        ordering = ["unit_path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="rating_one_per_unit_year"),
            models.CheckConstraint(condition=Q(stars__gte=1) & Q(stars__lte=5), name="rating_stars_1_5"),
            models.CheckConstraint(
                condition=Q(notice_starts_on__isnull=True) | Q(notice_ends_on__isnull=True)
                | Q(notice_starts_on__lte=F("notice_ends_on")),
                name="rating_notice_ordered",
            ),
        ]
        indexes = [models.Index(fields=["unit_path"], name="rating_path_prefix", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} {self.stars}★"

    def get_absolute_url(self) -> str:
        return reverse("reviews:rating_detail", args=[self.pk])


class RatingChange(models.Model):
    """The history of a rating: every decision, publication, objection and finalisation."""

    class Action(models.TextChoices):
        DECIDED = "decided", _("评定")
        CHANGED = "changed", _("修改")
        PUBLISHED = "published", _("公示")
        OBJECTED = "objected", _("收到异议")
        OBJECTION_RESOLVED = "objection_resolved", _("异议处理")
        FINALISED = "finalised", _("确定")

    rating = models.ForeignKey(StarRating, on_delete=models.PROTECT, related_name="changes")
    action = models.CharField(max_length=30, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    from_stars = models.PositiveSmallIntegerField(null=True, blank=True)
    to_stars = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.rating_id} {self.action}"


class RatingObjection(models.Model):
    """An objection raised during the notice period (公示期间的异议), and how it was resolved."""

    rating = models.ForeignKey(StarRating, on_delete=models.PROTECT, related_name="objections")
    raised_by = models.CharField(_("提出人"), max_length=100)
    text = models.TextField(_("异议内容"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    resolution = models.TextField(_("处理结果"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.raised_by}: {self.text[:30]}"


class RatingDelegation(models.Model):
    """The organization department lets someone else decide ratings within a subtree."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("授权范围"), on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("被授权人"), on_delete=models.PROTECT,
                             related_name="rating_delegations")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("评星授权")
        verbose_name_plural = _("评星授权")
        constraints = [models.UniqueConstraint(fields=["unit", "user"], name="rating_delegation_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.unit_id}"


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    FINALIZED = "finalized", _("已定稿")


class TierSurvey(models.Model):
    """A yearly survey (摸底排查) in which an organization department classifies the units of its subtree
    先进 / 中间 / 后进, each with its reason; the three tier lists (三类台账) are read from its entries."""

    issuer = models.ForeignKey(OrgUnit, verbose_name=_("排查单位"), on_delete=models.PROTECT,
                               related_name="tier_surveys")
    issuer_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("状态"), max_length=20, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT)
    # The campaign made for the 后进 units' improvement ledgers (后进党组织整顿提升台账), once created.
    improvement_campaign = models.OneToOneField(
        Campaign, verbose_name=_("整顿提升台账"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="tier_survey",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finalized_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    finalized_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("摸底排查")
        verbose_name_plural = _("摸底排查")
        ordering = ["-year", "issuer_path"]
        constraints = [models.UniqueConstraint(fields=["issuer", "year"], name="tier_survey_one_per_issuer_year")]
        indexes = [models.Index(fields=["issuer_path"], name="tier_survey_issuer_path",
                                opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.issuer} {self.year}"

    def save(self, *args, **kwargs):
        self.issuer_path = self.issuer.path
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("reviews:survey_detail", args=[self.pk])


class TierSurveyEntry(models.Model):
    """One unit's tier in a survey, with the reason; a 后进 unit's improvement ledger once it is made."""

    survey = models.ForeignKey(TierSurvey, on_delete=models.PROTECT, related_name="entries")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("党组织"), on_delete=models.PROTECT,
                             related_name="tier_survey_entries")
    unit_path = models.CharField(max_length=255, editable=False)
    tier = models.CharField(_("类别"), max_length=20, choices=Tier.choices)
    reason = models.TextField(_("定级理由"))
    improvement_ledger = models.OneToOneField(
        Ledger, verbose_name=_("整顿提升台账"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="tier_survey_entry",
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("排查定级")
        verbose_name_plural = _("排查定级")
        ordering = ["unit_path"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "unit"], name="tier_entry_one_per_unit"),
            models.CheckConstraint(condition=~Q(reason=""), name="tier_entry_reason_given"),
            models.CheckConstraint(condition=Q(tier__in=Tier.values), name="tier_entry_tier_valid"),
        ]
        indexes = [models.Index(fields=["unit_path"], name="tier_entry_path", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.tier}"

    def save(self, *args, **kwargs):
        self.unit_path = self.unit.path
        super().save(*args, **kwargs)
