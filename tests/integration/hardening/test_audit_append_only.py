"""Finding 4: the audit log is append-only in the database, its head leaves the database as an event, and
`kawal audit verify` catches a chain recomputed by someone who could write to the table."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from shared import audit, audit_heads, config, db, outbox
from shared.auth import Principal
from tests.support import databases
from tests.support.system import ROOT

DINAS = Principal(sub="officer-1", role="dinas")


def _app_url(url: str, service: str) -> str:
    return make_url(url).set(username=audit_heads.app_role(service)).render_as_string(hide_password=False)


def _psycopg(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def contracts(contracts_db):
    databases.truncate_all(contracts_db)
    with db.unit_of_work(contracts_db) as session:
        for n in range(3):
            audit.append(session, DINAS, "contract.create", "contract", f"c-{n}", {"n": n})
    return contracts_db


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'someone-else'", "DELETE FROM audit_log",
                                       "TRUNCATE audit_log"])
def test_even_the_owner_cannot_rewrite_or_delete_audit_entries(contracts, statement):
    with psycopg.connect(_psycopg(contracts)) as conn, pytest.raises(psycopg.Error) as refused:
        conn.execute(statement)
    assert "append-only" in str(refused.value)


def test_the_application_role_may_only_insert_and_read_the_audit_log(contracts):
    app = _psycopg(_app_url(contracts, "contracts"))
    with psycopg.connect(app) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 3
        assert not conn.execute("SELECT rolsuper OR rolcreaterole OR rolcreatedb FROM pg_roles "
                                "WHERE rolname = current_user").fetchone()[0]
    for statement in ("ALTER TABLE audit_log DISABLE TRIGGER USER", "UPDATE audit_log SET actor = 'x'",
                      "DELETE FROM audit_log", "DROP TABLE audit_log"):
        with psycopg.connect(app) as conn, pytest.raises(psycopg.Error) as refused:
            conn.execute(statement)
        assert "permission denied" in str(refused.value) or "must be owner" in str(refused.value), statement


def test_the_application_role_owns_nothing_and_runs_the_service(contracts):
    with psycopg.connect(_psycopg(contracts)) as conn:
        owned = conn.execute("SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                             "WHERE r.rolname = %s", (audit_heads.app_role("contracts"),)).fetchone()[0]
    assert owned == 0
    with db.unit_of_work(_app_url(contracts, "contracts")) as session:  # a write as the app does it
        audit.append(session, DINAS, "contract.activate", "contract", "c-0", {})
        expired = {"contract_id": "6f1c1d2e-5b7a-4c39-9d43-0c2f8a1e7b10", "expired_on": "2031-06-30",
                   "at": "2031-07-01T00:00:00+00:00"}
        outbox.record(session, "contracts.contract.expired", expired, producer="contracts")
        assert audit.verify(session).intact


def test_the_chain_head_is_published_as_an_event(contracts):
    with db.unit_of_work(contracts) as session:
        head = audit_heads.record_head(session, "contracts")
        rows = session.execute(text("SELECT type, envelope FROM outbox WHERE type = 'contracts.audit.head_published'")
                               ).all()
    assert head is not None and head["seq"] == 3
    assert len(rows) == 1 and rows[0].envelope["data"]["hash"] == head["hash"]
    with db.unit_of_work(contracts) as session:  # nothing new: nothing published again
        assert audit_heads.record_head(session, "contracts") is None


def _recompute_chain(url: str) -> None:
    """What someone with the owner's password does: disable the trigger, change an entry, rehash the chain."""
    with psycopg.connect(_psycopg(url), autocommit=True) as conn:
        conn.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
        conn.execute("UPDATE audit_log SET detail = '{\"n\": 99}' WHERE seq = 2")
        prev = audit.GENESIS
        for row in conn.execute("SELECT seq, at, actor, role, action, object_type, object_id, detail "
                                "FROM audit_log ORDER BY seq").fetchall():
            seq, at, actor, role, action, object_type, object_id, detail = row
            new = audit.entry_hash(prev, audit.canonical(at.astimezone(config_utc()).isoformat(), actor, role,
                                                         action, object_type, object_id, detail))
            conn.execute("UPDATE audit_log SET prev_hash = %s, hash = %s WHERE seq = %s", (prev, new, seq))
            prev = new
        conn.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")


def config_utc():
    from shared import clock
    return clock.UTC


def test_verify_catches_a_recomputed_chain_by_the_last_published_heads(contracts, amqp_url):
    from tests.support.processes import events_running
    from services.contracts.handlers import HANDLERS
    from tests.support.broker import wait_until

    with db.unit_of_work(contracts) as session:
        audit_heads.record_head(session, "contracts")
    with events_running("contracts", HANDLERS, contracts, amqp_url, consume=False):
        wait_until(lambda: audit_heads.last_heads(amqp_url).get("contracts"), timeout=20, message="head published")
    env = {**os.environ, "KAWAL_CONTRACTS_DATABASE_URL": contracts, "KAWAL_AMQP_URL": amqp_url}
    kawal = [os.path.join(os.path.dirname(sys.executable), "kawal"), "audit", "verify", "--service", "contracts"]
    intact = subprocess.run(kawal, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    _recompute_chain(contracts)
    with db.unit_of_work(contracts) as session:
        assert audit.verify(session).intact  # the chain alone cannot tell
    rewritten = subprocess.run(kawal, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert rewritten.returncode == 1
    assert "published head" in rewritten.stdout
    assert audit_heads.last_heads(amqp_url)["contracts"]["seq"] == 3  # reading the heads left them in place
