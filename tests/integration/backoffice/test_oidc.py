"""Signing in through a city's OpenID Connect provider: a real provider on a local port, the portal talks to it
over HTTP (discovery, authorization redirect, code for tokens, the id_token's signature checked against JWKS)."""
from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from shared import db
from services.portal.models import User
from tests.integration.backoffice.conftest import Screens, serving
from tests.support.oidc_provider import create_provider

ENV = ("KAWAL_OIDC_ISSUER", "KAWAL_OIDC_CLIENT_ID", "KAWAL_OIDC_CLIENT_SECRET")


@pytest.fixture
def sso(stack, portal_db):
    """The provider, and a portal configured for it (its own instance: OIDC is read when the app is made)."""
    from services.portal.app import create_app

    provider = create_provider("kawal-portal", "rahasia-klien")
    with serving(provider) as issuer:
        provider.config["ISSUER"] = issuer
        previous = {name: os.environ.get(name) for name in ENV}
        os.environ.update(KAWAL_OIDC_ISSUER=issuer, KAWAL_OIDC_CLIENT_ID="kawal-portal",
                          KAWAL_OIDC_CLIENT_SECRET="rahasia-klien")
        try:
            app = create_app({"KAWAL_DATABASE_URL": portal_db})
        finally:
            for name, value in previous.items():
                os.environ.pop(name) if value is None else os.environ.__setitem__(name, value)
        with serving(app) as portal:
            yield provider, portal


def accounts_of(portal_db):
    with db.unit_of_work(portal_db) as session:
        return [(u.role, u.contractor_id, u.display_name) for u in session.execute(
            select(User).where(User.username.like("oidc-%")).order_by(User.created_at)).scalars()]


def test_a_person_signs_in_through_the_citys_provider_with_the_role_its_claims_name(city, chromium, sso, portal_db,
                                                                                     tmp_path):
    provider, portal = sso
    context = chromium.new_context(base_url=portal)
    page = context.new_page()
    screens = Screens(tmp_path, "oidc")
    provider.config["PERSON"] = {"sub": "nip-198401012010011001", "name": "Siti Rahma (PPK)", "kawal_role": "dinas"}
    page.goto("/masuk")
    screens.shot(page, "masuk")
    page.get_by_role("link", name="Masuk dengan akun kota").click()
    page.wait_for_url("**/kantor/")
    expect(page.locator(".who")).to_have_text("Siti Rahma (PPK)")
    expect(page.get_by_role("link", name="Timbang", exact=True)).to_be_visible()
    assert provider.config["ISSUED"][-1]["aud"] == "kawal-portal"
    page.click(".signout button")

    # a contractor's staff: its contractor id comes from the claims, and the API scopes it
    contractor = city.contractor("PT Sungai Siak Bersih", "01.234.567.8-216.000")
    provider.config["PERSON"] = {"sub": "mandor-7", "name": "Mandor Rumbai", "kawal_role": "contractor",
                                 "kawal_contractor_id": contractor["id"]}
    page.goto("/masuk")
    page.get_by_role("link", name="Masuk dengan akun kota").click()
    page.wait_for_url("**/kru**")  # contractor staff start in the crew app
    expect(page.get_by_role("heading", name="Pilih kendaraan")).to_be_visible()
    context.clear_cookies()

    # someone the provider knows but Kawal gives no role is refused
    provider.config["PERSON"] = {"sub": "tamu-1", "name": "Tamu"}
    page.goto("/masuk")
    page.get_by_role("link", name="Masuk dengan akun kota").click()
    expect(page.locator("h1")).to_contain_text("belum diberi peran")
    screens.shot(page, "ditolak")
    assert accounts_of(portal_db) == [("dinas", None, "Siti Rahma (PPK)"),
                                      ("contractor", contractor["id"], "Mandor Rumbai")]
    context.close()
    screens.publish()
