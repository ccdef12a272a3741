"""Every write of the notifications app: the reminder sweep, review-event notices, read marks, preferences."""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Iterable, Iterator
from itertools import islice

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from branches.selectors import FILLING_ROLES, Action, scope_for
from jobs.services import pulse_record
from ledger.models import EventAction, LedgerEvent
from ledger.naming import item_label, problem_label
from notifications.messengers import Digest, messengers_queue
from notifications.models import Notification, NotificationKind, NotificationPreference, ReminderLog
from notifications.recipients import Directory
from notifications.reminders import SOURCES, Draft

log = logging.getLogger(__name__)

BATCH_SIZE = 5000


# --- the reminder sweep -------------------------------------------------------------------------


def reminders_send(*, today: datetime.date | None = None, kinds: Iterable[str] | None = None) -> dict[str, int]:
    """Send every reminder due on `today` (the Asia/Shanghai date by default) exactly once.

    Returns how many notifications each source created in this run; a second run the same day, or
    one running at the same moment in another worker, creates none of the same.
    """
    today = today or timezone.localdate()
    directory = Directory()
    # One robot message per unit for the whole sweep, not one per person (notifications/messengers.py).
    digest = Digest(f"sweep:{today.isoformat()}:{uuid.uuid4().hex[:12]}")
    sent: dict[str, int] = {}
    with translation.override(settings.LANGUAGE_CODE):
        for name, source in SOURCES.items():
            if kinds is not None and name not in kinds:
                continue
            sent[name] = sum(_deliver(batch, digest) for batch in _batches(source(today, directory), BATCH_SIZE))
    # After the notifications' own transactions: a robot problem never undoes or holds up a notification.
    transaction.on_commit(lambda: messengers_queue(digest=digest), robust=True)
    pulse_record(name="reminder_sweeps")  # the counters /metrics shows
    pulse_record(name="reminders_sent", add=sum(sent.values()))
    log.info("reminders for %s: %s", today, sent)
    return sent


def _batches(drafts: Iterable[Draft], size: int) -> Iterator[list[Draft]]:
    iterator = iter(drafts)
    while batch := list(islice(iterator, size)):
        yield batch


def _deliver(drafts: list[Draft], digest: Digest | None = None) -> int:
    """Claim the drafts in ReminderLog and turn only the rows this call inserted into notifications.

    INSERT ... ON CONFLICT DO NOTHING: a concurrent sweep inserting the same key waits for ours to
    commit and then skips it; sorted keys keep two sweeps from deadlocking.
    """
    unique = sorted({draft.key: draft for draft in drafts}.values(), key=lambda draft: draft.key)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            claimed = _claim_postgresql(unique)
            created = [d for d in unique if d.key in claimed]
            _insert_notifications_postgresql(created)
        else:
            claimed = _claim_portable(unique)
            created = [d for d in unique if d.key in claimed]
            Notification.objects.bulk_create(
                [
                    Notification(recipient_id=d.recipient_id, kind=d.kind, title=d.title[:200], body=d.body,
                                 link=d.link)
                    for d in created
                ],
                batch_size=1000,
            )
        transaction.on_commit(lambda: notifications_email(notifications=created), robust=True)
    if digest is not None:
        digest.add(created)
    return len(created)


def _claim_postgresql(drafts: list[Draft]) -> set[tuple]:
    """One INSERT from arrays; RETURNING yields exactly the rows this statement inserted."""
    table = ReminderLog._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (recipient_id, kind, due_on, object_key, claim, created_at)
                SELECT r, k, d, o, '', now() FROM unnest(%s::integer[], %s::text[], %s::date[], %s::text[]) AS t(r, k, d, o)
                ON CONFLICT DO NOTHING
                RETURNING recipient_id, kind, due_on, object_key""",  # noqa: S608 (table name from the model)
            [[d.recipient_id for d in drafts], [d.kind for d in drafts], [d.due_on for d in drafts],
             [d.object_key for d in drafts]],
        )
        return set(cursor.fetchall())


def _insert_notifications_postgresql(drafts: list[Draft]) -> None:
    if not drafts:
        return
    table = Notification._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (recipient_id, kind, title, body, link, created_at, read_at)
                SELECT r, k, t, b, l, now(), NULL
                FROM unnest(%s::integer[], %s::text[], %s::text[], %s::text[], %s::text[]) AS x(r, k, t, b, l)""",  # noqa: S608
            [[d.recipient_id for d in drafts], [d.kind for d in drafts], [d.title[:200] for d in drafts],
             [d.body for d in drafts], [d.link for d in drafts]],
        )


