#!/bin/sh
# Render Kawal's definitions with the credentials from the environment, then start the stock entrypoint.
# A node that imports definitions at boot creates no default user, so the user is part of the definitions.
set -eu
: "${RABBITMQ_DEFAULT_USER:?set RABBITMQ_DEFAULT_USER in .env}"
: "${RABBITMQ_DEFAULT_PASS:?set RABBITMQ_DEFAULT_PASS in .env}"
# One user per service with least permissions (the administrator above is for operators and `kawal events declare`).
: "${KAWAL_CONTRACTS_BROKER_PASSWORD:?set KAWAL_CONTRACTS_BROKER_PASSWORD in .env}"
: "${KAWAL_ROUTES_BROKER_PASSWORD:?set KAWAL_ROUTES_BROKER_PASSWORD in .env}"
: "${KAWAL_BILLING_BROKER_PASSWORD:?set KAWAL_BILLING_BROKER_PASSWORD in .env}"
: "${KAWAL_PORTAL_BROKER_PASSWORD:?set KAWAL_PORTAL_BROKER_PASSWORD in .env}"
# JSON-escape (backslash, quote), then escape what is special in a sed replacement (backslash, &, |).
escape() { printf '%s' "$1" | sed -e 's/[\\"]/\\&/g' | sed -e 's/[\\&|]/\\&/g'; }
template=${KAWAL_DEFINITIONS_TEMPLATE:-/etc/rabbitmq/kawal/definitions.json}
target=${KAWAL_DEFINITIONS_FILE:-/var/lib/rabbitmq/kawal-definitions.json}
sed -e "s|__RABBITMQ_USER__|$(escape "$RABBITMQ_DEFAULT_USER")|g" \
    -e "s|__RABBITMQ_PASSWORD__|$(escape "$RABBITMQ_DEFAULT_PASS")|g" \
    -e "s|__KAWAL_CONTRACTS_BROKER_PASSWORD__|$(escape "$KAWAL_CONTRACTS_BROKER_PASSWORD")|g" \
    -e "s|__KAWAL_ROUTES_BROKER_PASSWORD__|$(escape "$KAWAL_ROUTES_BROKER_PASSWORD")|g" \
    -e "s|__KAWAL_BILLING_BROKER_PASSWORD__|$(escape "$KAWAL_BILLING_BROKER_PASSWORD")|g" \
    -e "s|__KAWAL_PORTAL_BROKER_PASSWORD__|$(escape "$KAWAL_PORTAL_BROKER_PASSWORD")|g" \
    "$template" > "$target"
chown rabbitmq:rabbitmq "$target" 2>/dev/null || true
chmod 600 "$target"
exec docker-entrypoint.sh "$@"
