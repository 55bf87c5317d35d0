#!/usr/bin/env bash
# PostgreSQL server binaries for tests/test_mlflow_postgres.py (an MLflow tracking server on PostgreSQL; set-up in
# docs/mlflow-postgres.md): Debian's postgresql package. The tests start their own throwaway cluster (initdb in a
# temporary folder, a free port on 127.0.0.1) and never use the package's default cluster.
# Idempotent: installs nothing when initdb and pg_ctl are present. EXPOSURE_PG_BIN=/path/to/bin skips the install.
set -euo pipefail

if [ -n "${EXPOSURE_PG_BIN:-}" ]; then
    [ -x "$EXPOSURE_PG_BIN/initdb" ] || { echo "EXPOSURE_PG_BIN=$EXPOSURE_PG_BIN has no initdb" >&2; exit 1; }
    exit 0
fi
for bin in /usr/lib/postgresql/*/bin; do
    [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ] && exit 0
done

exec "$(dirname "$0")/apt-install.sh" "for the MLflow-on-PostgreSQL tests" \
    "install the PostgreSQL server binaries and set EXPOSURE_PG_BIN to their folder" postgresql
