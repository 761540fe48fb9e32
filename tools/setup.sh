#!/bin/sh
# Install everything 户户清 needs on a fresh Debian machine (as root), then run the app or the tests.
#   sh tools/setup.sh run    install, then launch the application
#   sh tools/setup.sh test   install, then run the whole test suite (what CI runs)
# System packages: Qt's runtime libraries, Xvfb, poppler-utils and openssl (ledger signature
# checks), LibreOffice Calc (headless: a test prints the Excel export and template to PDF, as an
# office would), and what the installer smoke tests build and install with (NSIS, Wine 8, dpkg-deb,
# xdotool to type into the installed GUI: packaging/README.md). No CJK font is installed on purpose: the app ships and registers its own
# (resources/fonts), so Chinese renders the same everywhere.
set -eu
cd "$(dirname "$0")/.."
mode="${1:-test}"

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends \
        python3 python3-venv python3-pip ca-certificates \
        xvfb xauth poppler-utils openssl libreoffice-calc-nogui sqlite3 \
        libegl1 libgl1 libopengl0 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 \
        libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 \
        libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 \
        libxcb-image0 libxcb-xkb1 libxrender1 libxi6 \
        nsis wine64 wine xdotool dpkg-dev fakeroot >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

case "$mode" in
    run)
        shift || true
        exec .venv/bin/fieldapp "$@"
        ;;
    test)
        shift || true
        exec .venv/bin/python -m pytest -q "$@"
        ;;
    *)
        echo "usage: sh tools/setup.sh run|test" >&2
        exit 2
        ;;
esac
