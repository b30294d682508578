#!/bin/sh
# Runs once, when the primary's data folder is first created (the postgres
# image runs /docker-entrypoint-initdb.d/*.sh): lets the streaming replica of
# the scale profile (docker compose --profile scale) connect for replication as
# the database owner, with its password, from the compose network only.
set -eu
echo "host replication ${POSTGRES_USER} samenet scram-sha-256" >> "$PGDATA/pg_hba.conf"
