"""The workflow pages: the scoping matrix, stale saves, uploads, query counts and the full loop in a browser's
shoes (the Django test client)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledger.models import (
    EventAction,
    Evidence,
    ItemStatus,
    LedgerEvent,
    LedgerStatus,
    Manifestation,
    Problem,
    RectificationItem,
    SelfCheckAnswer,
)
from ledger.services import workflow as wf
from ledger.services.evidence import evidence_add
from tests.factories import filler_of, ledger_of, make_campaign, make_item, make_problem
from tests.ledger.workflow_support import pdf_upload, png_upload

# --- the matrix -----------------------------------------------------------------------------------------------

VISIBLE = {"secretary": {"b1"}, "member": {"b1"}, "gb_staff": {"b1", "b2"}, "org": {"b1", "b2", "b3"},
           "inspector": {"b1", "b2", "b3"}}
FILL = {"secretary": {"b1"}, "member": {"b1"}}
SUPERVISE = {"gb_staff": {"b1", "b2"}, "org": {"b1", "b2", "b3"}}
# action → (right needed, method, url builder)
ACTIONS = {
    "view": (VISIBLE, "get", lambda t: reverse("ledger:ledger_detail", args=[t["ledger"].pk])),
    "view_item": (VISIBLE, "get", lambda t: reverse("ledger:item_detail", args=[t["item"].pk])),
    "self_check": (VISIBLE, "get", lambda t: reverse("ledger:self_check", args=[t["ledger"].pk])),
    "changes": (VISIBLE, "get", lambda t: reverse("ledger:ledger_changes", args=[t["ledger"].pk])),
    "edit": (FILL, "get", lambda t: reverse("ledger:problem_create", args=[t["ledger"].pk])),
    "edit_item": (FILL, "get", lambda t: reverse("ledger:item_edit", args=[t["item"].pk])),
    "submit": (FILL, "post", lambda t: reverse("ledger:ledger_action", args=[t["ledger"].pk, "submit"])),
    "return": (SUPERVISE, "post", lambda t: reverse("ledger:ledger_action", args=[t["ledger"].pk, "return"])),
    "accept": (SUPERVISE, "post", lambda t: reverse("ledger:ledger_action", args=[t["ledger"].pk, "accept"])),
    "request_closure": (FILL, "post", lambda t: reverse("ledger:item_action", args=[t["item"].pk, "request-closure"])),
    "close": (SUPERVISE, "post", lambda t: reverse("ledger:item_action", args=[t["requested"].pk, "close"])),
    "bulk_close": (SUPERVISE, "post", lambda t: reverse("ledger:bulk_close", args=[t["ledger"].pk])),
    "download": (VISIBLE, "get", lambda t: reverse("ledger:evidence_download", args=[t["evidence"].pk])),
    "thumbnail": (VISIBLE, "get", lambda t: reverse("ledger:evidence_thumbnail", args=[t["evidence"].pk])),
}


def _target(ledger):
    actor = filler_of(ledger)
    item = make_item(make_problem(ledger, user=actor), user=actor)
    wf.progress_note_add(actor=actor, item=item, text="进展")
    evidence = evidence_add(actor=actor, item=item, upload=png_upload())
    requested = make_item(item.problem, user=actor)
    wf.progress_note_add(actor=actor, item=requested, text="完成")
    wf.item_request_closure(actor=actor, item=requested)
    return {"ledger": ledger, "item": item, "requested": requested, "evidence": evidence}


@pytest.fixture
def targets(tree, users):
    campaign = make_campaign(tree.root, actor=users["org"])
    other = make_campaign(tree.other_root, name="另一专项行动")
    units = {"b1": tree.b1, "b2": tree.b2, "b3": tree.b3}
    result = {key: _target(ledger_of(campaign, unit)) for key, unit in units.items()}
    result["other"] = _target(ledger_of(other, tree.other_branch))
    return result


@pytest.mark.parametrize("role", list(VISIBLE))
def test_matrix(client, users, targets, role):
    """Each role × own / sibling / cousin / other tree × every action: 200/302 allowed, 403 inside, 404 outside."""
    client.force_login(users[role])
    wrong = []
    for action, (right, method, url_of) in ACTIONS.items():
        for key, target in targets.items():
            response = getattr(client, method)(url_of(target), {"text": "意见"})
            if key not in VISIBLE[role]:
                expected = 404
            elif key in right.get(role, set()):
                expected = 200 if method == "get" else 302
            else:
                expected = 403
            if response.status_code != expected:
                wrong.append((action, key, response.status_code, expected))
    assert wrong == []


def test_secretary_post_close_changes_nothing(client, users, targets):
    client.force_login(users["secretary"])
    requested = targets["b1"]["requested"]
    assert client.post(reverse("ledger:item_action", args=[requested.pk, "close"])).status_code == 403
    requested.refresh_from_db()
    assert requested.status == ItemStatus.CLOSURE_REQUESTED


def test_campaign_ledgers_list_is_scoped_counted_and_sortable(client, users, targets):
    campaign = targets["b1"]["ledger"].campaign
    url = reverse("ledger:campaign_ledgers", args=[campaign.pk])
    client.force_login(users["gb_staff"])
    response = client.get(url, {"sort": "-items"})
    rows = list(response.context["rows"])
    assert [row.unit.code for row in rows] == ["B1", "B2"]
    assert (rows[0].n_problems, rows[0].n_items, rows[0].n_closed, rows[0].n_requested) == (1, 2, 0, 1)
    assert rows[0].last_change is not None
    assert "第三党支部" not in response.content.decode()
    assert len(client.get(url, {"status": "accepted"}).context["rows"]) == 0
    client.force_login(users["secretary"])
    assert [row.unit.code for row in client.get(url).context["rows"]] == ["B1"]
    other = targets["other"]["ledger"].campaign
    assert client.get(reverse("ledger:campaign_ledgers", args=[other.pk])).status_code == 404


def test_campaign_ledgers_runs_a_fixed_number_of_queries(client, users, targets, django_assert_max_num_queries):
    client.force_login(users["org"])
    url = reverse("ledger:campaign_ledgers", args=[targets["b1"]["ledger"].campaign_id])
    with django_assert_max_num_queries(8):
        client.get(url)


# --- evidence over HTTP ------------------------------------------------------------------------------------------


def test_download_is_an_attachment_with_the_safe_name_and_nosniff(client, users, targets):
    client.force_login(users["gb_staff"])
    evidence = targets["b1"]["evidence"]
    response = client.get(reverse("ledger:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "%E7%85%A7%E7%89%87.png" in response["Content-Disposition"]  # 照片.png, RFC 5987
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"


def test_upload_through_the_page_refuses_a_disguised_file(client, users, targets):
    client.force_login(users["secretary"])
    item = targets["b1"]["item"]
    before = Evidence.objects.count()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(reverse("ledger:item_action", args=[item.pk, "evidence"]),
                           {"file": SimpleUploadedFile("报告.pdf", b"MZ\x90\x00 program")}, follow=True)
    assert "内容不是允许的类型" in response.content.decode()
    assert Evidence.objects.count() == before


def test_upload_through_the_page_stores_the_file(client, users, targets):
    client.force_login(users["member"])
    item = targets["b1"]["item"]
    response = client.post(reverse("ledger:item_action", args=[item.pk, "evidence"]),
                           {"file": pdf_upload("../../会议记录.pdf")}, follow=True)
    assert "佐证材料已上传" in response.content.decode()
    assert item.evidence.filter(original_name="会议记录.pdf").exists()


# --- stale saves -------------------------------------------------------------------------------------------------


def test_stale_item_save_is_refused_and_the_page_keeps_what_was_typed(client, users, targets):
    item = targets["b1"]["item"]
    item.refresh_from_db()
    seen = item.version
    wf.item_update(actor=users["member"], item=item, version=seen, measure="支委先保存的措施",
                   deadline=item.deadline, responsible_name="李四")
    client.force_login(users["secretary"])
    response = client.post(reverse("ledger:item_edit", args=[item.pk]), {
        "version": seen, "measure": "书记正在输入的措施", "deadline": "2022-10-30", "responsible_name": "王五",
    })
    body = response.content.decode()
    assert response.status_code == 200
    assert "您填写的内容没有保存" in body and "书记正在输入的措施" in body and "支委先保存的措施" in body
    item.refresh_from_db()
    assert item.measure == "支委先保存的措施"
    assert f'name="version" value="{item.version}"' in body  # saving again is a deliberate overwrite


def test_stale_problem_save_is_refused(client, users, targets):
    problem = targets["b1"]["item"].problem
    seen = problem.version
    wf.problem_update(actor=users["member"], problem=problem, version=seen, category=problem.category,
                      description="先保存的", source=problem.source, nature=problem.nature)
    client.force_login(users["secretary"])
    response = client.post(reverse("ledger:problem_edit", args=[problem.pk]), {
        "version": seen, "category": problem.category_id, "description": "后保存的", "source": "extended",
        "nature": "individual",
    })
    assert "已被他人修改" in response.content.decode() and "后保存的" in response.content.decode()
    problem.refresh_from_db()
    assert problem.description == "先保存的"


def test_bad_deadline_shows_the_message_and_saves_nothing(client, users, targets):
    problem = targets["b1"]["item"].problem
    client.force_login(users["secretary"])
    count = RectificationItem.objects.count()
    response = client.post(reverse("ledger:item_create", args=[problem.pk]), {
        "measure": "新措施", "deadline": "2030-01-01", "responsible_name": "张三"})
    assert response.status_code == 200 and "整改时限应在" in response.content.decode()
    assert RectificationItem.objects.count() == count


# --- query counts ------------------------------------------------------------------------------------------------


def _fill(ledger, items: int) -> None:
    actor = filler_of(ledger)
    categories = list(ledger.campaign.template.categories.all())
    problems = [make_problem(ledger, user=actor, category=categories[n % len(categories)]) for n in range(items // 4)]
    for n in range(items):
        item = make_item(problems[n % len(problems)], user=actor, ongoing=n % 7 == 0,
                         deadline=datetime.date(2022, 3, 1) if n % 5 == 0 else None)
        if n % 20 == 0:
            evidence_add(actor=actor, item=item, upload=png_upload())
            wf.progress_note_add(actor=actor, item=item, text="进展")


def _ledger_page_queries(client, ledger) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("ledger:ledger_detail", args=[ledger.pk]))
    assert response.status_code == 200
    return len(context.captured_queries)


def test_ledger_page_query_count_does_not_grow_with_items(client, users, tree, django_assert_max_num_queries):
    campaign = make_campaign(tree.root, actor=users["org"])
    small, large = ledger_of(campaign, tree.b1), ledger_of(campaign, tree.b2)
    _fill(small, 20)
    _fill(large, 200)
    assert large.items.count() == 200
    client.force_login(users["gb_staff"])
    small_count = _ledger_page_queries(client, small)
    with django_assert_max_num_queries(18):  # 15 before the phases (按阶段), the measures above (专项整治) and the copies handed down (上级交办)
        response = client.get(reverse("ledger:ledger_detail", args=[large.pk]))
    assert "逾期" in response.content.decode()
    assert _ledger_page_queries(client, large) == small_count


# --- the whole loop ------------------------------------------------------------------------------------------------


def test_full_loop_in_the_browser(client, users, tree):
    campaign = make_campaign(tree.root, actor=users["org"])
    ledger = ledger_of(campaign, tree.b1)
    secretary, gb = users["secretary"], users["gb_staff"]
    client.force_login(secretary)

    # 对账查摆: every manifestation answered with htmx, the first one "found"
    for index, m in enumerate(Manifestation.objects.filter(category__template=campaign.template).order_by("pk")):
        response = client.post(reverse("ledger:self_check_answer", args=[ledger.pk, m.pk]), {
            "found": "1" if index == 0 else "0", "description": "三会一课记录不全" if index == 0 else "", "version": 0,
        }, HTTP_HX_REQUEST="true")
        assert "已保存" in response.content.decode()
    assert f"{4}/{4}" in client.get(reverse("ledger:self_check", args=[ledger.pk])).content.decode()
    found = Problem.objects.get(ledger=ledger)
    # 延伸自查: one more problem, then measures for both
    response = client.post(reverse("ledger:problem_create", args=[ledger.pk]), {
        "category": found.category_id, "description": "支部活动与业务工作结合不紧", "source": "extended",
        "nature": "common"})
    extra = Problem.objects.get(ledger=ledger, number=2)
    assert response.status_code == 302
    for problem in (found, extra):
        client.post(reverse("ledger:item_create", args=[problem.pk]), {
            "measure": "制定三会一课计划并逐月落实", "deadline": "2022-10-31", "responsible_user": secretary.pk})
    client.post(reverse("ledger:item_create", args=[extra.pk]), {
        "measure": "立行立改，持续推进", "is_ongoing": "on", "responsible_name": "王五", "responsible_leader": "李书记"})
    assert RectificationItem.objects.filter(ledger=ledger).count() == 3

    def act(user, action, **data):
        client.force_login(user)
        ledger.refresh_from_db()
        return client.post(reverse("ledger:ledger_action", args=[ledger.pk, action]),
                           {"version": ledger.version, **data}, follow=True)

    assert "已提交" in act(secretary, "submit").content.decode()
    assert "退回台账必须填写原因" in act(gb, "return", text="").content.decode()
    act(gb, "return", text="措施不够具体，请细化到月")
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.RETURNED
    # the fix
    client.force_login(secretary)
    item = RectificationItem.objects.get(problem=found)
    client.post(reverse("ledger:item_edit", args=[item.pk]), {
        "version": item.version, "measure": "10月起每月第一周召开支委会，逐月记录", "deadline": "2022-10-31",
        "responsible_user": secretary.pk})
    act(secretary, "submit")
    act(gb, "accept", text="同意")
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.ACCEPTED
    # 销号
    client.force_login(secretary)
    client.post(reverse("ledger:item_action", args=[item.pk, "evidence"]), {"file": png_upload("支委会照片.png")})
    client.post(reverse("ledger:item_action", args=[item.pk, "request-closure"]), {"text": "已按月召开"})
    client.force_login(gb)
    client.post(reverse("ledger:item_action", args=[item.pk, "close"]), {"text": "材料属实"})
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED

    # The ledger page shows the latest events; its history page shows them all.
    page = client.get(reverse("ledger:ledger_history", args=[ledger.pk])).content.decode()
    for label in ("对照检查", "新增问题", "新增措施", "提交台账", "退回台账", "措施不够具体，请细化到月", "修改措施",
                  "通过台账", "上传佐证", "申请销号", "销号", "已销号"):
        assert label in page, label
    actions = set(LedgerEvent.objects.filter(ledger=ledger).values_list("action", flat=True))
    assert {EventAction.LEDGER_SUBMITTED, EventAction.LEDGER_RETURNED, EventAction.LEDGER_ACCEPTED,
            EventAction.CLOSURE_REQUESTED, EventAction.ITEM_CLOSED, EventAction.EVIDENCE_ADDED} <= actions


def test_amendment_after_acceptance_shows_on_the_changes_page(client, users, tree):
    from tests.ledger.workflow_support import submittable

    campaign = make_campaign(tree.root, actor=users["org"])
    ledger = ledger_of(campaign, tree.b1)
    submittable(ledger, users["secretary"])
    wf.ledger_submit(actor=users["secretary"], ledger=ledger)
    wf.ledger_accept(actor=users["gb_staff"], ledger=ledger)
    item = RectificationItem.objects.get(ledger=ledger)
    client.force_login(users["secretary"])
    client.post(reverse("ledger:item_edit", args=[item.pk]), {
        "version": item.version, "measure": "通过后调整的措施", "deadline": "2022-11-20", "responsible_name": "张三"})
    client.force_login(users["gb_staff"])
    body = client.get(reverse("ledger:ledger_changes", args=[ledger.pk])).content.decode()
    assert "通过后调整的措施" in body and "2022-10-31" in body and "2022-11-20" in body


def test_my_ledgers_lists_own_and_waiting_for_review(client, users, targets):
    client.force_login(users["secretary"])
    response = client.get(reverse("ledger:my_ledgers"))
    assert [ledger.unit.code for ledger in response.context["own"]] == ["B1"]
    assert list(response.context["review"]) == []
    client.force_login(users["gb_staff"])
    response = client.get(reverse("ledger:my_ledgers"))
    assert sorted(ledger.unit.code for ledger in response.context["review"]) == ["B1", "B2"]
    assert "1项待销号" in response.content.decode()


def test_item_form_shows_the_saved_deadline_in_chinese_locale(client, users, targets):
    item = targets["b1"]["item"]
    client.force_login(users["secretary"])
    response = client.get(reverse("ledger:item_edit", args=[item.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'value="2022-10-31"' in response.content.decode()  # <input type=date> needs ISO, not 2022/10/31


# --- the self-check's answers to htmx: a refusal is a 4xx the page tells from a save and from a server error ----


def _save_answer(client, ledger, manifestation, **data):
    return client.post(reverse("ledger:self_check_answer", args=[ledger.pk, manifestation.pk]), data,
                       HTTP_HX_REQUEST="true")


def test_a_stale_self_check_save_is_409_with_the_saved_answer_and_the_current_version(client, world, users):
    m = Manifestation.objects.filter(category__template=world.campaign.template).order_by("pk").first()
    first = wf.self_check_answer(actor=users["member"], ledger=world.ledger, manifestation=m, found=False)
    wf.self_check_answer(actor=users["member"], ledger=world.ledger, manifestation=m, found=True,
                         description="甲写的表现", version=first.version)
    client.force_login(users["secretary"])

    response = _save_answer(client, world.ledger, m, found="1", description="乙写的表现", version=first.version)

    html = response.content.decode()
    assert response.status_code == 409
    assert "已被他人修改" in html and "甲写的表现" in html and "核对后再次保存即以您的内容为准" in html
    assert f'id="sc-ver-{m.pk}" value="{first.version + 1}"' in html  # saving again is a deliberate choice
    assert SelfCheckAnswer.objects.get(ledger=world.ledger, manifestation=m).description == "甲写的表现"


def test_a_refused_self_check_save_is_400_with_the_reason(client, world, users):
    m = Manifestation.objects.filter(category__template=world.campaign.template).order_by("pk").first()
    client.force_login(users["secretary"])

    response = _save_answer(client, world.ledger, m, description="没有选", version=0)

    assert response.status_code == 400
    assert "请选择“存在问题”或“未发现问题”。" in response.content.decode()
    assert not SelfCheckAnswer.objects.filter(ledger=world.ledger).exists()
