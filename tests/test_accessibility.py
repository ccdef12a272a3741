"""Why a form was refused is announced to screen readers, not only shown: the errors that belong to no single
field (a wrong password, a rule across fields) are an ARIA alert, and a refused field points at its message."""

from __future__ import annotations

import lxml.html
from django.urls import reverse


def test_a_wrong_password_is_announced_as_an_alert(client, users):
    response = client.post(reverse("login"), {"username": "secretary", "password": "not-the-password"})
    page = lxml.html.fromstring(response.content.decode())
    alerts = [" ".join(alert.text_content().split()) for alert in page.xpath("//main//*[@role='alert']")]
    assert "用户名或密码不正确。" in alerts


def test_a_refused_field_is_marked_invalid_and_points_at_its_message(client, users):
    response = client.post(reverse("login"), {"username": "secretary", "password": ""})
    page = lxml.html.fromstring(response.content.decode())
    (password,) = page.xpath("//input[@name='password']")
    assert password.get("aria-invalid") == "true"
    (message,) = page.xpath(f"//*[@id='{password.get('aria-describedby')}']")
    assert "这个字段是必填项" in message.text_content()
