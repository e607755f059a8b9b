"""Sign-in with the portal's own accounts: cookies, lockout, CSRF, disabled accounts, `kawal user`."""
from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import text

from shared import db
from kawal.cli import main as kawal
from tests.integration.portal.conftest import PASSWORD, add_user, form_token, sign_in
from tests.support.databases import truncate_all


def test_signing_in_sets_an_httponly_samesite_session_cookie_and_opens_the_home_page(portal, portal_db):
    add_user(portal_db, "ppk")
    answer = sign_in(portal, "PPK")
    assert answer.status_code == 303 and answer.headers["Location"] == "/"
    cookie = next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith("kawal_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    home = portal.get("/")
    assert home.status_code == 200 and "Beranda" in home.get_data(as_text=True)
    with db.unit_of_work(portal_db) as session:
        stored = session.execute(text("SELECT token_sha256 FROM sessions")).scalar()
    assert stored != cookie.split(";")[0].split("=", 1)[1]  # the table keeps a digest, never the token


def test_a_page_without_a_session_sends_the_person_to_sign_in_and_back(portal):
    answer = portal.get("/")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/masuk?next=/")


def test_a_wrong_password_is_refused_in_indonesian_without_saying_which_part_was_wrong(portal, portal_db):
    add_user(portal_db, "ppk")
    for username, password in (("ppk", "salah-sekali-ya"), ("tidak-ada", PASSWORD)):
        answer = sign_in(portal, username, password)
        assert answer.status_code == 401
        assert "Nama pengguna atau kata sandi salah." in answer.get_data(as_text=True)
        assert not any(c.startswith("kawal_session=") for c in answer.headers.getlist("Set-Cookie"))


def test_the_fifth_wrong_password_locks_the_account_and_even_the_right_one_is_refused_until_it_ends(
        portal, portal_db, frozen_clock):
    from datetime import datetime, timedelta, timezone

    now = datetime(2026, 3, 10, 3, 0, tzinfo=timezone.utc)
    frozen_clock(now)
    add_user(portal_db, "ppk")
    codes = [sign_in(portal, "ppk", f"salah-{n}-kali").status_code for n in range(5)]
    assert codes == [401, 401, 401, 401, 429]
    locked = sign_in(portal, "ppk")
    assert locked.status_code == 429 and "dikunci" in locked.get_data(as_text=True)
    frozen_clock(now + timedelta(minutes=15))
    assert sign_in(portal, "ppk").status_code == 303
    with db.unit_of_work(portal_db) as session:
        actions = session.execute(text("SELECT action FROM audit_log ORDER BY seq")).scalars().all()
    assert actions == ["user.add", *["session.failed"] * 4, "user.lock", "session.refused_locked", "session.start"]


def test_a_form_posted_without_its_csrf_token_or_with_another_one_is_refused(portal, portal_db):
    add_user(portal_db, "ppk")
    form_token(portal)  # the browser holds the pre-sign-in cookie
    bare = portal.post("/masuk", data={"username": "ppk", "password": PASSWORD})
    forged = portal.post("/masuk", data={"username": "ppk", "password": PASSWORD, "csrf_token": "0" * 64})
    assert bare.status_code == forged.status_code == 403
    assert "Formulir kedaluwarsa" in bare.get_data(as_text=True)
    assert sign_in(portal, "ppk").status_code == 303
    # signed in, the token is the session's: the old pre-sign-in one no longer signs anything out
    assert portal.post("/keluar", data={"csrf_token": "0" * 64}).status_code == 403
    assert portal.post("/keluar", headers={"Origin": "https://evil.example"},
                       data={"csrf_token": form_token(portal, "/")}).status_code == 403
    assert portal.post("/keluar", data={"csrf_token": form_token(portal, "/")}).status_code == 303
    assert portal.get("/").status_code == 302


def test_disabling_an_account_ends_its_sessions_at_once(portal, portal_db):
    add_user(portal_db, "ppk")
    sign_in(portal, "ppk")
    assert portal.get("/").status_code == 200
    result = CliRunner().invoke(kawal, ["user", "disable", "ppk"])
    assert result.exit_code == 0, result.output
    assert portal.get("/").status_code == 302
    assert sign_in(portal, "ppk").status_code == 401


def test_kawal_user_adds_lists_and_refuses_a_contractor_account_without_its_contractor(portal, portal_db):
    runner = CliRunner()
    added = runner.invoke(kawal, ["user", "add", "auditor1", "--role", "auditor", "--name", "Inspektorat",
                                  "--password", "sandi-auditor-01"])
    assert added.exit_code == 0, added.output
    refused = runner.invoke(kawal, ["user", "add", "kru9", "--role", "contractor", "--password", "sandi-kru-0001"])
    assert refused.exit_code != 0 and "contractor-id" in refused.output
    listed = runner.invoke(kawal, ["user", "list"], env={"COLUMNS": "200"})
    assert "auditor1" in listed.output and "Inspektorat" in listed.output and "kru9" not in listed.output
    with db.unit_of_work(portal_db) as session:
        stored = session.execute(text("SELECT password_hash FROM users WHERE username = 'auditor1'")).scalar()
    assert stored.startswith("$argon2id$")
    assert sign_in(portal, "auditor1", "sandi-auditor-01").status_code == 303


def test_the_demo_accounts_are_created_once_and_sign_in_with_the_printed_password(portal, portal_db, capsys):
    from kawal.demo import accounts as demo

    contractors = {"PT Sinar Bersih Nusantara": "8d0c9d8e-4a3b-4a1e-9d6c-1c3f7f1f2a10",
                   "PT Lancar Hijau Sejahtera": "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"}
    assert demo.ensure(contractors) == {"dinas": True, "auditor": True, "kru1": True, "kru2": True}
    assert demo.ensure(contractors) == {"dinas": False, "auditor": False, "kru1": False, "kru2": False}
    with db.unit_of_work(portal_db) as session:
        rows = session.execute(text("SELECT username, role, contractor_id::text FROM users ORDER BY username")).all()
    assert rows == [("auditor", "auditor", None), ("dinas", "dinas", None),
                    ("kru1", "contractor", "8d0c9d8e-4a3b-4a1e-9d6c-1c3f7f1f2a10"),
                    ("kru2", "contractor", "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b")]
    demo.main()
    printed = capsys.readouterr().out
    assert "/kru" in printed and "kru2" in printed and demo.DEMO_PASSWORD in printed
    answer = sign_in(portal, "kru2", demo.DEMO_PASSWORD)
    assert answer.status_code == 303 and answer.headers["Location"] == "/kru"


def test_behind_https_the_session_cookie_is_also_secure(portal_db):
    from services.portal.app import create_app

    truncate_all(portal_db)
    add_user(portal_db, "ppk")
    client = create_app({"TESTING": True, "KAWAL_SECURE_COOKIES": True}).test_client()
    answer = sign_in(client, "ppk")
    cookie = next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith("kawal_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie
