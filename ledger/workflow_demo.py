"""Demo ledgers of the current campaign (组织部〔<year>〕44号, see `ledger.demo`) in every state of the workflow.

Everything goes through the workflow services, so the demo history is what real use would record; then each
ledger's history is re-dated over the campaign's weeks (`backdate_ledger`). Deadlines are days from the demo's
day (`DemoCalendar`): some passed (逾期), some within the reminder window, some later.
Idempotent: a ledger that already has answers or problems is left as it is.
"""

from __future__ import annotations

import datetime
import io

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from ledger.demo import DemoCalendar, backdate_ledger, current_campaign
from ledger.models import Ledger, Manifestation, ProblemNature, ProblemSource, RectificationItem
from ledger.services import workflow as wf
from ledger.services.evidence import evidence_add

ONGOING = None  # a measure "立行立改、长期坚持"

# (category order, manifestation order) → the problem found and its measures (text, deadline as days from the
# demo's day, or ONGOING). Texts may name years: {year} the campaign's, {next_year}, {elected} the last election.
FINDINGS: dict[tuple[int, int], tuple[str, list[tuple[str, int | None]]]] = {
    (1, 1): ("支部委员会于{elected}年9月选举产生，任期已满未按期换届。", [
        ("向党总支报送换届请示，按程序召开党员大会进行换届选举。", -15),
        ("建立支部委员会任期台账，任期届满前半年提醒。", ONGOING),
    ]),
    (2, 1): ("{year}年以来支委会会议仅召开5次，未做到每月召开；支部书记讲党课仅1次。", [
        ("制定年度“三会一课”计划，支委会每月至少召开一次，党员大会每季度至少召开一次。", ONGOING),
        ("支部书记为全体党员讲专题党课一次。", 6),
    ]),
    (2, 2): ("主题党日活动主题不明确，多以集中学习文件代替，内容形式单一。", [
        ("每月初由支委会研究确定主题党日主题，结合专业特点开展志愿服务、现场教学等活动。", 3),
    ]),
    (2, 6): ("未按季度公示本支部党员缴纳党费情况。", [
        ("自本季度起在支部公示栏和“灯塔—党建在线”按季度公示党费缴纳情况。", -20),
    ]),
    (3, 2): ("开展谈心谈话存在“谈工作不谈思想”的问题，谈话记录内容简单。", [
        ("支部书记、委员分工与每名党员开展一次谈心谈话，并规范填写谈话记录。", 12),
    ]),
    (3, 3): ("党员激励关爱帮扶措施不多，“政治生日”制度未落实。", [
        ("建立党员“政治生日”台账，每月为当月入党的党员过政治生日。", ONGOING),
    ]),
    (4, 1): ("缺少支部年度工作计划，个别工作直接照搬上级部署安排。", [
        ("结合学院中心工作研究制定{next_year}年度支部工作计划，经支委会讨论通过。", 25),
    ]),
    (4, 4): ("支部党建工作与教学科研结合不紧密，存在“两张皮”问题。", [
        ("围绕课程思政建设开展“党建+业务”主题活动，每学期不少于两次。", 120),
    ]),
    (6, 2): ("党支部工作记录本部分项目填写有缺项，个别会议参会人员未签字。", [
        ("组织委员逐项检查{year}年工作记录本，补全缺项和签字。", -10),
    ]),
    (6, 3): ("“灯塔—党建在线”系统上传内容与工作记录本不一致，部分活动补传超过七天。", [
        ("指定专人在活动结束后三日内上传灯塔系统，并与工作记录本逐项核对。", ONGOING),
    ]),
}
EXTENDED = (4, "党员参与学院中心工作积极性不高，先锋模范作用发挥不明显。", [
    ("设立党员先锋岗，在教学科研一线开展党员亮身份、作表率活动。", 2),
])
AMENDED_DEADLINE = 20  # 通过后修改: the amended branch moves a deadline to three weeks from the demo's day
# Which findings each demo branch records (by general branch and branch number).
BRANCH_FINDINGS = {
    (1, 1): [(1, 1), (2, 2)],
    (1, 2): [(2, 1), (3, 2), (6, 2)],
    (1, 3): [(2, 6), (4, 1)],
    (1, 4): [(1, 1), (2, 1), (3, 3), (6, 2), (6, 3)],
    (1, 5): [(2, 6), (6, 2)],
    (2, 1): [(2, 2), (4, 4), (3, 2)],
}


