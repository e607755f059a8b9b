"""Accounts: the lockout rule and password policy (plain functions), and the use cases over the portal's database."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.portal.models import Session as SessionRow
from services.portal.models import User
from shared import audit, auth, clock, config
from shared.auth import Principal
from shared.db import new_id

_HASHER = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
MIN_PASSWORD = 10


class AccountError(ValueError):
    """Bad input for an account (CLI and forms show the message)."""


@dataclass(frozen=True)
class Lockout:
    failed_attempts: int
    locked_until: datetime | None


def after_failure(failed_attempts: int, now: datetime, max_failures: int, lockout: timedelta) -> Lockout:
    """One more wrong password: the max_failures-th locks the account for the lockout period and restarts the count."""
    failures = failed_attempts + 1
    if failures >= max_failures:
        return Lockout(0, now + lockout)
    return Lockout(failures, None)


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now < locked_until


def check_new_account(username: str, role: str, contractor_id: str | None, password: str) -> str:
    """The normalised username, or AccountError naming what is wrong."""
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise AccountError("username: 2-80 characters, letters, digits, '.', '_' or '-'")
    if role not in auth.ROLES:
        raise AccountError(f"role must be one of {', '.join(auth.ROLES)}")
    if role == "contractor" and not contractor_id:
        raise AccountError("a contractor account needs --contractor-id")
    if role != "contractor" and contractor_id:
        raise AccountError("only a contractor account has a contractor id")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password: at least {MIN_PASSWORD} characters")
    return name


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash of nothing anyone knows: an unknown username costs the same time as a wrong password."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- use cases ---------------------------------------------------------------------------------------------

OPERATOR = Principal(sub="kawal-cli", role="operator")


def add_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    contractor_id: str | None = None,
    actor: Principal = OPERATOR,
    password_hash: str | None = None,
) -> User:
    """password_hash: the password's hash made once for several accounts (the demo's shared password)."""
    name = check_new_account(username, role, contractor_id, password)
    if session.execute(select(User.id).where(User.username == name)).first():
        raise AccountError(f"user {name} already exists")
    user = User(
        id=new_id(),
        username=name,
        display_name=display_name or name,
        role=role,
        contractor_id=contractor_id,
        password_hash=password_hash or hash_password(password),
        disabled=False,
        failed_attempts=0,
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    audit.append(
        session, actor, "user.add", "user", user.id, {"username": name, "role": role, "contractor_id": contractor_id}
    )
    return user


def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.role, User.username)).scalars())


def set_disabled(session: Session, username: str, disabled: bool, actor: Principal = OPERATOR) -> User:
    user = session.execute(select(User).where(User.username == username.strip().lower())).scalar()
    if user is None:
        raise AccountError(f"no user {username}")
    user.disabled = disabled
    if disabled:  # signed-in browsers are signed out at once
        session.execute(delete(SessionRow).where(SessionRow.user_id == user.id))
    audit.append(session, actor, "user.disable" if disabled else "user.enable", "user", user.id, {})
    return user


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: a new session's token, or why not (`bad_credentials`, `locked`)."""

    token: str | None = None
    user: User | None = None
    refusal: str | None = None


def sign_in(session: Session, username: str, password: str) -> SignIn:
    """Check the password; count failures and lock after too many; on success a new session (token returned once)."""
    settings = config.portal()
    now = clock.now()
    user = session.execute(select(User).where(User.username == username.strip().lower()).with_for_update()).scalar()
    if user is None or user.disabled:
        _verify(_dummy_hash(), password)
        return SignIn(refusal="bad_credentials")
    actor = Principal(sub=user.username, role=user.role, contractor_id=user.contractor_id)
    if is_locked(user.locked_until, now):
        audit.append(session, actor, "session.refused_locked", "user", user.id, {})
        return SignIn(refusal="locked")
    if not _verify(user.password_hash, password):
        outcome = after_failure(
            user.failed_attempts, now, settings.max_failures, timedelta(minutes=settings.lockout_minutes)
        )
        user.failed_attempts, user.locked_until = outcome.failed_attempts, outcome.locked_until
        audit.append(session, actor, "user.lock" if outcome.locked_until else "session.failed", "user", user.id, {})
        return SignIn(refusal="locked" if outcome.locked_until else "bad_credentials")
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    user.failed_attempts, user.locked_until, user.last_sign_in_at = 0, None, now
    token = secrets.token_urlsafe(32)
    session.add(
        SessionRow(
            token_sha256=token_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(hours=settings.session_hours),
        )
    )
    audit.append(session, actor, "session.start", "user", user.id, {})
    return SignIn(token=token, user=user)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def user_of_session(session: Session, token: str) -> User | None:
    """The signed-in user of a live session, or None (expired, unknown, or the account was disabled)."""
    row = session.execute(
        select(SessionRow, User)
        .join(User, User.id == SessionRow.user_id)
        .where(SessionRow.token_sha256 == token_digest(token))
    ).first()
    if row is None:
        return None
    live, user = row
    if live.expires_at <= clock.now() or user.disabled:
        return None
    return user


def sign_out(session: Session, token: str) -> None:
    session.execute(delete(SessionRow).where(SessionRow.token_sha256 == token_digest(token)))
