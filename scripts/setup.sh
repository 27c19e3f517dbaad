#!/usr/bin/env bash
# Sets up a fresh machine for gicdiff: the Debian packages the project uses, the npm packages,
# the QEMU guest agent, and the nested machine of the kvm-linux target (Debian's arm64 kernels,
# our VMM, an initramfs). Idempotent: what is already there is skipped.
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

# kvm-linux: skipped with a message where it cannot work (not Debian, no root); a failure is
# reported but does not stop the rest of the project from being usable
if [ -f targets/kvm-linux/setup.sh ]; then
  if ! bash targets/kvm-linux/setup.sh; then
    echo "setup: the kvm-linux target could not be set up (see above); everything else is ready" >&2
  fi
fi
echo "setup: done"
