"""Object-level authorization for reads: a contractor's queries carry its own contractor id."""
from __future__ import annotations

import uuid

from sqlalchemy import false

from shared import auth
from shared.errors import ApiError

SYSTEM = auth.Principal(sub="contracts:expiry-sweep", role="system")


def visible(query, contractor_column):
    """auth.scope, and nothing at all for a contractor token whose contractor_id is not a uuid."""
    principal = auth.current()
    if principal.is_contractor and not _is_uuid(principal.contractor_id):
        return query.where(false())
    return auth.scope(query, contractor_column)


def _is_uuid(value: str | None) -> bool:
    try:
        uuid.UUID(str(value))
        return True
    except ValueError:
        return False


def require(found, what: str):
    if found is None:
        raise ApiError(404, "not_found", f"{what} not found (or not yours to see).")
    return found
