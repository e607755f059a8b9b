"""Compliance: what the routes worker decides about the evidence once time has passed.

rules.py    the rules as plain functions over plain values (shortfall day, on-time ratio, breaches of a month)
sweep.py    every minute: pickups past their deadline become missed, complaints past theirs overdue
daily.py    every ended WIB day of every contract evaluated, and revised when its evidence changes
monthly.py  every WIB month past its sync allowance evaluated: SLA breaches found, revised or withdrawn
results.py  the API's reads of what they found (GET /compliance/daily, /compliance/breaches)

The Celery tasks that run them are in services/routes/tasks.py (task names routes.sweep, routes.evaluate_days,
routes.evaluate_months)."""
