"""Terbilang: a Rupiah amount in Indonesian words, as a berita acara writes its total."""

from __future__ import annotations

_UNITS = ("", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan", "sepuluh", "sebelas")
_SCALES = ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (10**3, "ribu"))


def _below_thousand(n: int) -> list[str]:
    if n < 12:
        return [_UNITS[n]] if n else []
    if n < 20:
        return [_UNITS[n - 10], "belas"]
    if n < 100:
        return [_UNITS[n // 10], "puluh"] + _below_thousand(n % 10)
    hundreds = ["seratus"] if n // 100 == 1 else [_UNITS[n // 100], "ratus"]
    return hundreds + _below_thousand(n % 100)


def words(n: int) -> str:
    """2752800 -> 'dua juta tujuh ratus lima puluh dua ribu delapan ratus' (1000 is 'seribu', 10^6 'satu juta')."""
    if n < 0:
        return "minus " + words(-n)
    if n == 0:
        return "nol"
    parts: list[str] = []
    for scale, name in _SCALES:
        count, n = divmod(n, scale)
        if count == 0:
            continue
        if scale == 1000 and count == 1:
            parts.append("seribu")
        else:
            parts += _below_thousand(count) if count < 1000 else words(count).split()
            parts.append(name)
    parts += _below_thousand(n)
    return " ".join(parts)


def rupiah(amount: int) -> str:
    """The amount as written under a total: 'dua juta ... delapan ratus rupiah'."""
    return f"{words(amount)} rupiah"
