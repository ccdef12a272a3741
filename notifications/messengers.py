"""Writes for the group robots (企业微信, 钉钉): a unit's robot settings, queueing and sending its messages.

The in-app notifications are always created first, in their own transaction; only after that commits are the
robot messages written to their outbox (`MessengerDelivery`, one row per unit and sweep or event) and handed to
the worker. Sending retries with growing pauses (beat every minute) until the robot answers errcode 0 or
MESSENGER_MAX_ATTEMPTS is reached; the row then says why it failed, on the unit's robot page.
"""

from __future__ import annotations

import datetime
import logging
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from branches.models import OrgUnit, RoleAssignment
from branches.selectors import SYSTEM, Action, scope_for
from branches.services import audit
from notifications import robots
from notifications.models import DeliveryStatus, Messenger, MessengerDelivery, MessengerPlatform

log = logging.getLogger(__name__)

MAX_LINES = 10  # notification titles listed in one robot message; the rest are counted


# --- settings -------------------------------------------------------------------------------------------


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise ValidationError(_("机器人地址无效：请粘贴以 http:// 或 https:// 开头的完整 Webhook 地址。"))


def _masked_url(url: str) -> str:
    """The address for the audit trail: the key or access token in it is a credential too."""
    parts = urllib.parse.urlsplit(url)
    query = "&".join(f"{urllib.parse.quote(name)}={'***' if value else ''}"
                     for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    return urllib.parse.urlunsplit(parts._replace(query=query))


@transaction.atomic
def messenger_set(*, actor, unit: OrgUnit, platform: str, webhook_url: str, secret: str = "",
                  enabled: bool = True) -> Messenger:
    """Set the unit's robot. An empty `secret` keeps the one saved before (the page never shows it back)."""
    if actor is not SYSTEM and (actor is None or not scope_for(actor).can(Action.MANAGE, unit)):
        raise PermissionDenied(_("您无权设置“%(unit)s”的群机器人。") % {"unit": unit.name})
    if platform not in MessengerPlatform.values:
        raise ValidationError(_("请选择企业微信或钉钉。"))
    webhook_url = webhook_url.strip()
    _check_url(webhook_url)
    messenger = Messenger.objects.select_for_update().filter(unit=unit).first() or Messenger(unit=unit)
    secret = secret.strip() or (messenger.secret if messenger.platform == platform else "")
    if platform == MessengerPlatform.DINGTALK and not secret:
        raise ValidationError(_("钉钉机器人需要填写加签密钥（安全设置中“加签”一项，以 SEC 开头）。"))
    changed_secret = secret != messenger.secret
    messenger.platform, messenger.webhook_url, messenger.enabled = platform, webhook_url, enabled
    messenger.secret = secret if platform == MessengerPlatform.DINGTALK else ""
    messenger.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    messenger.save()
    audit(actor=actor, obj=messenger, action="messenger_set", data={
        "unit": unit.pk, "platform": platform, "webhook_url": _masked_url(webhook_url), "enabled": enabled,
        "secret_changed": changed_secret,
    })
    return messenger


# --- queueing -------------------------------------------------------------------------------------------


class Digest:
    """The notifications of one sweep or event, gathered per unit whose robot is on (memory stays bounded)."""

    def __init__(self, key: str, *, user_ids: Iterable[int] | None = None) -> None:
        self.key = key
        self.units_of: dict[int, list[int]] = defaultdict(list)  # user → units with a robot they belong to
        rows = RoleAssignment.objects.filter(
            unit__messenger__enabled=True, unit__is_active=True, user__is_active=True
        ).values_list("user_id", "unit_id")
        if user_ids is not None:  # one event's few recipients: no need to load every robot unit's people
            rows = rows.filter(user_id__in=list(user_ids))
        for user_id, unit_id in rows:
            if unit_id not in self.units_of[user_id]:
                self.units_of[user_id].append(unit_id)
        self.counts: Counter[int] = Counter()
        self.titles: dict[int, dict[str, int]] = defaultdict(dict)  # the first MAX_LINES titles and their counts
        self.unlisted: Counter[int] = Counter()  # the notifications beyond those

    def add(self, notifications: Iterable) -> None:
        """Takes anything with recipient_id and title (saved notifications or sweep drafts)."""
        if not self.units_of:
            return
        for notification in notifications:
            for unit_id in self.units_of.get(notification.recipient_id, ()):
                self.counts[unit_id] += 1
                titles = self.titles[unit_id]
                if notification.title in titles or len(titles) < MAX_LINES:
                    titles[notification.title] = titles.get(notification.title, 0) + 1
                else:
                    self.unlisted[unit_id] += 1

    def queue(self) -> list[int]:
        """Write one outbox row per unit (once per key) and hand them to the worker after commit."""
        if not self.counts:
            return []
        units = OrgUnit.objects.in_bulk(list(self.counts))
        with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
            MessengerDelivery.objects.bulk_create(
                [MessengerDelivery(unit_id=unit_id, key=self.key, title=self._title(units[unit_id], count)[:200],
                                   text=self._text(unit_id))
                 for unit_id, count in sorted(self.counts.items())],
                ignore_conflicts=True,
            )
            ids = list(MessengerDelivery.objects.filter(key=self.key, unit_id__in=list(self.counts),
                                                        status=DeliveryStatus.PENDING, attempts=0)
                       .values_list("pk", flat=True))
            transaction.on_commit(lambda: deliveries_dispatch(delivery_ids=ids), robust=True)
        return ids

    @staticmethod
    def _title(unit: OrgUnit, count: int) -> str:
        return _("整改台账：%(unit)s 有 %(count)s 条新通知") % {"unit": unit.name, "count": count}

    def _text(self, unit_id: int) -> str:
        listed = list(self.titles[unit_id].items())
        unlisted = self.unlisted[unit_id]
        link = _("[在整改台账中查看](%(link)s)") % {"link": f"{settings.SITE_URL.rstrip('/')}/notifications/"}
        while True:
            lines = [f"- {title}" + (_("（%(count)s条）") % {"count": count} if count > 1 else "")
                     for title, count in listed]
            if unlisted:
                lines.append(_("- 另有 %(count)s 条") % {"count": unlisted})
            text = "\n".join([*lines, "", link])
            if len(text.encode()) <= robots.MAX_TEXT_BYTES or not listed:
                return text
            unlisted += listed.pop()[1]  # too long for the robot: the last titles become part of the count


def messengers_queue(*, notifications: Iterable = (), key: str = "", digest: Digest | None = None) -> list[int]:
    """Queue the robot messages for committed `notifications` (or a sweep's `digest`); never raises."""
    try:
        if digest is None:
            notifications = list(notifications)
            digest = Digest(key, user_ids={notification.recipient_id for notification in notifications})
            digest.add(notifications)
        return digest.queue()
    except Exception:  # the notifications are saved; a robot problem must not turn into an error page
        log.exception("queueing robot messages for %s failed", key)
        return []


def deliveries_dispatch(*, delivery_ids: list[int]) -> None:
    """Hand the rows to the worker; when the broker is down they wait for beat's next sweep."""
    from notifications.tasks import send_messengers

    try:
        send_messengers.apply_async(kwargs={"delivery_ids": delivery_ids}, retry=False)
    except Exception as exc:
        log.warning("robot messages %s wait for the next sweep: %s", delivery_ids, exc)


# --- sending ------------------------------------------------------------------------------------------------


def deliveries_send(*, delivery_ids: list[int] | None = None, now: datetime.datetime | None = None,
                    limit: int = 200) -> int:
    """Send the robot messages that are due; returns how many the robots took."""
    now = now or timezone.now()
    due = MessengerDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    if delivery_ids is not None:
        due = due.filter(pk__in=delivery_ids)
    ids = list(due.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
    return sum(_send_one(pk, now) for pk in ids)


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.MESSENGER_RETRY_SECONDS * 2 ** max(0, attempts - 1))


def _send_one(pk: int, now: datetime.datetime) -> int:
    # Claim the row by moving its next attempt past this one's end: a sender running beside this one skips it,
    # and if this process dies mid-send the row is tried again once the lease is over.
    lease = now + datetime.timedelta(seconds=settings.MESSENGER_TIMEOUT_SECONDS + 60)
    claimed = MessengerDelivery.objects.filter(pk=pk, status=DeliveryStatus.PENDING, next_attempt_at__lte=now).update(
        next_attempt_at=lease, attempts=F("attempts") + 1)
    if not claimed:
        return 0
    delivery = MessengerDelivery.objects.get(pk=pk)
    messenger = Messenger.objects.filter(unit_id=delivery.unit_id).first()
    if messenger is None or not messenger.enabled:
        MessengerDelivery.objects.filter(pk=pk).update(status=DeliveryStatus.FAILED, last_error=_("群机器人已停用。"))
        return 0
    try:
        robots.post(platform=messenger.platform, webhook_url=messenger.webhook_url, secret=messenger.secret,
                    title=delivery.title, text=delivery.text, timeout=settings.MESSENGER_TIMEOUT_SECONDS)
    except robots.RobotError as error:
        gives_up = delivery.attempts >= settings.MESSENGER_MAX_ATTEMPTS
        MessengerDelivery.objects.filter(pk=pk).update(
            status=DeliveryStatus.FAILED if gives_up else DeliveryStatus.PENDING,
            next_attempt_at=now + _backoff(delivery.attempts), last_error=str(error)[:500])
        log.warning("robot message %s to unit %s failed (attempt %s): %s", pk, delivery.unit_id, delivery.attempts,
                    error)
        return 0
    MessengerDelivery.objects.filter(pk=pk).update(status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="")
    return 1
