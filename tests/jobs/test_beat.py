"""The beat schedule is the one docs/operations.md documents."""

from __future__ import annotations

from pathlib import Path

from celery.schedules import crontab

from config.celery_app import app


def test_beat_schedule_is_the_documented_one():
    schedule = app.conf.beat_schedule
    assert set(schedule) == {"send-reminders", "dispatch-job-outbox", "refresh-tallies", "expire-job-results",
                             "send-messengers", "heartbeat"}
    assert schedule["send-reminders"]["task"] == "notifications.send_reminders"
    assert schedule["send-reminders"]["schedule"] == crontab(hour=8, minute=0)
    assert schedule["dispatch-job-outbox"]["task"] == "jobs.dispatch_outbox"
    assert schedule["dispatch-job-outbox"]["schedule"] == crontab(minute="*")
    assert schedule["expire-job-results"]["task"] == "jobs.expire_results"
    assert schedule["expire-job-results"]["schedule"] == crontab(hour=3, minute=0)
    assert schedule["refresh-tallies"]["task"] == "reviews.refresh_tallies"
    assert schedule["refresh-tallies"]["schedule"] == crontab(minute="*/10")
    assert schedule["send-messengers"]["task"] == "notifications.send_messengers"
    assert schedule["send-messengers"]["schedule"] == crontab(minute="*")
    assert schedule["heartbeat"]["task"] == "jobs.heartbeat"
    assert schedule["heartbeat"]["schedule"] == crontab(minute="*")
    assert app.conf.timezone == "Asia/Shanghai"
    app.loader.import_default_modules()  # what a worker does at startup: autodiscover every tasks.py
    assert {"notifications.send_reminders", "jobs.dispatch_outbox", "jobs.run_job", "reviews.refresh_tallies", "jobs.expire_results",
            "notifications.send_messengers", "jobs.heartbeat"} <= set(app.tasks.keys())
    documented = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    assert "`send-reminders`: `notifications.send_reminders` daily at 08:00 Asia/Shanghai" in documented
    assert "`dispatch-job-outbox`: `jobs.dispatch_outbox` every minute" in documented
    assert "`refresh-tallies`: `reviews.refresh_tallies` every 10 minutes" in documented
    assert "`expire-job-results`: `jobs.expire_results` daily at 03:00" in documented
    assert "`send-messengers`: `notifications.send_messengers` every minute" in documented
    assert "`heartbeat`: `jobs.heartbeat` every minute" in documented