def _claim_portable(drafts: list[Draft]) -> set[tuple]:
    """Elsewhere (SQLite): insert with this call's token, then read back the rows that carry it."""
    claim = uuid.uuid4().hex
    ReminderLog.objects.bulk_create(
        [
            ReminderLog(recipient_id=d.recipient_id, kind=d.kind, due_on=d.due_on, object_key=d.object_key,
                        claim=claim)
            for d in drafts
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    return set(ReminderLog.objects.filter(claim=claim).values_list("recipient_id", "kind", "due_on", "object_key"))


# --- email ----------------------------------------------------------------------------------------


def email_addresses(user_ids: Iterable[int]) -> dict[int, str]:
    """The addresses of those users who have one and have not switched email off."""
    users = (
        get_user_model()
        .objects.filter(pk__in=set(user_ids), is_active=True)
        .exclude(email="")
        .exclude(notification_preference__email_enabled=False)
        .values_list("pk", "email")
    )
    return dict(users)


def notifications_email(*, notifications: list[Notification] | list[Draft]) -> int:
    """Send each notification by email to recipients who want it; a mail failure never undoes a notice.

    Takes anything with recipient_id, title, body and link (saved notifications or sweep drafts).
    """
    if not notifications:
        return 0
    addresses = email_addresses(n.recipient_id for n in notifications)
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for notification in notifications:
            address = addresses.get(notification.recipient_id)
            if not address:
                continue
            body = notification.body
            if notification.link:
                body = f"{body}\n\n{_('查看详情')}：{settings.SITE_URL.rstrip('/')}{notification.link}"
            subject = _("【整改台账】%(title)s") % {"title": notification.title}
            messages.append(EmailMessage(subject=subject, body=body, to=[address]))
    if not messages:
        return 0
    try:
        return get_connection().send_messages(messages) or 0
    except Exception:  # the notice is in the app already; the mail server being down must not fail the sweep
        log.exception("sending %s notification emails failed", len(messages))
        return 0


# --- review events --------------------------------------------------------------------------------

EVENT_TITLES = {
    EventAction.LEDGER_RETURNED: gettext_noop("台账被退回：%(unit)s"),
    EventAction.LEDGER_ACCEPTED: gettext_noop("台账已通过：%(unit)s"),
    EventAction.ITEM_CLOSED: gettext_noop("整改措施已销号：%(unit)s"),
    EventAction.ITEM_SENT_BACK: gettext_noop("整改措施被退回整改：%(unit)s"),
    EventAction.PROBLEM_OPENED_BY_SUPERVISION: gettext_noop("督查发现新问题：%(unit)s"),
    EventAction.PROBLEM_HANDED_DOWN: gettext_noop("上级交办新问题：%(unit)s"),
    EventAction.ITEM_REOPENED: gettext_noop("回头看要求重新整改：%(unit)s"),
}
NOTIFYING_ACTIONS = frozenset(EVENT_TITLES)


def _event_subject(event: LedgerEvent) -> str:
    """The measure or problem the event is about, named as on the ledger page (问题3②, 问题3)."""
    if event.item is not None:
        return item_label(event.item)
    return problem_label(event.problem) if event.problem is not None else ""


def event_notify(*, event_id: int) -> list[Notification]:
    """Tell the unit that a reviewer acted on its ledger: its secretary and members, and the item's responsible person.

    Called after the event's transaction commits. Nobody is told about their own action, and only
    users whose scope covers the ledger's unit are told at all.
    """
    event = LedgerEvent.objects.select_related("ledger__unit", "item__problem", "problem").get(pk=event_id)
    if event.action not in NOTIFYING_ACTIONS:
        return []
    ledger = event.ledger
    recipients = set(
        ledger.unit.role_assignments.filter(role__in=FILLING_ROLES, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )
    responsible = event.item.responsible_user if event.item else None
    if responsible is not None and responsible.is_active and scope_for(responsible).can(Action.VIEW, ledger.unit_path):
        recipients.add(responsible.pk)
    recipients.discard(event.actor_id)
    if not recipients:
        return []
    with translation.override(settings.LANGUAGE_CODE):
        title = _(EVENT_TITLES[event.action]) % {"unit": ledger.unit.name}
        body = "\n".join(part for part in (_event_subject(event), event.comment) if part)
    link = event.item.get_absolute_url() if event.item else ledger.get_absolute_url()
    created = Notification.objects.bulk_create(
        [
            Notification(recipient_id=user_id, kind=NotificationKind.REVIEW_EVENT, title=title[:200], body=body,
                         link=link)
            for user_id in sorted(recipients)
        ]
    )
    notifications_email(notifications=created)
    messengers_queue(notifications=created, key=f"event:{event.pk}")
    return created


def event_recorded(event: LedgerEvent) -> None:
    """Notify once the change that recorded `event` is committed (a review event; others are ignored)."""
    if event.action in NOTIFYING_ACTIONS:
        # robust: a failure to notify is logged and never turns a committed review into an error page.
        transaction.on_commit(lambda: event_notify(event_id=event.pk), robust=True)


def on_ledger_event_recorded(sender, *, event: LedgerEvent, **kwargs) -> None:
    """Receiver of `ledger.signals.ledger_event_recorded`, connected in NotificationsConfig.ready()."""
    event_recorded(event)


# --- reading and preferences ------------------------------------------------------------------------


def notification_mark_read(*, user, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read (someone else's: DoesNotExist → 404 in the view)."""
    notification = Notification.objects.get(pk=notification_id, recipient=user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def preference_set(*, user, email_enabled: bool) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"email_enabled": email_enabled}
    )
    return preference
