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

if ! command -v apt-get >/dev/null 2>&1; then
    echo "need PostgreSQL server binaries (no apt-get here: install them and set EXPOSURE_PG_BIN to their folder)" >&2
    exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "need root or sudo to install postgresql" >&2; exit 1; }
    sudo=(sudo)
fi
echo "installing postgresql (Debian package, for the MLflow-on-PostgreSQL tests) ..."
log="${TMPDIR:-/tmp}/exposure-ensure-postgres.log"
{ "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq postgresql; } \
    > "$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }
echo "installed."
