"""OpenID Connect sign-in: a city's identity provider vouches for a person; its claims name the role and contractor."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.portal import accounts
from services.portal.models import Session as SessionRow
from services.portal.models import User
from shared import audit, auth, clock, config
from shared.auth import Principal
from shared.db import new_id

NO_PASSWORD = "!oidc"  # not a PHC string: a password sign-in can never match it


@dataclass(frozen=True)
class Claims:
    """What Kawal takes from an id_token: who (issuer + subject), a name, the role and the contractor."""

    username: str
    display_name: str
    role: str
    contractor_id: str | None


class Refused(Exception):
    """The provider vouched for someone Kawal has no role for (or a contractor account without a contractor)."""


def map_claims(claims: dict, role_claim: str, contractor_claim: str) -> Claims:
    """Rules of the mapping (unit-tested): a known role is required; a contractor needs its contractor id and
    only a contractor has one; the username is derived from the subject so it never collides with a local one."""
    role = claims.get(role_claim)
    if isinstance(role, list):  # providers often send groups/roles as a list: the first Kawal role wins
        role = next((r for r in role if r in auth.ROLES), None)
    if role not in auth.ROLES:
        raise Refused(f"no Kawal role in claim {role_claim}")
    contractor_id = claims.get(contractor_claim) or None
    if role == "contractor" and not contractor_id:
        raise Refused(f"a contractor account needs claim {contractor_claim}")
    if role != "contractor":
        contractor_id = None
    digest = hashlib.sha256(f"{claims.get('iss', '')}|{claims['sub']}".encode()).hexdigest()[:16]
    name = claims.get("name") or claims.get("preferred_username") or claims.get("email") or claims["sub"]
    return Claims(f"oidc-{digest}", str(name)[:200], role, contractor_id)


def sign_in(session: Session, claims: Claims) -> str:
    """The account of this identity (created, or updated to the provider's current role), and a new session token."""
    now = clock.now()
    user = session.execute(select(User).where(User.username == claims.username).with_for_update()).scalar()
    actor = Principal(sub=claims.username, role=claims.role, contractor_id=claims.contractor_id)
    if user is None:
        user = User(
            id=new_id(),
            username=claims.username,
            display_name=claims.display_name,
            role=claims.role,
            contractor_id=claims.contractor_id,
            password_hash=NO_PASSWORD,
            disabled=False,
            failed_attempts=0,
            created_at=now,
        )
        session.add(user)
        session.flush()
        audit.append(
            session,
            actor,
            "user.add_oidc",
            "user",
            user.id,
            {"username": claims.username, "role": claims.role, "contractor_id": claims.contractor_id},
        )
    elif user.disabled:
        raise Refused("account disabled")
    else:  # the provider is the source of truth for role and contractor
        user.role, user.contractor_id, user.display_name = claims.role, claims.contractor_id, claims.display_name
    user.last_sign_in_at = now
    token = secrets.token_urlsafe(32)
    session.add(
        SessionRow(
            token_sha256=accounts.token_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(hours=config.portal().session_hours),
        )
    )
    audit.append(session, actor, "session.start_oidc", "user", user.id, {})
    return token
