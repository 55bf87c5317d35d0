#!/usr/bin/env bash
# Install Debian packages for the test suite: scripts/apt-install.sh PURPOSE HINT PACKAGE...
# PURPOSE says what they are for; HINT tells a machine without apt-get what to do instead. Uses sudo when not root;
# apt's output goes to a log whose tail is shown on failure. Shared by ensure-chromium.sh and ensure-postgres.sh.
set -euo pipefail

purpose="$1"; hint="$2"; shift 2
if ! command -v apt-get >/dev/null 2>&1; then
    echo "need: $* (no apt-get here: $hint)" >&2
    exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "need root or sudo to install: $*" >&2; exit 1; }
    sudo=(sudo)
fi
echo "installing $* (Debian packages, $purpose) ..."
log="${TMPDIR:-/tmp}/exposure-apt-install.log"
{ "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@"; } \
    > "$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }
echo "installed."
