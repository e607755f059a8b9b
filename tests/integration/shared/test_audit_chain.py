import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DataError
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


def test_concurrent_appends_make_one_unbroken_chain(engine, session):
    """The lock and the chained INSERT go to the server in one pipeline: racing writers still make one chain."""
    import threading

    failures: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for k in range(25):
                with Session(engine) as own:
                    audit.append(own, DINAS, "contract.create", "contract", f"c-{n}-{k}", {"k": k})
                    own.commit()
        except BaseException as error:  # surfaced below, with the chain's verdict
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    verdict = audit.verify(session)
    assert (verdict.entries, verdict.intact) == (150, True)


def test_concurrent_appends_after_a_callers_own_lock_make_one_unbroken_chain(engine, session):
    """A caller's write takes the chain's lock as its statement's main query (audit.TAKE_LOCK) and queues only the
    INSERT after it in the same pipeline (the confirmation's hot path): racing writers still make one chain."""
    import threading

    from shared import db

    own_write = db.raw_sql(text("WITH w AS (SELECT 1) " + audit.TAKE_LOCK))
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for k in range(25):
                with Session(engine) as own:
                    entry = audit.statements(DINAS, "pickup.confirm", "pickup", f"p-{n}-{k}", {"k": k}, locked=True)
                    db.pipeline(own, [(own_write, dict(audit.LOCK_PARAMS)), *entry])
                    own.commit()
        except BaseException as error:  # surfaced below, with the chain's verdict
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    verdict = audit.verify(session)
    assert (verdict.entries, verdict.intact) == (150, True)


def test_a_failed_append_rolls_back_with_its_transaction_and_the_chain_goes_on(session):
    _write_three(session)
    too_long = Principal(sub="x" * 201, role="dinas")  # the actor column holds 200
    with pytest.raises(DataError):
        audit.append(session, too_long, "contract.create", "contract", "c-x")
    session.rollback()
    _write_three(session)
    assert (audit.verify(session).entries, audit.verify(session).intact) == (6, True)
