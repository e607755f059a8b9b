"""The berita acara pemeriksaan pekerjaan (the signed record of an issued invoice, as a PDF) and checking a hash
printed on one."""

from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from services.billing import berita_acara, digests
from services.billing.schemas import VerifyFilter, VerifySchema
from shared import auth
from shared.web import transaction

blp = Blueprint(
    "berita_acara",
    __name__,
    url_prefix="/invoices",
    description=(
        "Berita acara pemeriksaan pekerjaan: the signed record of an issued invoice, and checking a printed hash."
    ),
)


@blp.route("/<uuid:invoice_id>/berita-acara", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.doc(
    responses={
        "200": {
            "description": "A4 PDF, Bahasa Indonesia with English beside; the invoice's SHA-256 printed and as a QR code",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
)
@blp.alt_response(404, description="not this contractor's invoice")
@blp.alt_response(409, description="a draft has no berita acara (invoice_not_issued)")
def get_berita_acara(invoice_id):
    """The berita acara pemeriksaan pekerjaan of an issued invoice, as a PDF."""
    with transaction() as session:
        pdf, filename = berita_acara.of_invoice(session, invoice_id)
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'})


@blp.route("/verify", methods=["GET"])
@auth.roles(*auth.READERS)
@blp.arguments(VerifyFilter, location="query")
@blp.response(200, VerifySchema)
def verify_hash(args):
    """Whether a SHA-256 printed on a berita acara is that of an issued invoice."""
    with transaction() as session:
        return digests.verify(session, args["sha256"])
