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

exec "$(dirname "$0")/apt-install.sh" "for the browser tests" \
    "install Chromium yourself and set EXPOSURE_CHROMIUM to its path" "${want[@]}"
