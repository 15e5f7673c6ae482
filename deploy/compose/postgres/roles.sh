#!/bin/sh
# First start of the engine's Postgres: the database `scls`, owned by `scls_owner` (who
# runs `scls db migrate`), and the application role `scls_app` the worker and console
# use once issue [10]'s migrations grant it its rights (until then they use the owner:
# SCLS_DB_APP_USER in .env).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE scls_owner LOGIN PASSWORD '$SCLS_POSTGRES_OWNER_PASSWORD';
CREATE ROLE scls_app LOGIN PASSWORD '$SCLS_POSTGRES_APP_PASSWORD';
CREATE DATABASE scls OWNER scls_owner;
REVOKE ALL ON DATABASE scls FROM PUBLIC;
GRANT CONNECT ON DATABASE scls TO scls_app;
SQL
