"""Passwords someone chose for somebody else: Django's validators, and a change owed at the first sign-in.

Every way an account gets a password goes through Django's validators (AUTH_PASSWORD_VALIDATORS: 12
characters, not common, not all digits, not like the login): the organization department's form and the
tree import through `branches.services.account_create`, the admin's forms and `createsuperuser` /
`changepassword` through Django's own forms, the owner's change through PasswordChangeForm.
"""

from __future__ import annotations

import secrets

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from branches.models import PasswordChangeRequired

# Unambiguous letters and digits: an initial password is typed by hand from a printout.
INITIAL_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
INITIAL_LENGTH = 12


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule, with its refusal in Chinese: Django 5.2 changed that message's msgid and its
    Simplified Chinese catalogue still translates only the old one, so the refusal came out in English."""

    def get_error_message(self) -> str:
        return _("密码长度太短。密码必须包含至少 %(min_length)d 个字符。") % {"min_length": self.min_length}


def validate(password: str, user) -> None:
    """Raise ValidationError (Django's own Chinese messages) unless `password` passes the validators for `user`.

    `user` may be unsaved: the similarity check reads its login, name and e-mail.
    """
    password_validation.validate_password(password, user)


def configured_min_length() -> int:
    lengths = [validator.min_length for validator in password_validation.get_default_password_validators()
               if isinstance(validator, password_validation.MinimumLengthValidator)]
    return max(lengths, default=0)


def initial_password(user) -> str:
    """A random password for `user` that the configured validators accept (however long they ask)."""
    length = max(INITIAL_LENGTH, configured_min_length())
    while True:  # a random draw is refused only by a freak likeness to the login: draw again
        password = "".join(secrets.choice(INITIAL_ALPHABET) for _ in range(length))
        try:
            validate(password, user)
        except ValidationError:
            continue
        return password


def require_change(*, user, set_by) -> None:
    """`set_by` chose `user`'s password: the owner must choose their own at the next sign-in."""
    PasswordChangeRequired.objects.update_or_create(user=user, defaults={"set_by": set_by})


def change_owed(user) -> bool:
    return PasswordChangeRequired.objects.filter(user=user).exists()


def changed_by_owner(user) -> None:
    PasswordChangeRequired.objects.filter(user=user).delete()
