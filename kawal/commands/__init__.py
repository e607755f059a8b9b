"""The CLI's command groups, one module each."""
from kawal.commands.admin import audit, db, token

ALL = [token, db, audit]
