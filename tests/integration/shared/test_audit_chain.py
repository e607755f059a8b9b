import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from shared import audit
from shared.auth import Principal
from shared.db import platform_metadata
from tests.support import databases

DINAS = Principal(sub="ppk-1", role="dinas")


@pytest.fixture(scope="module")
def engine():
    name = "kawal_platform_audit_test"
    databases.recreate(name)
    eng = create_engine(databases.url_for(name))
    platform_metadata.create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_log RESTART IDENTITY"))
    with Session(engine) as s:
        yield s


def _write_three(session):
    for n in range(3):
        audit.append(session, DINAS, "contract.create", "contract", f"c-{n}", {"value_rp": 1000 * n})
        session.commit()


def test_an_untouched_chain_verifies(session):
    _write_three(session)
    verdict = audit.verify(session)
    assert (verdict.entries, verdict.intact) == (3, True)


def test_an_edited_row_breaks_the_chain_at_that_row(session):
    _write_three(session)
    session.execute(text("UPDATE audit_log SET detail = '{\"value_rp\": 1}' WHERE seq = 2"))
    session.commit()
    assert audit.verify(session).broken_at == 2


def test_a_deleted_row_breaks_the_chain_after_the_gap(session):
    _write_three(session)
    session.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    session.commit()
    assert audit.verify(session).broken_at == 3


def test_each_entry_records_who_what_and_when(session):
    _write_three(session)
    row = session.execute(text("SELECT actor, role, action, object_type, object_id FROM audit_log WHERE seq = 1")).one()
    assert tuple(row) == ("ppk-1", "dinas", "contract.create", "contract", "c-0")
