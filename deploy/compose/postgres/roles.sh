#!/bin/sh
# First start of the engine's Postgres (run once by the image's entrypoint, as the
# superuser): the logins of deploy/README.md, section 2.
#   scls_migrator  runs `scls db migrate` (SCLS_DATABASE_OWNER_URL) and acts for scls_owner;
#   scls_worker    the worker's and console's login (SCLS_DATABASE_URL), a member of scls_app.
# scls_owner and scls_app are NOLOGIN roles, the ones the first migration makes
# (store/migrations/0012_database_roles.sql). They are made here first, as that section's
# administrator may, so that scls_worker is a member from the start and no later step
# needs the superuser; the migration leaves them be and gives them their rights.
# Passwords go in as psql variables, so quotes in them cannot break the SQL.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v migrator_password="$ENGINE_MIGRATOR_PASSWORD" \
  -v worker_password="$ENGINE_WORKER_PASSWORD" <<'SQL'
CREATE ROLE scls_migrator LOGIN PASSWORD :'migrator_password';
CREATE DATABASE scls OWNER scls_migrator;
CREATE ROLE scls_owner NOLOGIN;
CREATE ROLE scls_app NOLOGIN;
GRANT scls_owner TO scls_migrator;
CREATE ROLE scls_worker LOGIN PASSWORD :'worker_password' IN ROLE scls_app;
REVOKE ALL ON DATABASE scls FROM PUBLIC;
GRANT CONNECT ON DATABASE scls TO scls_app;
SQL
