"""Fixtures of the portal's tests: the app on its own real database, accounts made through the use case."""
from __future__ import annotations

import re

import pytest

from shared import db
from services.portal import accounts
from tests.support.databases import truncate_all

PASSWORD = "kata-sandi-rahasia"


@pytest.fixture(scope="session")
def portal_app(portal_db):
    from services.portal.app import create_app

    return create_app({"TESTING": True})


@pytest.fixture
def portal(portal_app, portal_db):
    truncate_all(portal_db)
    return portal_app.test_client()


def add_user(portal_db: str, username: str, role: str = "dinas", contractor_id: str | None = None) -> None:
    with db.unit_of_work(portal_db) as session:
        accounts.add_user(session, username, PASSWORD, role, contractor_id=contractor_id)


def form_token(client, path: str = "/masuk") -> str:
    page = client.get(path)
    return re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.get_data(as_text=True)).group(1)


def sign_in(client, username: str, password: str = PASSWORD):
    return client.post("/masuk", data={"username": username, "password": password, "csrf_token": form_token(client)})
