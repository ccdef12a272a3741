"""Demo data for supervision, results and ratings on the Weifang campaign (idempotent).

Shows: supervision records of several kinds, a finding that opened a problem, an item reopened by a look-back
check, ratings with a branch capped below five stars, a weak-and-lax candidate, and a rating in its notice
period with an objection. Uses the workflow demo's items where they exist and adds the few it needs otherwise.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone

from branches.models import OrgUnit
from ledger.models import (
    Campaign,
    EventAction,
    ItemStatus,
    Ledger,
    Problem,
    ProgressNote,
    RectificationItem,
    overdue_condition,
)
from ledger.services.events import event_record
from reviews import services
from reviews.models import StarRating, SupervisionKind, SupervisionRecord
from reviews.selectors import unit_result

DOC_NUMBER = "组织部〔2022〕44号"
MARKER = "组织部 李老师、督查组 赵老师"


def seed_reviews(root: OrgUnit) -> None:
    campaign = Campaign.objects.filter(doc_number=DOC_NUMBER, issuer_path__startswith=root.path).first()
    if campaign is None or SupervisionRecord.objects.filter(campaign=campaign, participants=MARKER).exists():
        return
    users = {user.username: user for user in get_user_model().objects.filter(username__in=["zuzhibu", "zongzhi1"])}
    ledgers = list(Ledger.objects.filter(campaign=campaign, unit__parent__code="WFU-01").select_related("unit")
                   .order_by("unit_path"))
    if len(users) < 2 or len(ledgers) < 4:
        return
    org, gb_staff = users["zuzhibu"], users["zongzhi1"]
    good, capped, lagging, settled = ledgers[:4]
    day = campaign.results_deadline or datetime.date(campaign.year, 11, 30)

    # Supervision: a general-branch site visit whose finding opens a problem, and the committee's look-back check.
    visit = services.supervision_create(
        actor=gb_staff, author_unit=good.unit.parent, kind=SupervisionKind.SITE_VISIT, campaign=campaign,
        date=day - datetime.timedelta(days=25), participants="总支书记、组织员", visited_units=[good.unit, capped.unit],
        findings="抽查“三会一课”记录，发现组织生活会会议记录不完整。")
    services.supervision_open_problem(
        actor=gb_staff, record=visit, unit=capped.unit, campaign=campaign, category=campaign.template.categories.first(),
        description="督查发现：组织生活会会议记录不完整，缺少批评与自我批评内容。")
    services.supervision_create(
        actor=org, author_unit=root, kind=SupervisionKind.DOCUMENT_REVIEW, campaign=campaign,
        date=day - datetime.timedelta(days=20), participants="组织部", visited_units=[ledger.unit for ledger in ledgers],
        findings="调阅各支部台账，整体按期推进。")
    look_back = services.supervision_create(
        actor=org, author_unit=root, kind=SupervisionKind.LOOK_BACK, campaign=campaign,
        date=day - datetime.timedelta(days=5), participants=MARKER, visited_units=[capped.unit, lagging.unit],
        findings="整改“回头看”：个别已销号问题出现反弹。")
    services.item_reopen(actor=org, record=look_back, item=_closed_item(capped, org, day),
                         reason="“回头看”发现党员活动室制度上墙后又被撤下，问题反弹。")
    _overdue_item(lagging, day)

    # Ratings: five stars where rectification is in place, a capped branch, a lagging one, a settled one.
    for ledger in ledgers:
        if ledger not in (capped, lagging):
            _close_everything(ledger, org, day)
    rating = services.rating_decide(actor=org, campaign=campaign, unit=good.unit, stars=5,
                                    basis="台账规范，整改全部按期销号，督查反馈良好。")
    today = timezone.localdate()
    services.rating_publish(actor=org, rating=rating, starts_on=today - datetime.timedelta(days=1),
                            ends_on=today + datetime.timedelta(days=6))
    services.objection_record(actor=org, rating=rating, raised_by="支部党员（匿名）",
                              text="支部组织生活会出勤率不高，建议核实后再定五星。")
    try:
        services.rating_decide(actor=org, campaign=campaign, unit=capped.unit, stars=5, basis="拟评五星。")
    except ValidationError as refusal:
        reasons = "；".join(refusal.messages)
    else:  # pragma: no cover - the reopened item above makes rectification not in place
        reasons = ""
    services.rating_decide(actor=org, campaign=campaign, unit=capped.unit, stars=4,
                           basis=f"工作扎实，但整改不到位，不得评为五星。{reasons}")
    services.rating_decide(actor=org, campaign=campaign, unit=lagging.unit, stars=2,
                           basis="台账推进缓慢，整改措施逾期未销号。")
    settled_rating = services.rating_decide(actor=org, campaign=campaign, unit=settled.unit, stars=4,
                                            basis="按期完成整改，支部活动规范。")
    services.rating_publish(actor=org, rating=settled_rating, starts_on=day + datetime.timedelta(days=1),
                            ends_on=day + datetime.timedelta(days=7))
    services.rating_finalise(actor=org, rating=settled_rating)
    for ledger, stars in zip(ledgers[4:], (3, 4), strict=False):
        if not StarRating.objects.filter(unit=ledger.unit, year=campaign.year).exists():
            services.rating_decide(actor=org, campaign=campaign, unit=ledger.unit, stars=stars, basis="按期推进整改。")


def _item(ledger: Ledger, measure: str, deadline: datetime.date) -> RectificationItem:
    """A problem and one measure written straight to the ledger (until the workflow demo provides them)."""
    number = (ledger.problems.aggregate(top=Max("number"))["top"] or 0) + 1
    problem = Problem.objects.create(ledger=ledger, unit_path=ledger.unit_path, number=number,
                                     category=ledger.campaign.template.categories.first(),
                                     description="党员活动室制度未上墙，阵地建设不规范。")
    return RectificationItem.objects.create(problem=problem, ledger=ledger, unit_path=ledger.unit_path, number=1,
                                            measure=measure, deadline=deadline, responsible_name="支部书记",
                                            status=ItemStatus.IN_PROGRESS)


def _close(item: RectificationItem, actor, when: datetime.datetime) -> None:
    status = item.status
    item.status, item.closed_at, item.closed_by = ItemStatus.CLOSED, when, actor
    item.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    event = event_record(ledger=item.ledger, actor=actor, action=EventAction.ITEM_CLOSED, problem=item.problem,
                         item=item, from_status=status, to_status=ItemStatus.CLOSED)
    type(event).objects.filter(pk=event.pk).update(at=when)


def _closing_time(day: datetime.date, days_before: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day - datetime.timedelta(days=days_before), datetime.time(10)))


def _closed_item(ledger: Ledger, actor, day: datetime.date) -> RectificationItem:
    item = ledger.items.filter(status=ItemStatus.CLOSED).first()
    if item is None:
        item = _item(ledger, "完善党员活动室制度并上墙公示", day - datetime.timedelta(days=40))
        _close(item, actor, _closing_time(day, 35))
    return item


def _overdue_item(ledger: Ledger, day: datetime.date) -> None:
    if not ledger.items.filter(overdue_condition(day)).exists():
        _item(ledger, "按期召开组织生活会并形成记录", day - datetime.timedelta(days=30))


def _close_everything(ledger: Ledger, actor, day: datetime.date) -> None:
    """Close this ledger's open dated items before the deadline, spread over weeks (the progress chart)."""
    open_items = ledger.items.filter(is_ongoing=False).exclude(status=ItemStatus.CLOSED).order_by("pk")
    for n, item in enumerate(open_items):
        _close(item, actor, _closing_time(day, 7 * (n % 6) + 3))
    result = unit_result(campaign=ledger.campaign, unit=ledger.unit)
    if result is not None and result.stale_ongoing:
        for item in ledger.items.filter(is_ongoing=True).exclude(status=ItemStatus.CLOSED):
            note = ProgressNote.objects.create(item=item, text="坚持每月开展，已形成常态。", author=actor)
            ProgressNote.objects.filter(pk=note.pk).update(created_at=_closing_time(day, 10))
