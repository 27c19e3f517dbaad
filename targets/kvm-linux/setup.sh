#!/usr/bin/env bash
# Sets up the `kvm-linux` target: Debian's arm64 kernels (6.12 by default, 6.1 as a second one),
# our VMM (targets/kvm-linux/vmm, static aarch64) and an initramfs per kernel whose init is the VMM,
# all under targets/kvm-linux/build/. Idempotent: a kernel already extracted and an initramfs
# whose inputs have not changed are kept (a second run does nothing).
#
# Needs Debian (apt-get, dpkg) and root or sudo; anywhere else it says why and leaves the target
# unavailable without failing the setup (exit 0). A failed step on Debian is an error (exit 1).
#   libc6-dev-arm64-cross - aarch64-linux-gnu-gcc -static for the VMM
#   cpio                  - the initramfs
#   linux-image-*-arm64   - downloaded with apt-get download (not installed), arm64 architecture
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build="$here/build"
cache="${GICDIFF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gicdiff}/debs"
log() { echo "kvm-linux setup: $*"; }

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg >/dev/null 2>&1; then
  log "skipped: not a Debian machine (apt-get/dpkg missing); the kvm-linux target stays unavailable"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  log "skipped: needs root or sudo to add the arm64 architecture; the kvm-linux target stays unavailable"
  exit 0
fi

updated=0
apt_update() {
  if [ "$updated" -eq 0 ]; then
    $sudo apt-get update -qq
    updated=1
  fi
}

