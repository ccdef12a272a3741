"""Demo data for supervision, results and ratings on the current campaign (idempotent).

Branches 2, 3 and 5 answer their self-check and have their ledgers accepted; branch 4 never hands its
ledger in. Shows supervision records of three kinds, a finding that opened a problem, an item reopened by a look-back
check, a five-star rating in its notice period with an objection, a branch capped below five stars, a
weak-and-lax candidate and a finalised rating.

It works on the second general branch's branches 2–5, which the workflow demo leaves alone, and writes
their measures through the workflow services; their history is then re-dated over the campaign's weeks
(`backdate_ledger`), every date counted from the campaign's demo day (`DemoCalendar`). The campaign is in its
督查落实 phase with 结果运用 ahead: the organization department has begun rating the branches whose work is
done (the results are counted as of the results deadline, from what is recorded so far), so the results page,
the notice period and an objection are there to try.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from branches.models import OrgUnit
from ledger.demo import HISTORY_DOC_NUMBER, DemoCalendar, backdate_ledger, current_campaign
from ledger.history_demo import CARRIED_DOC_NUMBER
from ledger.models import (
    Campaign,
    EventAction,
    Ledger,
    LedgerEvent,
    Manifestation,
    ProblemSource,
    RectificationItem,
)
from ledger.services import workflow as wf
from reviews import services
from reviews.models import ItemReopening, StarRating, SupervisionKind, SupervisionRecord, TierSurvey

MARKER = "组织部 李老师、督查组 赵老师"
GB = 2  # the general branch whose branches 2..5 this demo uses


def _user(username: str):
    return get_user_model().objects.filter(username=username).first()


def seed_reviews(root: OrgUnit, today: datetime.date | None = None) -> None:
    """Supervision and ratings on the current campaign; `today` is not used (its dates are the campaign's)."""
    campaign = current_campaign(root)
    if campaign is None or SupervisionRecord.objects.filter(campaign=campaign, participants=MARKER).exists():
        return
    ledgers = {
        b: Ledger.objects.filter(campaign=campaign, unit__code=f"WFU-{GB:02d}-{b:02d}").select_related("unit").first()
        for b in range(2, 6)
    }
    secretaries = {b: _user(f"zhishu{GB}{b}") for b in range(2, 6)}
    org, staff = _user("zuzhibu"), _user(f"zongzhi{GB}")
    if None in ledgers.values() or None in secretaries.values() or org is None or staff is None:
        return
    if any(ledger.problems.exists() for ledger in ledgers.values()):
        return  # someone is already working in these ledgers: leave them alone
    calendar = DemoCalendar.of(campaign)
    good, capped, lagging, settled = (ledgers[b] for b in range(2, 6))
    recurring = _branches_work(calendar, good, capped, lagging, settled, secretaries, staff)
    _supervision(calendar, root, campaign, ledgers, good, capped, lagging, recurring, org, staff)
    _ratings(calendar, campaign, good, capped, lagging, settled, org)
    _rate_workflow_branches(campaign, org)


def _branches_work(calendar: DemoCalendar, good, capped, lagging, settled, secretaries, staff) -> RectificationItem:
    """Closed in time, an ongoing measure kept up, one closed that will recur, one overdue; returns the recurring."""
    day = calendar.day
    good_items = _measures(good, secretaries[2], [("完善支部党员档案并统一归档。", day(-10)),
                                                  ("每月召开支委会，形成会议纪要。", None)])
    recurring = _measures(capped, secretaries[3], [("党员活动室制度上墙公示。", day(-15))])[0]
    overdue = _measures(lagging, secretaries[4], [("按期召开组织生活会并形成记录。", day(-10))])[0]
    settled_item = _measures(settled, secretaries[5], [("补齐党费收缴台账。", day(-15))])[0]
    for b, ledger in ((2, good), (3, capped), (5, settled)):  # the lagging branch never hands its ledger in
        _hand_in(ledger, secretaries[b], staff)
    _close(good_items[0], secretaries[2], staff)
    _note(good_items[1], secretaries[2])  # within the 立行立改 progress period before the results deadline
    _close(recurring, secretaries[3], staff)
    _note(overdue, secretaries[4])
    _close(settled_item, secretaries[5], staff)
    for ledger, (first, reviewed, last) in ((good, (-40, -28, -2)), (capped, (-40, -27, -18)),
                                            (lagging, (-40, -12, -12)), (settled, (-40, -27, -16))):
        backdate_ledger(ledger, first_day=day(first), reviewed_on=day(reviewed), last_day=day(last))
    recurring.refresh_from_db()
    return recurring


def _supervision(calendar: DemoCalendar, root, campaign, ledgers, good, capped, lagging, recurring, org, staff):
    """The general branch's site visit opens a problem; the committee reviews documents and looks back."""
    day = calendar.day
    visit = services.supervision_create(
        actor=staff, author_unit=good.unit.parent, kind=SupervisionKind.SITE_VISIT, campaign=campaign,
        date=day(-22), participants="总支书记、组织员", visited_units=[good.unit, capped.unit],
        findings="抽查“三会一课”记录，发现个别支部组织生活会会议记录不完整。")
    services.supervision_open_problem(
        actor=staff, record=visit, unit=capped.unit, campaign=campaign,
        category=campaign.template.categories.order_by("order")[1],
        description="督查发现：组织生活会会议记录不完整，缺少批评与自我批评内容。")
    _dated(capped, EventAction.PROBLEM_OPENED_BY_SUPERVISION, calendar.at(-22, hour=16))
    services.supervision_create(
        actor=org, author_unit=root, kind=SupervisionKind.DOCUMENT_REVIEW, campaign=campaign, date=day(-15),
        participants="组织部", visited_units=[ledger.unit for ledger in ledgers.values()],
        findings="调阅台账，整体按期推进；个别支部措施逾期。")
    look_back = services.supervision_create(
        actor=org, author_unit=root, kind=SupervisionKind.LOOK_BACK, campaign=campaign, date=day(-5),
        participants=MARKER, visited_units=[capped.unit, lagging.unit],
        findings="整改“回头看”：个别已销号问题出现反弹。")
    services.item_reopen(actor=org, record=look_back, item=recurring,
                         reason="“回头看”发现党员活动室制度上墙后又被撤下，问题反弹。")
    _dated(capped, EventAction.ITEM_REOPENED, calendar.at(-5, hour=15))
    ItemReopening.objects.filter(item=recurring).update(at=calendar.at(-5, hour=15))


def _ratings(calendar: DemoCalendar, campaign, good, capped, lagging, settled, org) -> None:
    """A five-star in its notice period with an objection, a refused five stars, a weak-and-lax candidate and a
    four-star whose notice period ended and which is final."""
    today, day = calendar.today, calendar.day
    five = services.rating_decide(actor=org, campaign=campaign, unit=good.unit, stars=5,
                                  basis="台账规范，整改全部按期销号，立行立改措施坚持有记录，督查反馈良好。")
    services.rating_publish(actor=org, rating=five, starts_on=day(-1), ends_on=day(6))
    services.objection_record(actor=org, rating=five, raised_by="支部党员（匿名）", today=today,
                              text="支部组织生活会出勤率不高，建议核实后再定五星。")
    try:
        services.rating_decide(actor=org, campaign=campaign, unit=capped.unit, stars=5, basis="拟评五星。")
        refusal = ""
    except ValidationError as error:
        refusal = "；".join(error.messages)
    services.rating_decide(actor=org, campaign=campaign, unit=capped.unit, stars=4,
                           basis=f"工作扎实，但“回头看”发现问题反弹，按规定不得评为五星。{refusal}")
    services.rating_decide(actor=org, campaign=campaign, unit=lagging.unit, stars=2,
                           basis="台账推进缓慢，整改措施逾期未销号。")
    final = services.rating_decide(actor=org, campaign=campaign, unit=settled.unit, stars=4,
                                   basis="按期完成整改，支部活动规范。")
    services.rating_publish(actor=org, rating=final, starts_on=day(-10), ends_on=day(-3))
    services.rating_finalise(actor=org, rating=final, today=today)


def _measures(ledger: Ledger, actor, measures: list[tuple[str, datetime.date | None]]) -> list[RectificationItem]:
    category = ledger.campaign.template.categories.order_by("order").last()
    problem = wf.problem_add(actor=actor, ledger=ledger, category=category, source=ProblemSource.EXTENDED,
                             description="支部基础工作不够扎实，制度执行有缺项。")
    return [wf.item_add(actor=actor, problem=problem, measure=text, deadline=deadline, is_ongoing=deadline is None,
                        responsible_user=actor) for text, deadline in measures]


def _hand_in(ledger: Ledger, actor, staff) -> None:
    """Answer the self-check (nothing found beyond the recorded problem), submit, and have it accepted: without
    that no branch counts as rectification in place (整改到位)."""
    for manifestation in Manifestation.objects.filter(category__template_id=ledger.campaign.template_id):
        wf.self_check_answer(actor=actor, ledger=ledger, manifestation=manifestation, found=False)
    wf.ledger_submit(actor=actor, ledger=Ledger.objects.get(pk=ledger.pk))
    wf.ledger_accept(actor=staff, ledger=Ledger.objects.get(pk=ledger.pk), comment="问题查摆准确，措施具体可行，同意。")


def _note(item: RectificationItem, actor) -> None:
    wf.progress_note_add(actor=actor, item=RectificationItem.objects.get(pk=item.pk), text="已按计划推进，相关记录已归档。")


def _close(item: RectificationItem, actor, staff) -> None:
    _note(item, actor)
    wf.item_request_closure(actor=actor, item=RectificationItem.objects.get(pk=item.pk), comment="整改完成，申请销号。")
    wf.item_close(actor=staff, item=RectificationItem.objects.get(pk=item.pk), comment="经核实，同意销号。")


def _dated(ledger: Ledger, action: str, when: datetime.datetime) -> None:
    """Date the supervision's own events in the ledger on the day of the record, not the seeding moment."""
    LedgerEvent.objects.filter(ledger=ledger, action=action).update(at=when)


def _rate_workflow_branches(campaign: Campaign, org) -> None:
    """Middle-tier ratings for the workflow demo's accepted branches, for the star distribution."""
    for code, stars in (("WFU-01-04", 3), ("WFU-01-05", 4), ("WFU-02-01", 3)):
        ledger = Ledger.objects.filter(campaign=campaign, unit__code=code).select_related("unit").first()
        if ledger is not None and not StarRating.objects.filter(unit=ledger.unit, year=campaign.year).exists():
            services.rating_decide(actor=org, campaign=campaign, unit=ledger.unit, stars=stars, basis="按期推进整改。")


SURVEY_REASONS = {
    "advanced": "组织生活规范，整改措施按时销号，党员作用发挥明显",
    "middle": "基本工作能够开展，个别整改措施推进偏慢",
    "lagging": "“三会一课”不经常，整改措施多项逾期，需要整顿提升",
}


def seed_tier_survey(issuer: OrgUnit, year: int, today: datetime.date | None = None):
    """A finalized yearly survey (摸底排查) of `issuer`'s branches for `year`: the first third 先进, the last one
    后进 with its improvement ledger (整顿提升台账), the rest 中间. Idempotent: an existing survey is returned as
    it is. For the merger to call from seed_demo, e.g. `seed_tier_survey(root, today.year)`."""
    from branches.models import UnitKind
    from branches.selectors import SYSTEM
    from reviews import survey_services
    from reviews.models import SurveyStatus, TierSurvey

    existing = TierSurvey.objects.filter(issuer=issuer, year=year).first()
    if existing is not None:
        return existing
    branches = list(OrgUnit.objects.filter(path__startswith=issuer.path, kind=UnitKind.BRANCH, is_active=True)
                    .order_by("code"))
    survey = survey_services.survey_create(actor=SYSTEM, issuer=issuer, year=year)
    if not branches:
        return survey
    advanced = max(1, len(branches) // 3)
    for n, unit in enumerate(branches):
        tier = "lagging" if n == len(branches) - 1 and n > 0 else "advanced" if n < advanced else "middle"
        survey_services.survey_classify(actor=SYSTEM, survey=survey, unit=unit, tier=tier,
                                        reason=SURVEY_REASONS[tier])
    survey = survey_services.survey_finalize(actor=SYSTEM, survey=survey)
    if survey.status == SurveyStatus.FINALIZED and len(branches) > 1:
        survey_services.improvement_ledgers_create(actor=SYSTEM, survey=survey, today=today)
    survey.refresh_from_db()
    return survey


# ---- earlier years: ratings of 2022 and 2023, the 2023 survey, this year's survey --------------------------------

# Stars of the branches that worked in the earlier campaigns (`ledger.history_demo`) and of the first general
# branch's, by year: their record pages show several years, the tier each year and how it moved.
YEAR_STARS = {
    2022: {"WFU-01-01": 3, "WFU-01-02": 3, "WFU-01-03": 4, "WFU-01-04": 4, "WFU-01-05": 3,
           "WFU-03-01": 4, "WFU-03-02": 3, "WFU-03-03": 2, "WFU-03-04": 4, "WFU-03-05": 3},
    2023: {"WFU-01-01": 3, "WFU-01-02": 4, "WFU-01-03": 4, "WFU-01-04": 3, "WFU-01-05": 4,
           "WFU-03-01": 3, "WFU-03-02": 3, "WFU-03-03": 2, "WFU-03-04": 4, "WFU-03-05": 3},
}
RATING_BASIS = {5: "整改全部按期销号，支部工作规范。", 4: "按期完成整改，支部活动规范。", 3: "按期推进整改，个别措施推进偏慢。",
                2: "整改措施推进缓慢，未能按期完成。"}
# The 2023 survey differs from this year's (`seed_tier_survey`: the first third 先进, the last 后进) for these.
SURVEY_2023_TIERS = {"WFU-01-01": "middle", "WFU-01-02": "middle", "WFU-03-03": "lagging",
                     "WFU-05-01": "advanced", "WFU-08-05": "middle"}


def seed_years(root: OrgUnit, today: datetime.date | None = None) -> None:
    """Ratings in the 2022 and 2023 campaigns, the 2023 survey and this campaign year's survey with its 后进
    branch's improvement ledger. `today` is not used: this year is the current campaign's (`DemoCalendar`)."""
    org = _user("zuzhibu")
    for doc_number in (HISTORY_DOC_NUMBER, CARRIED_DOC_NUMBER):
        campaign = Campaign.objects.filter(issuer=root, doc_number=doc_number).first()
        if campaign is not None and org is not None:
            _rate_year(campaign, org)
    _survey_2023(root)
    campaign = current_campaign(root)
    if campaign is not None:
        calendar = DemoCalendar.of(campaign)
        if not TierSurvey.objects.filter(issuer=root, year=calendar.year).exists():
            seed_tier_survey(root, calendar.year, today=calendar.today)


def _rate_year(campaign: Campaign, org) -> None:
    """Final ratings, published for a week after the results deadline."""
    if StarRating.objects.filter(campaign=campaign).exists():
        return
    end = campaign.results_deadline
    for code, stars in YEAR_STARS.get(campaign.year, {}).items():
        ledger = Ledger.objects.filter(campaign=campaign, unit__code=code).select_related("unit").first()
        if ledger is None or StarRating.objects.filter(unit=ledger.unit, year=campaign.year).exists():
            continue
        rating = services.rating_decide(actor=org, campaign=campaign, unit=ledger.unit, stars=stars,
                                        basis=RATING_BASIS[stars])
        services.rating_publish(actor=org, rating=rating, starts_on=end + datetime.timedelta(days=1),
                                ends_on=end + datetime.timedelta(days=7))
        services.rating_finalise(actor=org, rating=rating, today=end + datetime.timedelta(days=8))
    decided = timezone.make_aware(datetime.datetime.combine(end, datetime.time(10)))
    finalised = timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=8), datetime.time(10)))
    StarRating.objects.filter(campaign=campaign).update(decided_at=decided, finalised_at=finalised)


