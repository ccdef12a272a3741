"""python manage.py two_factor_reset LOGIN: take away a lost authenticator; the person enrols again."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.services import sessions_end_for_user, totp_remove
from branches.selectors import SYSTEM


class Command(BaseCommand):
    help = "重置某个账号的两步验证（如手机丢失）：删除其验证器并结束其全部会话，下次登录时重新设置。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有登录名为“{username}”的账号。")
        totp_remove(actor=SYSTEM, user=user)
        sessions_end_for_user(user=user)
        self.stdout.write(f"已重置“{username}”的两步验证；该账号下次登录时需重新设置。")
