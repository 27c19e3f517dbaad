#!/bin/sh
# Build the gicdiff guest agent (freestanding aarch64) into targets/qemu/agent/build/.
# Reproducible: fixed flags, no timestamps or build paths in the output.
# Needs the Debian package gcc-aarch64-linux-gnu (see setup-system.sh).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src="$here/agent"
out="$src/build"
CC=${CROSS_COMPILE:-aarch64-linux-gnu-}gcc
OBJCOPY=${CROSS_COMPILE:-aarch64-linux-gnu-}objcopy
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "build-agent: $CC not found; install the Debian package gcc-aarch64-linux-gnu (targets/qemu/setup-system.sh)" >&2
  exit 1
fi
mkdir -p "$out"
CFLAGS="-O2 -g0 -ffreestanding -nostdlib -nostartfiles -fno-pie -no-pie -static
  -mgeneral-regs-only -mstrict-align -mno-outline-atomics -fno-stack-protector -fno-asynchronous-unwind-tables
  -ffile-prefix-map=$here=. -Wall -Wextra -Werror -Wno-unused-parameter"
# Compile from inside the source folder with fixed object names, so that no temporary or absolute
# path ends up in the symbol table.
cd "$src"
# shellcheck disable=SC2086
$CC $CFLAGS -I. -c start.S -o build/start.o
# shellcheck disable=SC2086
$CC $CFLAGS -I. -c agent.c -o build/agent.o
# shellcheck disable=SC2086
$CC $CFLAGS -Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,-T,agent.ld \
  -o build/agent.elf.tmp build/start.o build/agent.o
mv "$out/agent.elf.tmp" "$out/agent.elf"
$OBJCOPY -O binary "$out/agent.elf" "$out/agent.bin"
echo "built $out/agent.elf"