def _user(username: str):
    return get_user_model().objects.filter(username=username).first()


def _manifestation(ledger: Ledger, key: tuple[int, int]) -> Manifestation | None:
    return Manifestation.objects.filter(category__template_id=ledger.campaign.template_id,
                                        category__order=key[0], order=key[1]).first()


def _photo(caption: str) -> SimpleUploadedFile:
    """A small generated picture standing in for a meeting photo."""
    image = Image.new("RGB", (480, 320), (176, 32, 32))
    ImageDraw.Draw(image).rectangle((20, 20, 460, 300), outline=(255, 230, 160), width=6)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return SimpleUploadedFile(f"{caption}.jpg", out.getvalue(), content_type="image/jpeg")


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{name}.pdf", b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n")


class Story:
    """One branch's part of the demo: who fills and reviews, and the calendar its dates come from."""

    def __init__(self, ledger: Ledger, actor, staff, calendar: DemoCalendar) -> None:
        self.ledger, self.actor, self.staff, self.calendar = ledger, actor, staff, calendar
        self.words = {"year": calendar.year, "next_year": calendar.year + 1, "elected": calendar.year - 3}

    def text(self, template: str) -> str:
        return template.format(**self.words)

    def deadline(self, offset: int | None) -> datetime.date | None:
        return None if offset is ONGOING else self.calendar.day(offset)


def _self_check(story: Story, findings: list[tuple[int, int]], *, limit: int | None = None) -> None:
    ledger = story.ledger
    manifestations = Manifestation.objects.filter(category__template_id=ledger.campaign.template_id)
    found = {(m.category.order, m.order) for m in manifestations.select_related("category")} & set(findings)
    for index, m in enumerate(manifestations.select_related("category").order_by("category__order", "order")):
        if limit is not None and index >= limit:
            break
        key = (m.category.order, m.order)
        description = story.text(FINDINGS[key][0]) if key in found else ""
        wf.self_check_answer(actor=story.actor, ledger=ledger, manifestation=m, found=key in found,
                             description=description)


def _measures(story: Story, findings: list[tuple[int, int]], *, extended: bool) -> list[RectificationItem]:
    ledger, actor = story.ledger, story.actor
    items = []
    for key in findings:
        m = _manifestation(ledger, key)
        problem = ledger.problems.filter(manifestation=m).first() if m else None
        if problem is None:
            continue
        for measure, offset in FINDINGS[key][1]:
            items.append(wf.item_add(actor=actor, problem=problem, measure=story.text(measure),
                                     deadline=story.deadline(offset), is_ongoing=offset is ONGOING,
                                     responsible_user=actor, responsible_leader="党总支书记" if key[0] == 1 else ""))
    if extended:
        order, text, measures = EXTENDED
        category = ledger.campaign.template.categories.filter(order=order).first()
        if category is not None:
            problem = wf.problem_add(actor=actor, ledger=ledger, category=category, description=text,
                                     source=ProblemSource.EXTENDED, nature=ProblemNature.COMMON)
            for measure, offset in measures:
                items.append(wf.item_add(actor=actor, problem=problem, measure=measure,
                                         deadline=story.deadline(offset), is_ongoing=offset is ONGOING,
                                         responsible_name="组织委员 刘老师"))
    return items


def _finish(story: Story, item: RectificationItem, *, close: bool) -> None:
    actor = story.actor
    wf.progress_note_add(actor=actor, item=item, text="已按措施完成整改，相关记录已归档。")
    evidence_add(actor=actor, item=item, upload=_photo("支委会会议照片"))
    evidence_add(actor=actor, item=item, upload=_pdf("会议记录扫描件"))
    wf.item_request_closure(actor=actor, item=item, comment="整改完成，申请销号。")
    if close:
        wf.item_close(actor=story.staff, item=item, comment="经核实，佐证材料齐全，同意销号。")


def _accepted(story: Story, findings) -> list[RectificationItem]:
    _self_check(story, findings)
    items = _measures(story, findings, extended=True)
    wf.ledger_submit(actor=story.actor, ledger=story.ledger)
    wf.ledger_accept(actor=story.staff, ledger=story.ledger, comment="问题查摆准确，措施具体可行，同意。")
    return items


def _draft(story: Story, findings) -> None:
    """填报中: half of the self-check done, weeks late."""
    _self_check(story, findings, limit=12)


