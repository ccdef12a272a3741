"""The unit picker in a real browser, on a phone: typing a name lists the matches (htmx), a ticked unit stays chosen
through the next search, and the record saves exactly the units picked."""

from __future__ import annotations

from branches.models import Role, UnitKind
from reviews.models import SupervisionRecord
from tests.browser.conftest import PHONE
from tests.conftest import make_unit, make_user


def test_general_branch_staff_pick_two_branches_by_typing_on_a_phone(transactional_db, visit_as):
    root = make_unit(None, UnitKind.COMMITTEE, "R", "学院党委")
    gb = make_unit(root, UnitKind.GENERAL_BRANCH, "G1", "机关党总支")
    first = make_unit(gb, UnitKind.BRANCH, "B1", "财务处党支部")
    second = make_unit(gb, UnitKind.BRANCH, "B2", "图书馆党支部")
    make_unit(make_unit(root, UnitKind.GENERAL_BRANCH, "G2", "理学院党总支"), UnitKind.BRANCH, "B3", "数学系党支部")
    make_user("ganshi", gb, Role.GENERAL_BRANCH_STAFF)
    visit = visit_as(PHONE)
    visit.login("ganshi", "pw-123456")
    visit.go("/reviews/supervision/new/")
    page = visit.page
    page.select_option("#id_author_unit", str(gb.pk))
    page.fill("#id_date", "2022-11-02")
    page.fill("#id_participants", "组织员")

    search = page.locator("#id_visited_units")
    search.press_sequentially("图书", delay=50)
    page.locator(f"#id_visited_units-results input[value='{second.pk}']").check()
    search.fill("")
    search.press_sequentially("数学", delay=50)  # another general branch's: not theirs to supervise
    page.wait_for_selector("#id_visited_units-results >> text=没有找到可选的党组织")
    search.fill("")
    search.press_sequentially("财务", delay=50)
    search.press("Enter")  # searches; does not submit the form
    page.locator(f"#id_visited_units-results input[value='{first.pk}']").check()
    chosen = page.locator("[data-picker-chosen] input:checked")
    assert sorted(chosen.evaluate_all("boxes => boxes.map(box => box.value)")) == sorted([str(first.pk), str(second.pk)])
    assert not SupervisionRecord.objects.exists()
    visit.check("unit-picker-supervision-phone")

    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("networkidle")
    assert "督查记录已保存" in page.inner_text("main")
    record = SupervisionRecord.objects.get()
    assert {visit.unit_id for visit in record.visits.all()} == {first.pk, second.pk}
