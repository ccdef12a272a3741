"""Demo ledgers of the Weifang campaign (组织部〔2022〕44号) in every state of the workflow.

Everything goes through the workflow services, so the demo history is what real use would record.
Idempotent: a ledger that already has answers or problems is left as it is.
"""

from __future__ import annotations

import datetime
import io

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from ledger.models import Campaign, Ledger, Manifestation, ProblemNature, ProblemSource, RectificationItem
from ledger.services import workflow as wf
from ledger.services.evidence import evidence_add

DOC_NUMBER = "组织部〔2022〕44号"
D = datetime.date
ONGOING = None  # a measure "立行立改、长期坚持"

# (category order, manifestation order) → the problem found and its measures (text, deadline or ONGOING).
FINDINGS: dict[tuple[int, int], tuple[str, list[tuple[str, datetime.date | None]]]] = {
    (1, 1): ("支部委员会于2019年9月选举产生，任期已满未按期换届。", [
        ("10月底前向党总支报送换届请示，按程序召开党员大会进行换届选举。", D(2022, 10, 31)),
        ("建立支部委员会任期台账，任期届满前半年提醒。", ONGOING),
    ]),
    (2, 1): ("2022年以来支委会会议仅召开5次，未做到每月召开；支部书记讲党课仅1次。", [
        ("制定年度“三会一课”计划，支委会每月至少召开一次，党员大会每季度至少召开一次。", ONGOING),
        ("支部书记11月中旬前为全体党员讲专题党课一次。", D(2022, 11, 15)),
    ]),
    (2, 2): ("主题党日活动主题不明确，多以集中学习文件代替，内容形式单一。", [
        ("每月初由支委会研究确定主题党日主题，结合专业特点开展志愿服务、现场教学等活动。", D(2022, 11, 30)),
    ]),
    (2, 6): ("未按季度公示本支部党员缴纳党费情况。", [
        ("自第四季度起在支部公示栏和“灯塔—党建在线”按季度公示党费缴纳情况。", D(2022, 10, 31)),
    ]),
    (3, 2): ("开展谈心谈话存在“谈工作不谈思想”的问题，谈话记录内容简单。", [
        ("支部书记、委员分工与每名党员开展一次谈心谈话，并规范填写谈话记录。", D(2022, 11, 30)),
    ]),
    (3, 3): ("党员激励关爱帮扶措施不多，“政治生日”制度未落实。", [
        ("建立党员“政治生日”台账，每月为当月入党的党员过政治生日。", ONGOING),
    ]),
    (4, 1): ("缺少支部年度工作计划，个别工作直接照搬上级部署安排。", [
        ("结合学院中心工作研究制定2023年度支部工作计划，经支委会讨论通过。", D(2022, 12, 31)),
    ]),
    (4, 4): ("支部党建工作与教学科研结合不紧密，存在“两张皮”问题。", [
        ("围绕课程思政建设开展“党建+业务”主题活动，每学期不少于两次。", D(2023, 6, 30)),
    ]),
    (6, 2): ("党支部工作记录本部分项目填写有缺项，个别会议参会人员未签字。", [
        ("组织委员逐项检查2022年工作记录本，补全缺项和签字。", D(2022, 10, 20)),
    ]),
    (6, 3): ("“灯塔—党建在线”系统上传内容与工作记录本不一致，部分活动补传超过七天。", [
        ("指定专人在活动结束后三日内上传灯塔系统，并与工作记录本逐项核对。", ONGOING),
    ]),
}
EXTENDED = (4, "党员参与学院中心工作积极性不高，先锋模范作用发挥不明显。", [
    ("设立党员先锋岗，在教学科研一线开展党员亮身份、作表率活动。", D(2022, 12, 15)),
])
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


def _self_check(ledger: Ledger, actor, findings: list[tuple[int, int]], *, limit: int | None = None) -> None:
    manifestations = Manifestation.objects.filter(category__template_id=ledger.campaign.template_id)
    found = {(m.category.order, m.order) for m in manifestations.select_related("category")} & set(findings)
    for index, m in enumerate(manifestations.select_related("category").order_by("category__order", "order")):
        if limit is not None and index >= limit:
            break
        key = (m.category.order, m.order)
        description = FINDINGS[key][0] if key in found else ""
        wf.self_check_answer(actor=actor, ledger=ledger, manifestation=m, found=key in found,
                             description=description)


def _measures(ledger: Ledger, actor, findings: list[tuple[int, int]], *, extended: bool) -> list[RectificationItem]:
    items = []
    for key in findings:
        m = _manifestation(ledger, key)
        problem = ledger.problems.filter(manifestation=m).first() if m else None
        if problem is None:
            continue
        for measure, deadline in FINDINGS[key][1]:
            items.append(wf.item_add(actor=actor, problem=problem, measure=measure, deadline=deadline,
                                     is_ongoing=deadline is None, responsible_user=actor,
                                     responsible_leader="党总支书记" if key[0] == 1 else ""))
    if extended:
        order, text, measures = EXTENDED
        category = ledger.campaign.template.categories.filter(order=order).first()
        if category is not None:
            problem = wf.problem_add(actor=actor, ledger=ledger, category=category, description=text,
                                     source=ProblemSource.EXTENDED, nature=ProblemNature.COMMON)
            for measure, deadline in measures:
                items.append(wf.item_add(actor=actor, problem=problem, measure=measure, deadline=deadline,
                                         is_ongoing=deadline is None, responsible_name="组织委员 刘老师"))
    return items


