#!/usr/bin/env bash
# Runs once, when the Postgres service initialises its volume (docker-entrypoint-initdb.d): the database the
# pipeline publishes to (OUTCOMES_PUBLISH_URL), the read-only role publish grants SELECT to, and the login
# the BI service uses. Publish creates schema `analytics` in it and swaps it in atomically at each run.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v bi_password="${OUTCOMES_BI_PASSWORD:-metabase}" <<'SQL'
CREATE DATABASE analytics;
CREATE ROLE analytics_reader NOLOGIN;
CREATE ROLE metabase LOGIN PASSWORD :'bi_password' IN ROLE analytics_reader;
REVOKE ALL ON DATABASE analytics FROM PUBLIC;
GRANT CONNECT ON DATABASE analytics TO analytics_reader;
SQL
