// The kernels targets/kvm-linux/setup.sh prepared (build/kernels/<name>/: Image, initramfs.cpio,
// version = release, then "package version").
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const BUILD_DIR = fileURLToPath(new URL('./build/', import.meta.url));
export const VMM_BINARY = path.join(BUILD_DIR, 'vmm');

export interface KernelBuild {
  /** "6.12", "6.1" */
  name: string;
  image: string;
  initramfs: string;
  /** uname -r of the kernel, e.g. 6.12.118+deb12-arm64 */
  release: string;
  /** the Debian package and version it came from */
  package: string;
}

/** The prepared kernel, or a message saying what is missing and how to get it. */
export function findKernel(name: string): KernelBuild | string {
  const dir = path.join(BUILD_DIR, 'kernels', name);
  const image = path.join(dir, 'Image');
  const initramfs = path.join(dir, 'initramfs.cpio');
  const version = path.join(dir, 'version');
  if (!existsSync(image) || !existsSync(version)) {
    return `the Debian arm64 kernel ${name} is not set up (${dir}): run bash scripts/setup.sh (Debian with the arm64 architecture; downloads linux-image-*-arm64)`;
  }
  if (!existsSync(initramfs)) return `the initramfs for kernel ${name} is not built: run bash targets/kvm-linux/setup.sh`;
  const [release = '?', pkg = '?'] = readFileSync(version, 'utf8').split('\n');
  return { name, image, initramfs, release, package: pkg };
}
