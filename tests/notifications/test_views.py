"""The bell, the list, read marks and the email switch, as a user sees them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Notification, NotificationKind, NotificationPreference


def notify(user, title="提醒", link="", **fields):
    return Notification.objects.create(recipient=user, kind=NotificationKind.ITEM_DUE_SOON, title=title, link=link,
                                       **fields)


@pytest.fixture
def secretary_client(client, users):
    client.force_login(users["secretary"])
    return client


def test_bell_shows_the_unread_count_with_one_query(secretary_client, users):
    for n in range(3):
        notify(users["secretary"], title=f"提醒{n}")
    notify(users["member"])
    Notification.objects.filter(title="提醒0").update(read_at="2022-10-01T00:00Z")

    with CaptureQueriesContext(connection) as queries:
        response = secretary_client.get(reverse("home"))

    assert response.status_code == 200
    assert '<span class="badge rounded-pill text-bg-light" id="unread-count">2</span>' in response.text
    assert len([q for q in queries.captured_queries if "notifications_notification" in q["sql"]]) == 1


def test_no_badge_without_unread_notifications(secretary_client):
    response = secretary_client.get(reverse("home"))
    assert 'id="unread-count"' not in response.text


def test_list_shows_only_ones_own_notifications_paginated(secretary_client, users):
    for n in range(25):
        notify(users["secretary"], title=f"我的提醒{n:02d}")
    notify(users["member"], title="别人的提醒")

    first = secretary_client.get(reverse("notifications:list"))
    second = secretary_client.get(reverse("notifications:list"), {"page": 2})

    assert first.status_code == 200
    assert "我的提醒24" in first.text and "我的提醒04" not in first.text
    assert "我的提醒04" in second.text and "第 2 / 2 页" in second.text
    assert "别人的提醒" not in first.text + second.text


def test_opening_a_notification_marks_it_read_and_goes_to_its_object(secretary_client, users):
    mine = notify(users["secretary"], link="/ledger/items/7/")

    response = secretary_client.post(reverse("notifications:read", args=[mine.pk]))

    assert response.status_code == 302 and response.url == "/ledger/items/7/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_an_outside_link_is_never_followed(secretary_client, users):
    mine = notify(users["secretary"], link="https://evil.example/")
    response = secretary_client.post(reverse("notifications:read", args=[mine.pk]))
    assert response.url == reverse("notifications:list")


def test_someone_elses_notification_is_404_and_stays_unread(secretary_client, users):
    theirs = notify(users["member"])
    response = secretary_client.post(reverse("notifications:read", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_reading_needs_post(secretary_client, users):
    mine = notify(users["secretary"])
    assert secretary_client.get(reverse("notifications:read", args=[mine.pk])).status_code == 405
    mine.refresh_from_db()
    assert mine.read_at is None


def test_mark_all_read_touches_only_ones_own(secretary_client, users):
    notify(users["secretary"])
    notify(users["secretary"])
    theirs = notify(users["member"])

    response = secretary_client.post(reverse("notifications:read_all"), follow=True)

    assert "已将 2 条通知标为已读。" in response.text
    assert not Notification.objects.filter(recipient=users["secretary"], read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_email_switch_on_the_preferences_page(secretary_client, users):
    page = secretary_client.get(reverse("notifications:preferences"))
    assert page.status_code == 200 and "同时通过电子邮件接收提醒和通知" in page.text

    response = secretary_client.post(reverse("notifications:preferences"), {}, follow=True)  # box unticked

    assert "通知设置已保存。" in response.text
    assert NotificationPreference.objects.get(user=users["secretary"]).email_enabled is False
    secretary_client.post(reverse("notifications:preferences"), {"email_enabled": "on"})
    assert NotificationPreference.objects.get(user=users["secretary"]).email_enabled is True


def test_pages_need_login(client, db):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and "/accounts/login/" in response.url
