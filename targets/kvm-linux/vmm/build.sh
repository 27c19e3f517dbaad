#!/bin/sh
# Build the gicdiff VMM: static aarch64, from these sources only (targets/kvm-linux/build/vmm).
# Needs gcc-aarch64-linux-gnu and libc6-dev-arm64-cross (targets/kvm-linux/setup.sh installs them);
# on an arm64 host CROSS_COMPILE= uses the native gcc.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../build"
CC=${CROSS_COMPILE-aarch64-linux-gnu-}gcc
mkdir -p "$out"
cd "$here"
$CC -static -O2 -g0 -Wall -Wextra -Werror -pthread -ffile-prefix-map="$here"=. \
  -o "$out/vmm.tmp" channel.c group.c hostops.c klog.c main.c migrate.c vm.c
mv "$out/vmm.tmp" "$out/vmm"
echo "built $out/vmm"
