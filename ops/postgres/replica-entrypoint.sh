#!/bin/sh
# The streaming replica of the scale profile. On its first start the data
# folder is empty: copy the primary with pg_basebackup -R (which writes
# primary_conninfo and standby.signal, so the server starts as a hot standby
# that follows the primary's WAL over a replication slot of its own). Later
# starts find the copy and simply resume streaming.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "replica: copying the primary ${PRIMARY_HOST} with pg_basebackup"
  mkdir -p "$PGDATA"
  chown postgres "$PGDATA"
  chmod 700 "$PGDATA"
  until pg_isready -h "$PRIMARY_HOST" -U "$POSTGRES_USER" -q; do sleep 1; done
  PGPASSWORD="$POSTGRES_PASSWORD" gosu postgres pg_basebackup \
    --host="$PRIMARY_HOST" --username="$POSTGRES_USER" --pgdata="$PGDATA" \
    --write-recovery-conf --wal-method=stream \
    --create-slot --slot="${REPLICATION_SLOT:-atlas_replica_1}" --progress
fi
exec docker-entrypoint.sh postgres -c hot_standby=on
