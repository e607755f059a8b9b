"""Fixtures of the compliance tests: the routes database emptied per test, and a session to seed and inspect it."""
from __future__ import annotations

import pytest

from shared import db
from tests.support.databases import truncate_all


@pytest.fixture
def routes(routes_db):
    """An empty routes database; yields its URL."""
    truncate_all(routes_db)
    yield routes_db


@pytest.fixture
def seed(routes):
    """Run a block that writes seed rows in one committed transaction: `with seed() as session: ...`."""
    return lambda: db.unit_of_work(routes)

