"""A ledger gathers hundreds of events in a year: its page shows the latest, the history page shows them all."""

from __future__ import annotations

from django.urls import reverse

from ledger.models import LedgerEvent
from ledger.selectors.workflow import HISTORY_ON_PAGE
from ledger.services.workflow import comment_add
from tests.factories import ledger_of, make_campaign


def test_ledger_page_shows_the_latest_events_and_links_to_all(client, tree, users):
    ledger = ledger_of(make_campaign(tree.root, actor=users["org"]), tree.b1)
    for n in range(HISTORY_ON_PAGE + 5):
        comment_add(actor=users["gb_staff"], ledger=ledger, text=f"第{n:03d}条意见")
    assert LedgerEvent.objects.filter(ledger=ledger).count() == HISTORY_ON_PAGE + 6  # and the ledger's creation
    client.force_login(users["secretary"])

    page = client.get(reverse("ledger:ledger_detail", args=[ledger.pk])).content.decode()
    newest, oldest_shown = HISTORY_ON_PAGE + 4, 5
    assert f"第{newest:03d}条意见" in page and f"第{oldest_shown:03d}条意见" in page
    assert f"第{oldest_shown - 1:03d}条意见" not in page  # older: on the history page
    assert reverse("ledger:ledger_history", args=[ledger.pk]) in page

    history = client.get(reverse("ledger:ledger_history", args=[ledger.pk])).content.decode()
    assert "第000条意见" in history and f"第{newest:03d}条意见" in history


def test_the_ledger_page_folds_its_latest_ten_events(client, tree, users):
    """On a phone the table of every event made the ledger's page thousands of pixels tall: it shows the latest
    ten, folded until the reader opens them."""
    ledger = ledger_of(make_campaign(tree.root, actor=users["org"]), tree.b1)
    for n in range(12):
        comment_add(actor=users["gb_staff"], ledger=ledger, text=f"第{n:03d}条意见")
    client.force_login(users["secretary"])
    page = client.get(reverse("ledger:ledger_detail", args=[ledger.pk])).content.decode()
    folded = page[page.index('<details class="ledger-history-fold'):]
    folded = folded[:folded.index("</details>")]
    assert "最近 10 条" in folded
    assert "第011条意见" in folded and "第002条意见" in folded and "第001条意见" not in page


def test_a_short_history_is_all_on_the_ledger_page(client, tree, users):
    ledger = ledger_of(make_campaign(tree.root, actor=users["org"]), tree.b1)
    comment_add(actor=users["gb_staff"], ledger=ledger, text="唯一的意见")
    client.force_login(users["secretary"])
    page = client.get(reverse("ledger:ledger_detail", args=[ledger.pk])).content.decode()
    assert "唯一的意见" in page
    assert reverse("ledger:ledger_history", args=[ledger.pk]) not in page


def test_the_history_page_comes_thirty_events_at_a_time(client, tree, users):
    ledger = ledger_of(make_campaign(tree.root, actor=users["org"]), tree.b1)
    for n in range(31):
        comment_add(actor=users["gb_staff"], ledger=ledger, text=f"第{n:03d}条意见")
    client.force_login(users["secretary"])
    url = reverse("ledger:ledger_history", args=[ledger.pk])
    first = client.get(url).content.decode()
    assert "第028条意见" in first and "第029条意见" not in first  # the ledger's creation is the first of thirty
    assert "第029条意见" in client.get(url, {"page": 2}).content.decode()