def _survey_2023(root: OrgUnit) -> None:
    """The 2023 survey, finalized in December 2023: like this year's but for the units of SURVEY_2023_TIERS."""
    from branches.models import UnitKind
    from branches.selectors import SYSTEM
    from reviews import survey_services

    if TierSurvey.objects.filter(issuer=root, year=2023).exists():
        return
    branches = list(OrgUnit.objects.filter(path__startswith=root.path, kind=UnitKind.BRANCH, is_active=True)
                    .order_by("code"))
    if not branches:
        return
    survey = survey_services.survey_create(actor=SYSTEM, issuer=root, year=2023)
    advanced = max(1, len(branches) // 3)
    for n, unit in enumerate(branches):
        usual = "lagging" if n == len(branches) - 1 and n > 0 else "advanced" if n < advanced else "middle"
        tier = SURVEY_2023_TIERS.get(unit.code, usual)
        survey_services.survey_classify(actor=SYSTEM, survey=survey, unit=unit, tier=tier, reason=SURVEY_REASONS[tier])
    survey_services.survey_finalize(actor=SYSTEM, survey=survey)
    moment = timezone.make_aware(datetime.datetime(2023, 12, 20, 10))
    TierSurvey.objects.filter(pk=survey.pk).update(created_at=moment, finalized_at=moment)
