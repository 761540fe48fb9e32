#!/bin/sh
# Build huhuqing_<version>_amd64.deb for Debian 12 (and UOS/Kylin releases with Python 3.11):
#   sh packaging/debian/build.sh [OUTDIR]      (default dist/; prints the .deb's path last)
# No root needed (dpkg-deb --root-owner-group). Needs python3 (>= 3.11) with pip, dpkg-deb and
# readelf (binutils). The runtime wheels (pyproject.toml [project].dependencies, built for CPython
# 3.11 on x86_64 Linux) are downloaded once into $HUHUQING_PACKAGING_CACHE/linux (default
# ~/.cache/huhuqing-packaging/linux); later builds take them from there without the network.
# HUHUQING_VERSION=X overrides the version (pyproject.toml's), e.g. to test an upgrade.
#
# Installed: /opt/huhuqing/app (fieldapp/, forms/, resources/, pyproject.toml), /opt/huhuqing/lib
# (the wheels, PySide6 trimmed by trim_pyside6.py), /usr/bin/huhuqing (run by /usr/bin/python3),
# the menu entry, icon and the .hhq/.hhqe file types. Users' data stays in their homes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="${1:-$root/dist}"
mkdir -p "$out"
out=$(cd "$out" && pwd)
python="${PYTHON:-python3}"
cache="${HUHUQING_PACKAGING_CACHE:-$HOME/.cache/huhuqing-packaging}/linux"
wheels="$cache/wheels"
target_python=3.11  # Debian 12's python3; the wheels with C code are built for it
started=$(date +%s)
. "$here/../common.sh"

version=$(project_version)
work=$(mktemp -d "${TMPDIR:-/tmp}/huhuqing-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage="$work/huhuqing"
app="$stage/opt/huhuqing/app"
lib="$stage/opt/huhuqing/lib"

# Wheels for CPython 3.11 on any manylinux glibc up to Debian 12's 2.36 (pip needs each tag named).
tags="--only-binary=:all: --implementation cp --python-version $target_python --abi cp311"
for glibc in $(seq 36 -1 17); do tags="$tags --platform manylinux_2_${glibc}_x86_64"; done
tags="$tags --platform manylinux2014_x86_64 --platform manylinux2010_x86_64 --platform manylinux1_x86_64"
# shellcheck disable=SC2086
install_wheels "$wheels" "$lib" $tags

say "copying the app"
copy_app "$app" "$version"

say "trimming PySide6"
"$python" "$here/../trim_pyside6.py" linux "$lib" "$app/fieldapp"

say "launcher, menu entry, icon, file types"
install -D -m 755 "$here/huhuqing" "$stage/usr/bin/huhuqing"
install -D -m 644 "$here/huhuqing.desktop" "$stage/usr/share/applications/huhuqing.desktop"
install -D -m 644 "$here/huhuqing-mime.xml" "$stage/usr/share/mime/packages/huhuqing.xml"
install -D -m 644 "$here/huhuqing.svg" "$stage/usr/share/icons/hicolor/scalable/apps/huhuqing.svg"
install -D -m 644 "$here/huhuqing.png" "$stage/usr/share/icons/hicolor/256x256/apps/huhuqing.png"
install -D -m 644 "$root/resources/fonts/wqy-microhei.LICENSE.txt" \
    "$stage/usr/share/doc/huhuqing/wqy-microhei.LICENSE.txt"
install -D -m 755 "$here/postinst" "$stage/DEBIAN/postinst"
install -D -m 755 "$here/prerm" "$stage/DEBIAN/prerm"
chmod -R u+rwX,go+rX,go-w "$stage"

installed_kb=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$installed_kb/" "$here/control.in" \
    >"$stage/DEBIAN/control"

deb="$out/huhuqing_${version}_amd64.deb"
say "packing $deb (installed size $((installed_kb / 1024)) MB)"
rm -f "$deb"
dpkg-deb --root-owner-group -Zxz -z1 -b "$stage" "$deb" >&2
say "done: $(du -m "$deb" | cut -f1) MB"
echo "$deb"
