#!/bin/sh
# One-shot: create Temporal's two databases (history and visibility) on its Postgres and
# bring their schemas up to this server version. Safe to run again on every upgrade.
set -eu
sql() { temporal-sql-tool --plugin postgres12 --ep temporal-postgresql -p 5432 \
  -u temporal --pw "$TEMPORAL_POSTGRES_PASSWORD" "$@"; }
for db in temporal temporal_visibility; do
  dir=temporal; [ "$db" = temporal_visibility ] && dir=visibility
  sql --db "$db" create || true          # already there on a second run
  sql --db "$db" setup-schema -v 0.0 || true
  sql --db "$db" update-schema -d "/etc/temporal/schema/postgresql/v12/$dir/versioned"
done
