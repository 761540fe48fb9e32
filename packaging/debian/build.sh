#!/bin/sh
# Build the Debian package: dist/huhuqing_<version>_amd64.deb (see packaging/README.md).
#   sh packaging/debian/build.sh
# For Debian 12 and systems built on it: the app and its own Python environment (a venv on
# Debian's python3.11 with the dependencies' wheels, Qt trimmed) in /opt/huhuqing, `huhuqing` on
# PATH, a desktop entry, icons and MIME types for .hhq/.hhqe. The shared libraries the bundled
# binaries need become the package's Depends, so `apt install ./huhuqing_*.deb` pulls them in.
# Needs: /usr/bin/python3.11 with venv and pip (python3-venv, python3-pip), dpkg-deb, PyPI.
set -eu
cd "$(dirname "$0")/../.."
started=$(date +%s)
PY=/usr/bin/python3.11 # the interpreter the package runs on (Debian 12's python3.11)
CACHE=${HUHUQING_PACKAGING_CACHE:-$HOME/.cache/huhuqing-packaging}
BUILD=build/debian
ROOT=$BUILD/root
PREFIX=/opt/huhuqing
SITE=$ROOT$PREFIX/lib/python3.11/site-packages

[ -x "$PY" ] || { echo "$PY not found: this builds on Debian 12 (apt-get install python3.11)" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "dpkg-deb not found" >&2; exit 1; }
VERSION=$($PY packaging/build_support.py version)
# PEP 440 pre-releases sort before the release in Debian with "~": 1.2.0rc1 -> 1.2.0~rc1
DEBVERSION=$(echo "$VERSION" | sed -E 's/[.]?(a|b|rc|dev)([0-9]*)$/~\1\2/')
OUT=dist/huhuqing_${DEBVERSION}_amd64.deb
echo "== 户户清 $VERSION for Debian -> $OUT"

rm -rf "$BUILD"
mkdir -p "$BUILD" "$CACHE" dist
$PY packaging/build_support.py requirements "$BUILD/requirements.txt"

echo "== Python environment in $PREFIX (cache: $CACHE)"
$PY -m venv --without-pip "$ROOT$PREFIX"
# venv records the command that made it; say where it lives once installed instead
sed -i "s|^command = .*|command = $PY -m venv $PREFIX|" "$ROOT$PREFIX/pyvenv.cfg"
$PY -m pip install --quiet --disable-pip-version-check --no-compile --no-warn-script-location \
    --only-binary=:all: --cache-dir "$CACHE/pip" --target "$SITE" -r "$BUILD/requirements.txt"
# console scripts written for the build machine's paths, and pip (sqlite-utils requires it for
# its own "install" command, which the app never runs)
rm -rf "$SITE/bin" "$SITE/pip" "$SITE"/pip-*.dist-info
$PY packaging/build_support.py trim-qt "$SITE" --platform linux
$PY packaging/build_support.py stage-app "$ROOT$PREFIX/app"
echo "$PREFIX/app" > "$SITE/huhuqing-app.pth"

echo "== checking the environment"
QT_QPA_PLATFORM=offscreen PYTHONPATH="$ROOT$PREFIX/app" "$ROOT$PREFIX/bin/python3" -I -c '
import sys
sys.path.insert(0, sys.argv[1])
from PySide6 import QtCore, QtGui, QtWidgets, QtPrintSupport, QtPdf, QtPdfWidgets, QtCharts, QtSvg
app = QtWidgets.QApplication([])
import fieldapp.cli.main, fieldapp.ui.main_window, fieldapp.ui.dashboard, fieldapp.ui.ledger_view
print("imports ok: Qt", QtCore.qVersion(), "fieldapp", fieldapp.__version__)
' "$ROOT$PREFIX/app"
$PY -m compileall -q -j 2 -s "$ROOT" -p / "$ROOT$PREFIX" >"$BUILD/compileall.log" 2>&1 || {
    echo "compileall reported problems (see $BUILD/compileall.log):" >&2
    grep -E "^\*\*\*|Error" "$BUILD/compileall.log" | head -5 >&2
}

echo "== desktop integration"
install -D -m 755 packaging/debian/huhuqing "$ROOT/usr/bin/huhuqing"
ln -s huhuqing "$ROOT/usr/bin/fieldapp"
install -D -m 644 packaging/debian/huhuqing.desktop "$ROOT/usr/share/applications/huhuqing.desktop"
install -D -m 644 packaging/debian/huhuqing-mime.xml "$ROOT/usr/share/mime/packages/huhuqing.xml"
for px in 16 24 32 48 64 128 256; do
    install -D -m 644 "resources/icons/huhuqing-$px.png" \
        "$ROOT/usr/share/icons/hicolor/${px}x${px}/apps/huhuqing.png"
done
install -D -m 644 packaging/debian/copyright "$ROOT/usr/share/doc/huhuqing/copyright"

echo "== package metadata"
# every shared library a bundled binary needs from the system -> the Debian package that has it
libs=$($PY packaging/build_support.py external-libs "$ROOT$PREFIX")
depends="python3.11"
missing=""
for lib in $libs; do
    path=$(/sbin/ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ { print $NF; exit }')
    if [ -z "$path" ]; then
        missing="$missing $lib"
        continue
    fi
    real=$(readlink -f "$path")
    pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$real" 2>/dev/null || dpkg -S "/usr$real" 2>/dev/null || true)
    pkg=$(echo "$pkg" | head -n1 | cut -d: -f1)
    [ -n "$pkg" ] || { missing="$missing $lib"; continue; }
    depends="$depends
$pkg"
done
if [ -n "$missing" ]; then
    echo "no installed package provides:$missing (install it here, and add it to tools/setup.sh)" >&2
    exit 1
fi
depends=$(echo "$depends" | sort -u | paste -sd, - | sed 's/,/, /g')
installed_size=$(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
mkdir -p "$ROOT/DEBIAN"
sed -e "s/@VERSION@/$DEBVERSION/" -e "s/@INSTALLED_SIZE@/$installed_size/" \
    -e "s/@DEPENDS@/$depends/" packaging/debian/control.in > "$ROOT/DEBIAN/control"
install -m 755 packaging/debian/postrm "$ROOT/DEBIAN/postrm"
echo "Depends: $depends"

echo "== dpkg-deb"
dpkg-deb --root-owner-group -Zxz -b "$ROOT" "$OUT" >/dev/null
size=$(du -m "$OUT" | cut -f1)
echo "== built $OUT: ${size} MB (installs $((installed_size / 1024)) MB) in $(( $(date +%s) - started )) s"
# CPU time of everything the build ran (user, system), the figure to compare across machines
times > "$BUILD/times.txt"
echo "== CPU time of the build's commands (user system): $(tail -n 1 "$BUILD/times.txt")"