# ---- packages for the VMM and the initramfs ----
need=()
[ -f /usr/aarch64-linux-gnu/lib/libc.a ] || need+=(libc6-dev-arm64-cross)
command -v cpio >/dev/null 2>&1 || need+=(cpio)
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || need+=(gcc-aarch64-linux-gnu)
if [ ${#need[@]} -gt 0 ]; then
  log "installing Debian packages: ${need[*]}"
  apt_update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# ---- the VMM (static), rebuilt when a source is newer ----
if [ ! -x "$build/vmm" ] || [ -n "$(find "$here/vmm" "$here/../qemu/agent/protocol.h" -newer "$build/vmm" -type f 2>/dev/null)" ]; then
  bash "$here/vmm/build.sh"
fi

# ---- kernels ----
# The image package a meta-package depends on (its name moves with Debian's updates), else the
# newest image package matching a pattern.
resolve_image() {
  local meta=$1 pattern=$2 pkg
  pkg=$(apt-cache depends "$meta:arm64" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^:]*\).*/\1/p' | head -n1 || true)
  if [ -z "$pkg" ]; then
    pkg=$(apt-cache search --names-only "$pattern" 2>/dev/null | awk '{print $1}' | grep -v -- '-dbg$' | grep -v -- '-unsigned$' | sort -V | tail -n1 || true)
  fi
  echo "$pkg"
}

# fetch_kernel NAME META PATTERN: build/kernels/NAME/{Image,config,version,modules/}
fetch_kernel() {
  local name=$1 meta=$2 pattern=$3 dir="$build/kernels/$1"
  if [ -f "$dir/Image" ] && [ -f "$dir/version" ]; then
    log "kernel $name: $(head -n1 "$dir/version") (cached)"
    return 0
  fi
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    log "adding the arm64 architecture to dpkg"
    $sudo dpkg --add-architecture arm64
    updated=0
  fi
  apt_update
  local pkg
  pkg=$(resolve_image "$meta" "$pattern")
  if [ -z "$pkg" ]; then
    log "kernel $name: no package found for $meta or $pattern"
    return 1
  fi
  mkdir -p "$cache"
  local deb
  deb=$(ls "$cache/${pkg}_"*_arm64.deb 2>/dev/null | head -n1 || true)
  if [ -z "$deb" ]; then
    log "kernel $name: downloading $pkg:arm64"
    (cd "$cache" && apt-get download -q "$pkg:arm64" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
    deb=$(ls "$cache/${pkg}_"*_arm64.deb 2>/dev/null | head -n1 || true)
    [ -n "$deb" ] || { log "kernel $name: apt-get download $pkg:arm64 failed"; return 1; }
  fi
  local tmp
  tmp=$(mktemp -d)
  dpkg-deb -x "$deb" "$tmp"
  local image release
  image=$(ls "$tmp"/boot/vmlinuz-* | head -n1)
  release=${image##*/vmlinuz-}
  mkdir -p "$dir.tmp"
  cp "$image" "$dir.tmp/Image"
  cp "$tmp/boot/config-$release" "$dir.tmp/config"
  # the modules the channel needs where this kernel does not build them in, dependencies first
  # (the package has no modules.dep: each module's .modinfo "depends=" names them)
  : > "$dir.tmp/modules.list"
  local mods="$tmp/lib/modules/$release"
  add_module() {
    local f rel deps d
    f=$(find "$mods/kernel" -name "$1.ko" -o -name "$1.ko.xz" -o -name "$1.ko.zst" | head -n1)
    [ -n "$f" ] || return 0 # built in
    rel=${f#"$mods"/}
    grep -qx "$rel" "$dir.tmp/modules.list" && return 0
    case "$f" in
      *.xz) deps=$(xz -dc "$f" | tr '\0' '\n' | sed -n 's/^depends=//p') ;;
      *.zst) deps=$(zstd -dc "$f" | tr '\0' '\n' | sed -n 's/^depends=//p') ;;
      *) deps=$(tr '\0' '\n' < "$f" | sed -n 's/^depends=//p') ;;
    esac
    for d in ${deps//,/ }; do add_module "$d"; done
    echo "$rel" >> "$dir.tmp/modules.list"
  }
  add_module virtio_pci
  add_module virtio_console
  mkdir -p "$dir.tmp/modules"
  while read -r m; do
    [ -n "$m" ] || continue
    mkdir -p "$dir.tmp/modules/$(dirname "$m")"
    cp "$mods/$m" "$dir.tmp/modules/$m"
  done < "$dir.tmp/modules.list"
  printf '%s\n%s\n' "$release" "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)" > "$dir.tmp/version"
  rm -rf "$tmp" "$dir"
  mv "$dir.tmp" "$dir"
  log "kernel $name: $release ($(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version))"
}

# build_initramfs NAME: build/kernels/NAME/initramfs.cpio, init = the VMM, the agent, modules
build_initramfs() {
  local dir="$build/kernels/$1" agent="$here/../qemu/agent/build/agent.elf"
  [ -f "$agent" ] || bash "$here/../qemu/build-agent.sh" >/dev/null
  local stamp
  stamp=$(cat "$build/vmm" "$agent" "$dir/modules.list" | sha256sum | cut -d' ' -f1)
  if [ -f "$dir/initramfs.cpio" ] && [ "$(cat "$dir/initramfs.stamp" 2>/dev/null)" = "$stamp" ]; then
    return 0
  fi
  local root
  root=$(mktemp -d)
  cp "$build/vmm" "$root/init"
  cp "$agent" "$root/agent.elf"
  : > "$root/modules.load"
  while read -r m; do
    [ -n "$m" ] || continue
    mkdir -p "$root/modules/$(dirname "$m")"
    cp "$dir/modules/$m" "$root/modules/$m"
    echo "/modules/$m" >> "$root/modules.load"
  done < "$dir/modules.list"
  (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet > "$dir/initramfs.cpio.tmp")
  mv "$dir/initramfs.cpio.tmp" "$dir/initramfs.cpio"
  echo "$stamp" > "$dir/initramfs.stamp"
  rm -rf "$root"
  log "kernel $1: initramfs built"
}

status=0
# 6.12 (the default kernel), then 6.1 (Debian 12's own) as the second one
if fetch_kernel 6.12 linux-image-6.12-arm64 '^linux-image-6\.12\.[0-9.]+\+deb[0-9]+-arm64$'; then
  build_initramfs 6.12
else
  status=1
fi
if fetch_kernel 6.1 linux-image-arm64 '^linux-image-6\.1\.0-[0-9]+-arm64$'; then
  build_initramfs 6.1
else
  log "kernel 6.1 unavailable (the comparison kernel only)"
fi
exit $status
