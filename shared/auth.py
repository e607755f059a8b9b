"""Bearer JWTs: verification, per-endpoint roles, and scoping a contractor's queries to its own rows."""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Callable

import jwt
from flask import g, request

from shared import config
from shared.errors import ApiError

ROLES = ("dinas", "contractor", "auditor")
READERS = ROLES
DINAS = ("dinas",)
CONTRACTOR = ("contractor",)


@dataclass(frozen=True)
class Principal:
    sub: str
    role: str
    contractor_id: str | None = None

    @property
    def is_contractor(self) -> bool:
        return self.role == "contractor"


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True)


def _verification_key(token: str, settings: config.AuthSettings):
    if settings.algorithm.startswith("HS"):
        return settings.secret
    if settings.jwks_url:
        return _jwks_client(settings.jwks_url).get_signing_key_from_jwt(token).key
    return settings.public_key


def verify(token: str, settings: config.AuthSettings | None = None) -> Principal:
    """Decode and check a token; raises ApiError 401 for anything not acceptable."""
    settings = settings or config.auth()
    try:
        claims = jwt.decode(
            token,
            _verification_key(token, settings),
            algorithms=[settings.algorithm],
            audience=settings.audience,
            issuer=settings.issuer,
            options={"require": ["exp", "sub"], "verify_aud": settings.audience is not None},
        )
    except jwt.ExpiredSignatureError:
        raise ApiError(401, "token_expired", "The token has expired.")
    except jwt.PyJWTError as error:
        raise ApiError(401, "invalid_token", f"The token is not valid: {error}.")
    role = claims.get("role")
    if role not in ROLES:
        raise ApiError(401, "invalid_token", "The token carries no known role.")
    contractor_id = claims.get("contractor_id")
    if role == "contractor" and not contractor_id:
        raise ApiError(401, "invalid_token", "A contractor token must carry contractor_id.")
    return Principal(sub=str(claims["sub"]), role=role, contractor_id=str(contractor_id) if contractor_id else None)


def mint(role: str, sub: str | None = None, contractor_id: str | None = None, ttl_seconds: int = 12 * 3600,
         settings: config.AuthSettings | None = None) -> str:
    """A development token signed with the shared HS256 secret (`kawal token`)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    settings = settings or config.auth()
    claims = {"sub": sub or f"dev-{role}", "role": role, "exp": int(time.time()) + ttl_seconds}
    if contractor_id:
        claims["contractor_id"] = str(contractor_id)
    return jwt.encode(claims, settings.secret, algorithm="HS256")


def current() -> Principal:
    return g.principal


def _authenticate() -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthenticated", "Send a bearer token in the Authorization header.")
    return verify(token.strip())


def roles(*allowed: str) -> Callable:
    """Declare which roles may call an endpoint; others get 403, missing or bad tokens 401."""
    for role in allowed:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            principal = _authenticate()
            if principal.role not in allowed:
                raise ApiError(403, "forbidden", f"Role {principal.role} may not do this.")
            g.principal = principal
            return view(*args, **kwargs)

        guarded.allowed_roles = allowed
        return guarded

    return decorate


def scope(query, contractor_column):
    """Filter a query to the caller's contractor when the caller is one (object-level authorization)."""
    principal = current()
    if principal.is_contractor:
        return query.where(contractor_column == principal.contractor_id)
    return query
