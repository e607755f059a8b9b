#!/usr/bin/env bash
# Print this checkout's development token secret, generating it once into .run/jwt-secret (mode 600).
# Kawal has no built-in secret: `make up` and `make demo` export this one; anywhere real sets KAWAL_JWT_SECRET.
set -euo pipefail
cd "$(dirname "$0")/.."
SECRET_FILE=.run/jwt-secret
if [[ ! -s $SECRET_FILE ]]; then
  mkdir -p .run
  (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(48))' > "$SECRET_FILE")
fi
cat "$SECRET_FILE"
