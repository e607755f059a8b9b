"""money loop, second edition: terms by date, days in force, complaint days by month, cap by D(m), final invoices

Revision ID: 0002_money_loop
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_money_loop"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("contracts", sa.Column("activated_on", sa.Date(), nullable=True))
    op.execute("UPDATE contracts SET activated_on = start_date")  # earlier replicas: in force from the start
    _nest_legacy_terms()
    op.add_column("weighings", sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("weighings", sa.Column("held_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE weighings SET cleared_at = weighed_at WHERE cleared")
    op.add_column("contracts", sa.Column("performance_bond_rp", sa.BigInteger(), nullable=False, server_default="0"))
    op.add_column("amendments", sa.Column("effective_from", sa.Date(), nullable=True))
    op.execute("UPDATE amendments a SET effective_from = c.start_date FROM contracts c WHERE c.id = a.contract_id")
    op.create_table(
        "lifecycle_changes",
        sa.Column("contract_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_lifecycle_changes_contract_id_contracts")
        ),
        sa.PrimaryKeyConstraint("contract_id", "at", "status", name=op.f("pk_lifecycle_changes")),
    )
    op.create_table(
        "stale_drafts",
        sa.Column("contract_id", sa.UUID(as_uuid=False), nullable=False),
        sa.PrimaryKeyConstraint("contract_id", name=op.f("pk_stale_drafts")),
    )
    op.drop_index("ix_complaints_contract_resolved", table_name="complaints")
    op.drop_column("complaints", "overdue_days")
    op.create_index("ix_complaints_contract_due", "complaints", ["contract_id", "due_at"], unique=False)
    op.add_column("invoices", sa.Column("kind", sa.String(length=10), nullable=False, server_default="termin"))
    op.add_column("invoices", sa.Column("assessed_rp", sa.BigInteger(), nullable=False, server_default="0"))
    op.add_column("invoices", sa.Column("bond_claim_rp", sa.BigInteger(), nullable=False, server_default="0"))
    op.add_column("invoices", sa.Column("performance_bond_rp", sa.BigInteger(), nullable=False, server_default="0"))
    # D(m) of invoices issued before this revision: their deductions as assessed
    op.execute(
        "UPDATE invoices i SET assessed_rp = (SELECT coalesce(sum(j.deductions_gross_rp), 0) FROM invoices j "
        "WHERE j.contract_id = i.contract_id AND j.status <> 'draft' AND j.month <= i.month)"
    )
    op.add_column("invoice_evidence", sa.Column("fact_date", sa.Date(), nullable=True))
    op.execute(
        "UPDATE invoice_evidence SET fact_date = CASE WHEN ref ~ '^\\d{4}-\\d{2}-\\d{2}$' THEN ref::date "
        "ELSE to_date(fact_month || '-01', 'YYYY-MM-DD') END"
    )
    op.alter_column("invoice_evidence", "fact_date", nullable=False)
    op.drop_constraint("pk_invoice_lines", "invoice_lines", type_="primary")
    op.create_primary_key("pk_invoice_lines", "invoice_lines", ["invoice_id", "position"])
    op.add_column("invoice_lines", sa.Column("first_date", sa.Date(), nullable=True))
    op.add_column("invoice_lines", sa.Column("last_date", sa.Date(), nullable=True))


SLA, PENALTIES = (
    ("shortfall_days_allowed", "sync_allowance_hours"),
    ("missed_pickup_rp", "complaint_day_rp", "shortfall_day_rp", "cap_rp"),
)


def _nested(flat: dict) -> dict:
    """0001 kept terms flat (billing's fields only); 0002 keeps the event's shape, which shared.contract_terms reads."""
    if "sla" in flat or "penalties" in flat:
        return flat
    nested = {k: v for k, v in flat.items() if k not in SLA + PENALTIES}
    if any(k in flat for k in SLA):
        nested["sla"] = {"sync_allowance_hours": 24, **{k: flat[k] for k in SLA if k in flat}}
    if any(k in flat for k in PENALTIES):
        nested["penalties"] = {k: flat[k] for k in PENALTIES if k in flat}
    return nested


def _nest_legacy_terms() -> None:
    import json

    bind = op.get_bind()
    for table, column, key in (
        ("contracts", "base_terms", "id"),
        ("amendments", "changes", "contract_id, amendment_no"),
    ):
        keys = [k.strip() for k in key.split(",")]
        for row in bind.execute(sa.text(f"SELECT {key}, {column} AS terms FROM {table}")).mappings().all():
            where = " AND ".join(f"{k} = :{k}" for k in keys)
            bind.execute(
                sa.text(f"UPDATE {table} SET {column} = CAST(:terms AS jsonb) WHERE {where}"),
                {**{k: row[k] for k in keys}, "terms": json.dumps(_nested(row["terms"]))},
            )


def downgrade() -> None:
    op.drop_column("weighings", "held_at")
    op.drop_column("weighings", "cleared_at")
    op.drop_column("invoice_lines", "last_date")
    op.drop_column("invoice_lines", "first_date")
    op.drop_constraint("pk_invoice_lines", "invoice_lines", type_="primary")
    op.execute(
        "DELETE FROM invoice_lines a USING invoice_lines b WHERE a.invoice_id = b.invoice_id "
        "AND a.kind = b.kind AND a.position > b.position"
    )
    op.create_primary_key("pk_invoice_lines", "invoice_lines", ["invoice_id", "kind"])
    op.drop_column("invoice_evidence", "fact_date")
    for column in ("performance_bond_rp", "bond_claim_rp", "assessed_rp", "kind"):
        op.drop_column("invoices", column)
    op.drop_index("ix_complaints_contract_due", table_name="complaints")
    op.add_column("complaints", sa.Column("overdue_days", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_complaints_contract_resolved", "complaints", ["contract_id", "resolved_at"], unique=False)
    op.drop_table("stale_drafts")
    op.drop_table("lifecycle_changes")
    op.drop_column("amendments", "effective_from")
    op.drop_column("contracts", "performance_bond_rp")
    op.drop_column("contracts", "activated_on")