def _submitted(story: Story, findings) -> None:
    """已提交, waiting for the general branch."""
    _self_check(story, findings)
    _measures(story, findings, extended=False)
    wf.ledger_submit(actor=story.actor, ledger=story.ledger)


def _returned(story: Story, findings) -> None:
    """已退回 with a comment and a reason."""
    _submitted(story, findings)
    wf.comment_add(actor=story.staff, ledger=story.ledger, text="“党费公示”一项请写明公示的渠道和频次。")
    wf.ledger_return(actor=story.staff, ledger=story.ledger,
                     reason="问题查摆不够深入，未开展延伸自查；部分措施缺少具体时间节点，请补充后重新提交。")


def _in_progress(story: Story, findings) -> None:
    """已通过，整改中: one measure closed, one closure requested, one overdue, one due in two days, 立行立改."""
    items = _accepted(story, findings)
    dated = [item for item in items if not item.is_ongoing]
    ongoing = [item for item in items if item.is_ongoing]
    if dated:
        _finish(story, dated[0], close=True)
    if len(dated) > 1:
        _finish(story, dated[1], close=False)
    if len(dated) > 2:  # overdue: still in progress after its deadline
        wf.item_start(actor=story.actor, item=dated[2])
        wf.progress_note_add(actor=story.actor, item=dated[2], text="已完成一半，剩余工作因期末教学任务重推迟。")
    for item in ongoing[:1]:
        wf.progress_note_add(actor=story.actor, item=item, text="本月已按计划召开支委会，持续坚持。")


def _all_closed(story: Story, findings) -> None:
    """已通过，全部销号."""
    for item in _accepted(story, findings):
        _finish(story, item, close=True)


def _amended(story: Story, findings) -> None:
    """通过后修改: a deadline moved and a problem added after acceptance."""
    actor, ledger = story.actor, story.ledger
    items = _accepted(story, findings)
    item = next((item for item in items if not item.is_ongoing), None)
    if item is not None:
        wf.item_update(actor=actor, item=item, version=item.version, measure=item.measure,
                       deadline=story.deadline(AMENDED_DEADLINE), responsible_user=actor,
                       responsible_leader=item.responsible_leader)
    category = ledger.campaign.template.categories.filter(order=2).first()
    if category is not None:
        problem = wf.problem_add(actor=actor, ledger=ledger, category=category,
                                 description="党员领导干部参加所在党支部组织生活次数偏少。",
                                 source=ProblemSource.REPORT_REVIEW)
        wf.item_add(actor=actor, problem=problem, measure="党员领导干部每季度至少参加一次所在支部组织生活。",
                    is_ongoing=True, responsible_user=actor)


# (general branch, branch) → its story and the days (from the demo's day) its history is spread over: the first
# entry, the last review step (submission, return or acceptance), the last entry after that.
STORIES = {
    (1, 1): (_draft, (-38, -3, -3)),
    (1, 2): (_submitted, (-40, -2, -2)),
    (1, 3): (_returned, (-40, -4, -4)),
    (1, 4): (_in_progress, (-41, -26, -1)),
    (1, 5): (_all_closed, (-41, -27, -8)),
    (2, 1): (_amended, (-40, -25, -2)),
}


def seed_workflow(root, today: datetime.date | None = None) -> None:
    """Ledgers in each state for the demo university's current campaign; nothing when it is absent.

    `today` is not used: the dates come from the campaign's calendar, so a later run agrees with the first."""
    campaign = current_campaign(root)
    if campaign is None:
        return
    calendar = DemoCalendar.of(campaign)
    for (g, b), (story_of, (first, reviewed, last)) in STORIES.items():
        ledger = Ledger.objects.filter(campaign=campaign, unit__code=f"WFU-{g:02d}-{b:02d}").first()
        actor, staff = _user(f"zhishu{g}{b}"), _user(f"zongzhi{g}")
        if ledger is None or actor is None or staff is None:
            continue
        if ledger.problems.exists() or ledger.self_check_answers.exists():
            continue  # already seeded (or touched by a person): leave it
        story_of(Story(ledger, actor, staff, calendar), BRANCH_FINDINGS[(g, b)])
        backdate_ledger(ledger, first_day=calendar.day(first), reviewed_on=calendar.day(reviewed),
                        last_day=calendar.day(last))
