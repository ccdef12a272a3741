"""Chinese by default, English when the person switches: the same pages, the catalogue compiled by `make install`."""

from __future__ import annotations

from django.urls import reverse

from tests.factories import ledger_of, make_campaign


def test_pages_are_chinese_by_default_and_english_after_switching(client, tree, users):
    ledger = ledger_of(make_campaign(tree.root, actor=users["org"]), tree.b1)
    client.force_login(users["secretary"])
    page = client.get(reverse("ledger:ledger_detail", args=[ledger.pk])).content.decode()
    assert "我的工作" in page and "提交党总支审核" in page

    switched = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert switched.status_code == 302
    page = client.get(reverse("ledger:ledger_detail", args=[ledger.pk])).content.decode()
    assert "My work" in page and "Submit to General branch for review" in page
    assert "我的工作" not in page and "提交党总支审核" not in page


def test_refusals_follow_the_language(client, tree, users):
    ledger = ledger_of(make_campaign(tree.root, actor=users["org"]), tree.b1)
    client.force_login(users["secretary"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post(reverse("ledger:ledger_action", args=[ledger.pk, "submit"]), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Manifestations not yet checked: 4."]


def test_numbered_problems_read_as_phrases_in_both_languages(client, tree, users):
    from tests.factories import make_item, make_problem

    ledger = ledger_of(make_campaign(tree.root, actor=users["org"]), tree.b1)
    item = make_item(make_problem(ledger))
    client.force_login(users["secretary"])
    page = client.get(reverse("ledger:item_detail", args=[item.pk])).content.decode()
    assert "问题1①" in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("ledger:item_detail", args=[item.pk])).content.decode()
    assert "Problem 1①" in page and "Problem1" not in page
