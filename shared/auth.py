"""Bearer JWTs: verification, per-endpoint roles, and scoping a contractor's queries to its own rows."""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Callable

import jwt
from flask import current_app, g, has_app_context, request
from sqlalchemy import false

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


MAX_SUB_LENGTH = 200  # the audit log's actor column
MAX_TOKEN_LENGTH = 8192
CACHE_SIZE = 4096  # verified tokens kept per process (each entry dies at its token's exp)
_cache: OrderedDict[tuple[str, config.AuthSettings], tuple[Principal, float]] = OrderedDict()
_cache_lock = threading.Lock()


def _refuse(message: str) -> ApiError:
    return ApiError(401, "invalid_token", message)


def _principal(claims: dict, settings: config.AuthSettings, now: float) -> Principal:
    """Type-check the claims: anything unexpected is a 401 here, never a 500 further in."""
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or exp - now > settings.max_lifetime_seconds:
        raise _refuse(f"The token must expire within {settings.max_lifetime_seconds} seconds.")
    sub, role = claims.get("sub"), claims.get("role")
    if not isinstance(sub, str) or not sub or len(sub) > MAX_SUB_LENGTH:
        raise _refuse(f"The token's sub must be a string of 1 to {MAX_SUB_LENGTH} characters.")
    if not isinstance(role, str) or role not in ROLES:
        raise _refuse("The token carries no known role.")
    contractor_id = None
    if role == "contractor":
        raw = claims.get("contractor_id")
        if not raw:
            raise _refuse("A contractor token must carry contractor_id.")
        try:
            contractor_id = str(uuid.UUID(raw)) if isinstance(raw, str) else None
        except ValueError:
            contractor_id = None
        if contractor_id is None:
            raise _refuse("The token's contractor_id must be a uuid.")
    return Principal(sub=sub, role=role, contractor_id=contractor_id)


def verify(token: str, settings: config.AuthSettings | None = None, now: float | None = None) -> Principal:
    """Decode and check a token; raises ApiError 401 for anything not acceptable.

    A verified token is remembered (bounded, least recently used dropped first) until its exp, so a client's
    burst of calls is verified once; settings are part of the key, so a changed secret never reuses an entry."""
    settings = settings or config.auth()
    now = time.time() if now is None else now
    key = (token, settings)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
    if cached is not None:
        if now < cached[1]:
            return cached[0]
        with _cache_lock:
            _cache.pop(key, None)
        raise ApiError(401, "token_expired", "The token has expired.")
    if len(token) > MAX_TOKEN_LENGTH:
        raise _refuse("The token is too long.")
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
    except (jwt.PyJWTError, OverflowError, ValueError) as error:  # exp=1e400 overflows datetime in PyJWT
        raise _refuse(f"The token is not valid: {error}.")
    principal = _principal(claims, settings, now)
    with _cache_lock:
        _cache[key] = (principal, float(claims["exp"]))
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return principal


def mint(
    role: str,
    sub: str | None = None,
    contractor_id: str | None = None,
    ttl_seconds: int = 12 * 3600,
    settings: config.AuthSettings | None = None,
) -> str:
    """A development token signed with the shared HS256 secret (`kawal token`)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    settings = settings or config.auth()
    claims = {"sub": sub or f"dev-{role}", "role": role, "exp": int(time.time()) + ttl_seconds}
    if contractor_id:
        claims["contractor_id"] = str(contractor_id)
    if settings.secret is None:  # settings for RS256 alone: nothing to sign an HS256 token with
        raise ValueError("a development token needs KAWAL_JWT_SECRET")
    return jwt.encode(claims, settings.secret, algorithm="HS256")


def current() -> Principal:
    return g.principal


def verify_request() -> Principal:
    """The current request's principal, or ApiError 401."""
    return _authenticate()


def _authenticate() -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthenticated", "Send a bearer token in the Authorization header.")
    # the app read (and checked) the settings once at start; a bare Flask app (unit tests) reads them now
    settings = current_app.config.get("KAWAL_AUTH") if has_app_context() else None
    return verify(token.strip(), settings)


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

        # read by the route audit (tests/integration/routes/test_roles.py); functions take attributes, mypy
        # knows of none on a wrapper
        guarded.allowed_roles = allowed  # type: ignore[attr-defined]
        return guarded

    return decorate


def scope(query, contractor_column):
    """Filter a query to the caller's contractor when the caller is one (object-level authorization); a
    contractor principal without a contractor id (tokens never carry one, but a Principal built in code might)
    sees nothing, never the rows whose contractor is NULL."""
    principal = current()
    if not principal.is_contractor:
        return query
    if principal.contractor_id is None:
        return query.where(false())
    return query.where(contractor_column == principal.contractor_id)
