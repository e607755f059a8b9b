#!/bin/sh
# First start of the PostgreSQL volume: one database per service, owned by the application user.
# (`kawal db upgrade` also creates a missing database; this keeps ownership and encoding explicit.)
set -eu
for service in contracts routes billing portal; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE DATABASE kawal_${service} OWNER "$POSTGRES_USER" ENCODING 'UTF8' TEMPLATE template0;
SQL
done
