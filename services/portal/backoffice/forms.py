"""Form values to API bodies, and an API refusal back onto the form (the error next to its field)."""

from __future__ import annotations

import re

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
    "invalid_npwp": "NPWP terdiri atas 15 atau 16 digit, mis. 01.234.567.8-901.000.",
}
INVALID = "Periksa isian yang ditandai (check the marked fields)."  # a 422 naming fields, in no code above
# the APIs' field messages (marshmallow's and ours) as the agency reads them; any other stays as the API wrote it
MESSAGES = {
    "Missing data for required field.": "Wajib diisi.",
    "Field may not be null.": "Wajib diisi.",
    "Not a valid integer.": "Harus bilangan bulat.",
    "Not a valid number.": "Harus angka.",
    "Not a valid date.": "Tanggal tidak sah.",
    "Not a valid datetime.": "Waktu tidak sah.",
    "Not a valid UUID.": "Pilihan tidak sah.",
    "Not a valid string.": "Harus teks.",
    "Not a valid list.": "Harus daftar.",
    "Must be 15 or 16 digits (dots, dashes and spaces are ignored).": "Harus 15 atau 16 digit (titik, strip dan spasi diabaikan).",
}
PATTERNS = [
    (
        re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
        r"Harus antara \1 dan \2.",
    ),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), r"Paling kecil \1."),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), r"Paling besar \1."),
    (re.compile(r"^Must be greater than (\S+)\.$"), r"Harus lebih dari \1."),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), r"Panjang \1 sampai \2 karakter."),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), r"Paling panjang \1 karakter."),
    (re.compile(r"^Must be one of: (.*)\.$"), r"Harus salah satu dari: \1."),
]


def message(text: str) -> str:
    """One API field message in the agency's words (unknown ones as the API wrote them)."""
    if text in MESSAGES:
        return MESSAGES[text]
    for pattern, replacement in PATTERNS:
        if pattern.match(text):
            return pattern.sub(replacement, text)
    return text


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
                fields[f"{name}.{inner}"] = _joined(text)
        else:
            fields[name] = _joined(messages)
    if problem.code in CODES:
        return CODES[problem.code], fields
    return (INVALID if fields and problem.status == 422 else problem.message or "Permintaan ditolak."), fields


def _joined(messages) -> str:
    return "; ".join(message(str(m)) for m in messages) if isinstance(messages, list) else message(str(messages))


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
