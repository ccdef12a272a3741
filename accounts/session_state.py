"""What the security middleware keeps in a signed-in session: when it began, when it was last used,
whether the second factor or a password change is still owed, and the key it was registered under."""

from __future__ import annotations

import time

from accounts import services
from branches import passwords

AUTH_AT = "_sec_auth_at"
SEEN_AT = "_sec_seen_at"
SECOND_FACTOR = "_sec_2fa"
REGISTERED_KEY = "_sec_key"
PASSWORD_CHANGE = "_sec_pw_change"  # True while the password someone else chose is still the account's
CAS_USER = "_sec_cas_user"  # the CAS server's name for the person, when the sign-in came through CAS

VERIFY = "verify"  # a confirmed authenticator: a code is owed
ENROL = "enrol"  # required but no authenticator yet: enrolment is owed
DONE = "done"  # nothing owed


def second_factor_state(user) -> str:
    if services.confirmed_device(user) is not None:
        return VERIFY
    if services.second_factor_required(user):
        return ENROL
    return DONE


def start(request, user) -> None:
    """Called at login: the clocks start and what the second factor owes is decided once."""
    now = int(time.time())
    session = request.session
    session[AUTH_AT] = now
    session[SEEN_AT] = now
    session[SECOND_FACTOR] = second_factor_state(user)
    session[PASSWORD_CHANGE] = passwords.change_owed(user)
    # Left on the request by the CAS backend (accounts.cas): signing out then also ends the CAS session.
    session[CAS_USER] = getattr(request, "cas_user", "")
    register(request, user)


def signed_in_through_cas(request) -> bool:
    return bool(request.session.get(CAS_USER))


def register(request, user) -> None:
    """Record the session's current key for the user (again after the key was rotated)."""
    session = request.session
    if session.session_key is None:
        session.save()
    services.session_register(user=user, session_key=session.session_key)
    session[REGISTERED_KEY] = session.session_key


def second_factor_done(request, user) -> None:
    """The code was right: a new session key for the raised privilege, and nothing owed any more."""
    old_key = request.session.session_key
    request.session.cycle_key()
    request.session[SECOND_FACTOR] = DONE
    services.session_forget(session_key=old_key)
    register(request, user)
