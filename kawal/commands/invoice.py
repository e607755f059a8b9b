"""`kawal invoice`: fetch an issued invoice's berita acara, and check a printed one's hash against billing."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import click

from kawal.demo import disputes
from kawal.demo.client import Kawal

HASH = re.compile(rb"kawal-sha256:([0-9a-f]{64})")
PRINTED = re.compile(r"\b([0-9a-f]{64})\b")


def printed_hash(pdf: bytes, path: Path | None = None) -> str | None:
    """The hash a berita acara carries: its metadata first, else the printed text (pdftotext, when installed)."""
    found = HASH.search(pdf)
    if found:
        return found.group(1).decode()
    if path is not None and shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=False).stdout
        printed = PRINTED.search(text)
        return printed.group(1) if printed else None
    return None


@click.group()
def invoice() -> None:
    """Invoices: the berita acara and checking it."""


@invoice.command("verify")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sha256", "sha256", default=None, help="A hash read off a printed copy (or its QR code).")
def verify(file: Path | None, sha256: str | None) -> None:
    """Whether FILE.pdf (or a hash) is an issued invoice's berita acara; exit 1 when it is not."""
    if file is None and sha256 is None:
        raise click.UsageError("give a berita acara PDF or --sha256")
    digest = sha256.lower() if sha256 else printed_hash(file.read_bytes(), file)
    if digest is None:
        click.echo(f"{file}: no Kawal invoice hash found (is it a berita acara?)")
        sys.exit(1)
    answer = Kawal().call("GET", "billing", "/invoices/verify", role="auditor", params={"sha256": digest})
    if not answer.ok:
        click.echo(f"billing refused: {answer.status} {answer.code}")
        sys.exit(2)
    body = answer.body
    if not body.get("matches"):
        click.echo(f"TIDAK COCOK / NO MATCH: {digest} is no issued invoice's hash")
        sys.exit(1)
    total = f"Rp{body['total_rp']:,}".replace(",", ".")
    click.echo(
        f"COCOK / MATCH: {digest} is the invoice of {body['number']} {body['month']} "
        f"(status {body['status']}, total {total})"
    )


@invoice.command("berita-acara")
@click.argument("invoice_id", required=False)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write one invoice's PDF (default berita-acara-<invoice id>.pdf).",
)
@click.option("--month", default=None, help="YYYY-MM: every issued invoice of the month instead of one.")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".run"),
    show_default=True,
    help="Where the month's PDFs go.",
)
def berita_acara(invoice_id: str | None, output: Path | None, month: str | None, directory: Path) -> None:
    """Download the berita acara pemeriksaan pekerjaan of an issued invoice (or of every one of --month)."""
    if month:
        written = disputes.write_berita_acara(Kawal(), month, directory)
        for path in written:
            click.echo(f"berita acara: {path}")
        if not written:
            click.echo(f"no issued invoice in {month}")
        return
    if not invoice_id:
        raise click.UsageError("give an INVOICE_ID or --month")
    output = output or Path(f"berita-acara-{invoice_id}.pdf")
    output.write_bytes(Kawal().download("billing", f"/invoices/{invoice_id}/berita-acara"))
    click.echo(str(output))
