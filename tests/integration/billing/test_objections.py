"""Objections (keberatan) over billing's API: who may file and decide, the 10-day window, one per item, events."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from tests.support.scrape import scrape
from tests.integration.billing.conftest import AUDITOR, DINAS, World, deliver, draft, post, token

UTC = timezone.utc
ISSUED_AT = datetime(2025, 4, 2, 3, 0, tzinfo=UTC)  # the billing fixture's clock


class Disputed:
    """March 2025 with two missed pickups and five shortfall days (two billed past the allowance of 3), issued."""

    def __init__(self, client, url):
        self.world = World()
        self.pickups = [str(uuid.uuid4()) for _ in range(2)]
        deliver(url, [self.world.activated(),
                      self.world.weighed(str(uuid.uuid4()), 400_000, datetime(2025, 3, 2, 3, 0, tzinfo=UTC)),
                      self.world.missed(self.pickups[0], date(2025, 3, 3)),
                      self.world.missed(self.pickups[1], date(2025, 3, 4)),
                      *[self.world.evaluated(date(2025, 3, n), shortfall=True) for n in range(10, 15)]])
        self.march = post(client, draft(client, self.world, "2025-03")["id"], "issue")
        self.own = token("contractor", self.world.contractor_id)
        self.other = token("contractor", str(uuid.uuid4()))

    def object(self, client, items, headers=None, reason="Truk datang pukul 18.00, ada foto", **extra):
        return client.post(f"/api/v1/invoices/{self.march['id']}/objections",
                           headers=self.own if headers is None else headers,
                           json={"items": items, "reason": reason, **extra})


@pytest.fixture
def disputed(billing, billing_db):
    return Disputed(billing, billing_db)


def rows(url: str, sql: str, **params) -> list:
    engine = create_engine(url)
    with engine.connect() as connection:
        result = connection.execute(text(sql), params).all()
    engine.dispose()
    return result


def missed(ref):
    return {"kind": "missed_pickup", "ref": ref}


def test_a_contractor_objects_to_items_of_its_invoice_and_each_becomes_an_open_objection(billing, billing_db,
                                                                                        disputed):
    photo = "ab" * 32
    answer = disputed.object(billing, [missed(disputed.pickups[0]), {"kind": "shortfall_day", "ref": "2025-03-14"}],
                             photo_sha256=[photo])
    assert answer.status_code == 201, answer.get_json()
    filed = answer.get_json()["items"]
    assert [(o["kind"], o["ref"], o["status"], o["fact_month"], o["photo_sha256"]) for o in filed] == [
        ("missed_pickup", disputed.pickups[0], "open", "2025-03", [photo]),
        ("shortfall_day", "2025-03-14", "open", "2025-03", [photo])]
    invoice = billing.get(f"/api/v1/invoices/{disputed.march['id']}", headers=disputed.own).get_json()
    assert sorted(o["ref"] for o in invoice["objections"] if o["status"] == "open") == sorted(
        [disputed.pickups[0], "2025-03-14"])
    events = rows(billing_db, "SELECT envelope FROM outbox WHERE type = 'billing.objection.filed' ORDER BY seq")
    assert [(e[0]["data"]["kind"], e[0]["data"]["ref"]) for e in events] == [
        ("missed_pickup", disputed.pickups[0]), ("shortfall_day", "2025-03-14")]
    assert rows(billing_db, "SELECT count(*) FROM audit_log WHERE action = 'objection.file'")[0][0] == 2


def test_objections_close_ten_days_after_issue(billing, disputed, frozen_clock):
    frozen_clock(ISSUED_AT + timedelta(days=10))
    assert disputed.object(billing, [missed(disputed.pickups[0])]).status_code == 201
    frozen_clock(ISSUED_AT + timedelta(days=10, seconds=1))
    late = disputed.object(billing, [missed(disputed.pickups[1])])
    assert (late.status_code, late.get_json()["error"]["code"]) == (409, "objection_window_closed")


def test_a_draft_cannot_be_objected_to(billing, disputed):
    april = draft(billing, disputed.world, "2025-04")
    refused = billing.post(f"/api/v1/invoices/{april['id']}/objections", headers=disputed.own,
                           json={"items": [missed(disputed.pickups[0])], "reason": "belum terbit"})
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "invoice_not_issued")


def test_each_evidence_item_is_objected_to_once(billing, billing_db, disputed):
    assert disputed.object(billing, [missed(disputed.pickups[0])]).status_code == 201
    again = disputed.object(billing, [missed(disputed.pickups[1]), missed(disputed.pickups[0])])
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "already_objected")
    twice = disputed.object(billing, [missed(disputed.pickups[1]), missed(disputed.pickups[1])])
    assert (twice.status_code, twice.get_json()["error"]["fields"]) == (422, {"items": {"1": [
        "Named twice in this objection."]}})
    # all or none: the refused requests filed nothing
    assert [r.ref for r in rows(billing_db, "SELECT ref FROM objections")] == [disputed.pickups[0]]


@pytest.mark.parametrize("item", [
    {"kind": "missed_pickup", "ref": "00000000-0000-0000-0000-000000000000"},  # no such pickup on the invoice
    {"kind": "shortfall_day", "ref": "2025-03-10"},  # a shortfall day inside the allowance: not billed
    {"kind": "complaint_day", "ref": "PICKUP"},  # a pickup's id named as a complaint (filled in below)
])
def test_an_item_not_on_the_invoice_lines_is_refused_with_its_position(billing, billing_db, disputed, item):
    if item["ref"] == "PICKUP":
        item = {**item, "ref": disputed.pickups[0]}
    refused = disputed.object(billing, [missed(disputed.pickups[0]), item])
    assert refused.status_code == 422
    body = refused.get_json()["error"]
    assert (body["code"], list(body["fields"]["items"])) == ("not_on_invoice", ["1"])
    assert rows(billing_db, "SELECT count(*) FROM objections")[0][0] == 0


@pytest.mark.parametrize("body, field", [
    ({"items": [], "reason": "x"}, "items"),
    ({"items": [{"kind": "tonnage", "ref": "x"}], "reason": "x"}, "items"),
    ({"items": [{"kind": "missed_pickup", "ref": "x" * 65}], "reason": "x"}, "items"),
    ({"items": [{"kind": "missed_pickup", "ref": "x"}]}, "reason"),
    ({"items": [{"kind": "missed_pickup", "ref": "x"}], "reason": "x", "photo_sha256": ["nope"]}, "photo_sha256"),
])
def test_malformed_objections_are_422_with_the_field_at_fault(billing, disputed, body, field):
    refused = billing.post(f"/api/v1/invoices/{disputed.march['id']}/objections", headers=disputed.own, json=body)
    assert refused.status_code == 422
    assert field in refused.get_json()["error"]["fields"]


def test_only_the_contractor_whose_invoice_it_is_may_object(billing, disputed):
    statuses = [disputed.object(billing, [missed(disputed.pickups[0])], headers=h).status_code
                for h in (disputed.other, DINAS, AUDITOR, {})]
    assert statuses == [404, 403, 403, 401]


def test_every_role_lists_objections_and_a_contractor_only_its_own(billing, disputed):
    disputed.object(billing, [missed(disputed.pickups[0])])
    objection_id = billing.get("/api/v1/objections", headers=DINAS).get_json()["items"][0]["id"]
    listed = {name: billing.get("/api/v1/objections", headers=h,
                                query_string={"invoice_id": disputed.march["id"], "status": "open"}
                                ).get_json()["page"]["total"]
              for name, h in (("dinas", DINAS), ("auditor", AUDITOR), ("own", disputed.own),
                              ("other", disputed.other))}
    assert listed == {"dinas": 1, "auditor": 1, "own": 1, "other": 0}
    assert [billing.get(f"/api/v1/objections/{objection_id}", headers=h).status_code
            for h in (DINAS, AUDITOR, disputed.own, disputed.other)] == [200, 200, 200, 404]
    assert billing.get("/api/v1/objections", headers=DINAS, query_string={"status": "accepted"}
                       ).get_json()["page"]["total"] == 0


def test_the_agency_decides_an_objection_once_and_the_decision_is_evented(billing, billing_db, disputed):
    filed = disputed.object(billing, [missed(disputed.pickups[0]), missed(disputed.pickups[1])]).get_json()["items"]
    decide = lambda objection, accept, h=DINAS: billing.post(  # noqa: E731
        f"/api/v1/objections/{objection['id']}/decision", headers=h, json={"accept": accept, "reason": "Foto sah"})
    assert [decide(filed[0], True, h).status_code for h in (AUDITOR, disputed.own, {})] == [403, 403, 401]
    accepted = decide(filed[0], True)
    assert (accepted.status_code, accepted.get_json()["status"]) == (200, "accepted")
    assert decide(filed[1], False).get_json()["status"] == "rejected"
    again = decide(filed[0], False)
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "objection_decided")
    events = [e[0]["data"] for e in rows(billing_db, "SELECT envelope FROM outbox "
                                                     "WHERE type = 'billing.objection.decided' ORDER BY seq")]
    assert [(e["ref"], e["accepted"], e["fact_date"]) for e in events] == [
        (disputed.pickups[0], True, "2025-03-03"), (disputed.pickups[1], False, "2025-03-04")]
    actions = [r.action for r in rows(billing_db, "SELECT action FROM audit_log WHERE object_type = 'objection' "
                                                  "ORDER BY seq")]
    assert actions == ["objection.file", "objection.file", "objection.accept", "objection.reject"]
    # deciding changes no invoice by itself: the evidence changes in routes, and the credit comes back as events
    march = billing.get(f"/api/v1/invoices/{disputed.march['id']}", headers=DINAS).get_json()
    assert (march["status"], march["deductions_rp"]) == ("issued", disputed.march["deductions_rp"])
    assert {o["ref"]: o["status"] for o in march["objections"]} == {disputed.pickups[0]: "accepted",
                                                                    disputed.pickups[1]: "rejected"}
    gauges = scrape(billing)
    for status in ("accepted", "rejected"):
        assert f'kawal_billing_objections{{contract="KTR/2025/001",status="{status}"}} 1.0' in gauges


def test_a_retried_objection_with_the_same_idempotency_key_answers_the_first(billing, billing_db, disputed):
    headers = {**disputed.own, "Idempotency-Key": "keberatan-1"}
    first = disputed.object(billing, [missed(disputed.pickups[0])], headers=headers)
    retry = disputed.object(billing, [missed(disputed.pickups[0])], headers=headers)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.get_json() == first.get_json()
    assert rows(billing_db, "SELECT count(*) FROM outbox WHERE type = 'billing.objection.filed'")[0][0] == 1
    reused = disputed.object(billing, [missed(disputed.pickups[1])], headers=headers)
    assert (reused.status_code, reused.get_json()["error"]["code"]) == (409, "idempotency_key_reused")


def test_an_unknown_objection_is_not_found(billing, disputed):
    assert billing.post(f"/api/v1/objections/{uuid.uuid4()}/decision", headers=DINAS,
                        json={"accept": True, "reason": "x"}).status_code == 404
