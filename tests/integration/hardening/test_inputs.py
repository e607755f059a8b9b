"""Findings 5 and 6: no input is a 500. Each case from the review is a 4xx naming what is wrong."""
from __future__ import annotations

import importlib
import uuid

import pytest

from shared import auth

API = "/api/v1"
DINAS = {"Authorization": f"Bearer {auth.mint('dinas')}"}


@pytest.fixture(scope="module")
def apps(contracts_db, routes_db, billing_db, amqp_url):
    return {service: importlib.import_module(f"services.{service}.app").create_app({"TESTING": True}).test_client()
            for service in ("contracts", "routes", "billing")}


def _refused(response, status=422):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    body = response.get_json()
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


@pytest.mark.parametrize("service,path", [("contracts", "/contracts"), ("contracts", "/contractors"),
                                          ("routes", "/pickups"), ("routes", "/weighings"),
                                          ("routes", "/complaints"), ("billing", "/invoices")])
@pytest.mark.parametrize("page", ["9223372036854775807", "99999999999999999999", "4611686018427387904"])
def test_a_page_past_any_offset_is_a_422_on_every_list(apps, service, path, page):
    assert "page" in _refused(apps[service].get(f"{API}{path}?page={page}", headers=DINAS))["fields"]


@pytest.mark.parametrize("query", ["from=0001-01-01", "to=9999-12-31", "from=0001-01-01&to=9999-12-31"])
def test_weighings_between_dates_out_of_range_are_a_422(apps, query):
    _refused(apps["routes"].get(f"{API}/weighings?{query}", headers=DINAS))


def test_a_complaint_resolved_in_year_one_is_a_422(apps):
    contractor = {"Authorization": f"Bearer {auth.mint('contractor', contractor_id=str(uuid.uuid4()))}"}
    _refused(apps["routes"].post(f"{API}/complaints/{uuid.uuid4()}/resolution", headers=contractor,
                                 json={"note": "selesai", "resolved_at": "0001-01-01T00:00:00+14:00"}))


def test_a_weighing_in_year_9999_is_a_422(apps):
    _refused(apps["routes"].post(f"{API}/weighings", headers=DINAS, json={
        "ticket_no": "T-1", "plate": "BM 1234 AB", "gross_kg": 9000, "tare_kg": 4000,
        "weighed_at": "9999-12-31T23:59:59-12:00"}))


def test_a_deeply_nested_json_body_is_a_400(apps):
    body = "[" * 100_000 + "]" * 100_000
    response = apps["contracts"].post(f"{API}/contractors", headers={**DINAS, "Content-Type": "application/json"},
                                      data=body)
    _refused(response, 400)


def test_a_body_over_the_size_limit_is_a_413(apps):
    response = apps["contracts"].post(f"{API}/contractors", headers=DINAS,
                                      json={"name": "x" * (3 * 1024 * 1024)})
    _refused(response, 413)


def test_an_idempotency_key_over_200_characters_is_a_422(apps):
    response = apps["routes"].post(f"{API}/weighings", headers={**DINAS, "Idempotency-Key": "k" * 201}, json={
        "ticket_no": "T-2", "plate": "BM 1234 AB", "gross_kg": 9000, "tare_kg": 4000,
        "weighed_at": "2026-03-10T02:00:00+00:00"})
    assert "Idempotency-Key" in _refused(response)["fields"]


def _contract_body(**overrides):
    return {"number": f"600/X/{uuid.uuid4().hex[:6]}", "contractor_id": str(uuid.uuid4()), "kawasan": "Kawasan 3",
            "kecamatan": ["Rumbai"], "start_date": "2031-01-01", "end_date": "2031-06-30",
            "value_rp": 4_730_000_000, "unit_price_rp_per_ton": 235_000, "daily_target_kg": 110_000, **overrides}


def test_a_contract_value_of_ten_to_the_nineteenth_is_a_422(apps):
    assert "value_rp" in _refused(apps["contracts"].post(f"{API}/contracts", headers=DINAS,
                                                          json=_contract_body(value_rp=10**19)))["fields"]


def test_an_amendment_value_of_ten_to_the_nineteenth_is_a_422(apps):
    assert "value_rp" in _refused(apps["contracts"].post(f"{API}/contracts/{uuid.uuid4()}/amendments",
                                                          headers=DINAS, json={"value_rp": 10**19}))["fields"]


@pytest.mark.parametrize("start,end", [("0001-01-01", "9999-12-31"), ("2030-01-01", "2099-12-31")])
def test_a_contract_period_of_centuries_is_a_422(apps, start, end):
    _refused(apps["contracts"].post(f"{API}/contracts", headers=DINAS,
                                    json=_contract_body(start_date=start, end_date=end)))


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "0001-01"])
def test_a_billing_month_out_of_range_is_a_422(apps, month):
    response = apps["billing"].post(f"{API}/invoices", headers=DINAS,
                                    json={"contract_id": str(uuid.uuid4()), "month": month})
    assert "month" in _refused(response)["fields"]
    assert "month" in _refused(apps["billing"].get(f"{API}/invoices?month={month}", headers=DINAS))["fields"]


def test_an_overlong_header_is_refused_not_a_500(apps):
    response = apps["contracts"].get(f"{API}/contracts", headers={**DINAS, "X-Correlation-ID": "c" * 10_000})
    assert response.status_code < 500
