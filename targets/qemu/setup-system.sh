#!/bin/sh
# Installs what the qemu / kvm-hw targets need from Debian, idempotently (skips what is there):
#   qemu-system-arm       - qemu-system-aarch64
#   gcc-aarch64-linux-gnu - the cross compiler that builds the guest agent (build-agent.sh)
# Needs root (or sudo) when something is missing.
set -eu
missing=""
command -v qemu-system-aarch64 >/dev/null 2>&1 || missing="$missing qemu-system-arm"
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing="$missing gcc-aarch64-linux-gnu"
if [ -z "$missing" ]; then
  echo "setup-system: qemu-system-aarch64 and aarch64-linux-gnu-gcc already installed"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
echo "setup-system: installing$missing"
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
