#!/bin/sh
# Creates Temporal's two databases on the stack's PostgreSQL and brings their schemas up to
# the admin-tools image's version; run by the one-shot `temporal-schema` service on every
# `docker compose up`, so it must be safe to repeat. On a database that already has a
# schema only `update-schema` runs: `setup-schema -v 0.0` would reset its recorded version.
set -eu

# The password comes from SQL_PASSWORD in the environment, as temporal-sql-tool reads it.
sql() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}

for db in temporal temporal_visibility; do
  case "$db" in
    temporal) schema=/etc/temporal/schema/postgresql/v12/temporal/versioned ;;
    *) schema=/etc/temporal/schema/postgresql/v12/visibility/versioned ;;
  esac
  sql --db "$db" create
  if ! sql --db "$db" update-schema -d "$schema"; then
    sql --db "$db" setup-schema -v 0.0
    sql --db "$db" update-schema -d "$schema"
  fi
done
echo "Temporal's schemas are up to date."