def _finish(item: RectificationItem, actor, staff, *, close: bool) -> None:
    wf.progress_note_add(actor=actor, item=item, text="已按措施完成整改，相关记录已归档。")
    evidence_add(actor=actor, item=item, upload=_photo("支委会会议照片"))
    evidence_add(actor=actor, item=item, upload=_pdf("会议记录扫描件"))
    wf.item_request_closure(actor=actor, item=item, comment="整改完成，申请销号。")
    if close:
        wf.item_close(actor=staff, item=item, comment="经核实，佐证材料齐全，同意销号。")


def _accepted(ledger: Ledger, actor, staff, findings) -> list[RectificationItem]:
    _self_check(ledger, actor, findings)
    items = _measures(ledger, actor, findings, extended=True)
    wf.ledger_submit(actor=actor, ledger=ledger)
    wf.ledger_accept(actor=staff, ledger=ledger, comment="问题查摆准确，措施具体可行，同意。")
    return items


def _seed_branch(ledger: Ledger, g: int, b: int, actor, staff) -> None:
    findings = BRANCH_FINDINGS[(g, b)]
    if (g, b) == (1, 1):  # 填报中: half of the self-check done
        _self_check(ledger, actor, findings, limit=12)
        return
    if (g, b) == (1, 2):  # 已提交
        _self_check(ledger, actor, findings)
        _measures(ledger, actor, findings, extended=False)
        wf.ledger_submit(actor=actor, ledger=ledger)
        return
    if (g, b) == (1, 3):  # 已退回
        _self_check(ledger, actor, findings)
        _measures(ledger, actor, findings, extended=False)
        wf.ledger_submit(actor=actor, ledger=ledger)
        wf.comment_add(actor=staff, ledger=ledger, text="“党费公示”一项请写明公示的渠道和频次。")
        wf.ledger_return(actor=staff, ledger=ledger,
                         reason="问题查摆不够深入，未开展延伸自查；部分措施缺少具体时间节点，请补充后重新提交。")
        return
    items = _accepted(ledger, actor, staff, findings)
    if (g, b) == (1, 4):  # 已通过，整改中：销号、申请销号、逾期、长期坚持各一
        dated = [item for item in items if not item.is_ongoing]
        ongoing = [item for item in items if item.is_ongoing]
        if dated:
            _finish(dated[0], actor, staff, close=True)
        if len(dated) > 1:
            _finish(dated[1], actor, staff, close=False)
        if len(dated) > 2:  # overdue: still in progress after its deadline
            wf.item_start(actor=actor, item=dated[2])
            wf.progress_note_add(actor=actor, item=dated[2], text="已完成一半，剩余工作因疫情防控推迟。")
        for item in ongoing[:1]:
            wf.progress_note_add(actor=actor, item=item, text="本月已按计划召开支委会，持续坚持。")
        return
    if (g, b) == (1, 5):  # 已通过，全部销号
        for item in items:
            _finish(item, actor, staff, close=True)
        return
    if (g, b) == (2, 1):  # 通过后修改
        item = next((item for item in items if not item.is_ongoing), None)
        if item is not None:
            wf.item_update(actor=actor, item=item, version=item.version, measure=item.measure,
                           deadline=D(2022, 12, 20), responsible_user=actor,
                           responsible_leader=item.responsible_leader)
        category = ledger.campaign.template.categories.filter(order=2).first()
        if category is not None:
            problem = wf.problem_add(actor=actor, ledger=ledger, category=category,
                                     description="党员领导干部参加所在党支部组织生活次数偏少。",
                                     source=ProblemSource.REPORT_REVIEW)
            wf.item_add(actor=actor, problem=problem, measure="党员领导干部每季度至少参加一次所在支部组织生活。",
                        is_ongoing=True, responsible_user=actor)


def seed_workflow(root) -> None:
    """Ledgers in each state for the demo university's Weifang campaign; nothing when it is absent."""
    campaign = Campaign.objects.filter(doc_number=DOC_NUMBER, issuer__path__startswith=root.path).first()
    if campaign is None:
        return
    for (g, b) in BRANCH_FINDINGS:
        ledger = Ledger.objects.filter(campaign=campaign, unit__code=f"WFU-{g:02d}-{b:02d}").first()
        actor, staff = _user(f"zhishu{g}{b}"), _user(f"zongzhi{g}")
        if ledger is None or actor is None or staff is None:
            continue
        if ledger.problems.exists() or ledger.self_check_answers.exists():
            continue  # already seeded (or touched by a person): leave it
        _seed_branch(ledger, g, b, actor, staff)
