#!/bin/sh
# Installs the headless Chromium the HTML report's browser test drives (test/reports/browser.test.ts,
# through playwright-core with executablePath /usr/bin/chromium). Idempotent: does nothing when
# Chromium is already there. Debian/Ubuntu (apt-get); needs root or sudo.
set -eu
if [ -x /usr/bin/chromium ]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-browser: apt-get not found; install Chromium so that /usr/bin/chromium exists" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup-browser: run as root (or install sudo) to apt-get install chromium" >&2
    exit 1
  fi
fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium
echo "chromium installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
