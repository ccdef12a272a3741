"""Thin views: the user's own notifications, read marks, the email switch, and a unit's group robot."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import error_text
from config.http import found_or_404
from config.lists import page_of
from notifications import selectors, services
from notifications.forms import MessengerForm, PreferenceForm
from notifications.messengers import messenger_set
from notifications.models import Notification

PAGE_SIZE = 20


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = page_of(request, selectors.notifications_of(request.user), PAGE_SIZE)
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read and go to what it is about (the list when it links nowhere)."""
    try:
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    if notification.link and url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
        return redirect(notification.link)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("已将 %(count)s 条通知标为已读。") % {"count": count})
    return redirect("notifications:list")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    preference = selectors.preference_of(request.user)
    form = PreferenceForm(request.POST if request.method == "POST" else None, initial={"email_enabled": preference.email_enabled})
    if request.method == "POST" and form.is_valid():
        services.preference_set(user=request.user, email_enabled=form.cleaned_data["email_enabled"])
        messages.success(request, _("通知设置已保存。"))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@login_required
def messenger(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit's group robot (企业微信, 钉钉): set by the organization department, with its latest messages."""
    unit = found_or_404(selectors.messenger_unit_find(request.user, pk))
    if not selectors.can_set_messenger(request.user, unit):
        raise PermissionDenied
    current = selectors.messenger_of(unit)
    initial = {"platform": current.platform, "webhook_url": current.webhook_url, "enabled": current.enabled} \
        if current else {"enabled": True}
    form = MessengerForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            messenger_set(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("群机器人已保存。"))
            return redirect("notifications:messenger", pk=unit.pk)
    return render(request, "notifications/messenger.html", {
        "unit": unit, "form": form, "messenger": current,
        "deliveries": selectors.deliveries_of(unit), "history": selectors.messenger_history(current),
    })
