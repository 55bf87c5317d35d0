#!/usr/bin/env bash
# Browser for the page's end-to-end tests (tests/test_page.py) and scripts/screenshots.py: Debian's chromium, driven
# by Python playwright (the dev extra) through its executable path. Playwright's own browser download does not work
# offline, so it is never used. Also a small CJK font, so that Chinese labels render in headless screenshots.
# Idempotent: installs nothing when both are present. EXPOSURE_CHROMIUM=/path/to/chrome skips the browser install.
set -euo pipefail

want=()
browser="${EXPOSURE_CHROMIUM:-}"
if [ -n "$browser" ]; then
    [ -x "$browser" ] || { echo "EXPOSURE_CHROMIUM=$browser is not an executable" >&2; exit 1; }
elif ! command -v chromium >/dev/null 2>&1; then
    want+=(chromium)
fi
if ! { command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh family | grep -q .; }; then
    want+=(fonts-wqy-microhei)
fi
[ ${#want[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "need: ${want[*]} (no apt-get here: install Chromium yourself and set EXPOSURE_CHROMIUM to its path)" >&2
    exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "need root or sudo to install: ${want[*]}" >&2; exit 1; }
    sudo=(sudo)
fi
echo "installing ${want[*]} (Debian packages, for the browser tests) ..."
log="${TMPDIR:-/tmp}/exposure-ensure-chromium.log"
{ "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${want[@]}"; } \
    > "$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }
echo "installed."
