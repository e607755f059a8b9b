"""Form values to API bodies, and an API refusal back onto the form (the error next to its field)."""
from __future__ import annotations

from flask import flash

from services.portal.apiclient import ApiProblem

# the API's error codes a person at the agency reads, in their words (the API's own message otherwise)
CODES = {
    "kecamatan_taken": "Kecamatan ini sudah punya kontrak yang berlaku pada periode itu.",
    "not_draft": "Hanya kontrak draf yang dapat diaktifkan.",
    "no_grounds": "Belum ada dasar pemutusan: perlu SP3 atau batas potongan tercapai.",
    "month_not_ended": "Bulan ini belum berakhir (ditambah batas sinkronisasi); tagihan belum dapat diterbitkan.",
    "objection_decided": "Keberatan ini sudah diputuskan.",
    "unknown_plate": "Nomor polisi tidak dikenal.",
}


def integer(form, name: str):
    """A whole number from a form field, or the text as typed (the API then names the field at fault)."""
    raw = (form.get(name) or "").replace(".", "").replace(" ", "").strip()
    if raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        return raw


def compact(data: dict) -> dict:
    return {k: v for k, v in data.items() if v not in (None, "", [])}


def refusal(problem: ApiProblem) -> tuple[str, dict]:
    """The sentence and the per-field messages to show for an API's 409/422."""
    fields = {}
    for name, messages in (problem.fields or {}).items():
        if isinstance(messages, dict):  # nested (sla.grace_minutes): flatten one level
            for inner, text in messages.items():
                fields[f"{name}.{inner}"] = "; ".join(map(str, text)) if isinstance(text, list) else str(text)
        else:
            fields[name] = "; ".join(map(str, messages)) if isinstance(messages, list) else str(messages)
    return CODES.get(problem.code, problem.message or "Permintaan ditolak."), fields


def flash_refusal(problem: ApiProblem) -> None:
    message, fields = refusal(problem)
    detail = "; ".join(f"{k}: {v}" for k, v in fields.items())
    flash(f"{message} {detail}".strip(), "error")


def attempt(call):
    """Run one API write for a form: a refusal the person can act on is flashed and answers None; anything else
    (5xx, 403) propagates to the error page."""
    try:
        return call()
    except ApiProblem as problem:
        if not handled(problem):
            raise
        flash_refusal(problem)
        return None


def handled(problem: ApiProblem) -> bool:
    """Refusals a person can act on are shown on the page; anything else (5xx, 403) is the error page."""
    return problem.status in (404, 409, 422)
