#!/usr/bin/env bash
# Sets up a fresh machine for gicdiff: the Debian packages the project uses, the npm packages,
# and the QEMU guest agent. Idempotent: what is already there is skipped.
#   chromium              - the browser test of the HTML report (test/reports)
#   qemu-system-arm       - qemu-system-aarch64, the `qemu` target
#   gcc-aarch64-linux-gnu - builds the bare-metal guest agent of the `qemu` target
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v qemu-system-aarch64 >/dev/null 2>&1 || missing+=(qemu-system-arm)
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing+=(gcc-aarch64-linux-gnu)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

npm ci --no-audit --no-fund

if [ -f targets/qemu/build-agent.sh ]; then
  bash targets/qemu/build-agent.sh
fi
echo "setup: done"
