#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian package into a fresh Debian 12 root (debootstrap --variant=minbase), with
# apt resolving its Depends from the Debian archive, and runs the installed programs there:
# proof that the package declares everything it needs on a system that never built it.
# Needs root, debootstrap and a Debian mirror; takes several minutes (about 1 GB of packages),
# so it is not part of CTest. Usage:
#   sudo tests/package/clean_root_install.sh build/packages/cxr-studio_<version>_amd64.deb [ROOT]
set -euo pipefail
deb="$(realpath "${1:?usage: $0 PACKAGE.deb [ROOT]}")"
root="${2:-$(mktemp -d /tmp/cxr-clean-root.XXXXXX)}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
demo="$(cd "$(dirname "$0")/../.." && pwd)/resources/demo"

[ "$(id -u)" -eq 0 ] || { echo "$0: needs root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "$0: debootstrap not found (apt-get install debootstrap)" >&2; exit 2; }

cleanup() {
    umount "$root/proc" 2>/dev/null || true
    umount "$root/demo" 2>/dev/null || true
}
trap cleanup EXIT

if [ ! -x "$root/usr/bin/apt-get" ]; then
    debootstrap --variant=minbase bookworm "$root" "$mirror"
fi
mount -t proc proc "$root/proc"
mkdir -p "$root/demo"
mount --bind "$demo" "$root/demo"
cp "$deb" "$root/tmp/"
chroot "$root" apt-get update -q
# apt installs the local package and pulls its Depends (and nothing recommended).
chroot "$root" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")"
chroot "$root" /usr/bin/cxr --version
chroot "$root" /usr/bin/cxr scan /demo
chroot "$root" env QT_QPA_PLATFORM=offscreen HOME=/tmp /usr/bin/cxr-studio --self-check /demo
chroot "$root" dpkg -L cxr-studio | while read -r path; do
    [ -e "$root$path" ] || { echo "$0: $path is declared but not installed" >&2; exit 1; }
done
echo "clean root install: the package installed and ran in $root"
