# Steps both installer builds share (sourced by debian/build.sh and windows/build.sh, which set
# $root, $python, $work, $started first): the version, the runtime wheels for the target
# platform from the cache (downloaded on first use), and the app's own files.

say() { echo "==> [$(($(date +%s) - started)) s] $*" >&2; }

# The version: HUHUQING_VERSION, else pyproject.toml's.
project_version() {
    echo "${HUHUQING_VERSION:-$("$python" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' "$root/pyproject.toml")}"
}

# install_wheels CACHE TARGET TAGS...: pyproject.toml's runtime dependencies, as wheels for the
# platform TAGS name (pip download/install options), into TARGET (pip --target). Wheels are kept
# in CACHE; a build that finds them all there needs no network.
install_wheels() {
    wheels="$1" target="$2"
    shift 2
    "$python" -c 'import sys, tomllib; print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]))' \
        "$root/pyproject.toml" >"$work/requirements.txt"
    mkdir -p "$wheels"
    pip="$python -m pip --disable-pip-version-check"
    if $pip download -q --no-index --find-links "$wheels" --dest "$wheels" "$@" -r "$work/requirements.txt" >/dev/null 2>&1; then
        say "wheels: all in the cache ($wheels)"
    else
        say "wheels: downloading into $wheels"
        $pip download -q --dest "$wheels" "$@" -r "$work/requirements.txt"
    fi
    say "installing the wheels into $target"
    $pip install -q --no-index --find-links "$wheels" --target "$target" --no-compile --no-warn-conflicts \
        --root-user-action=ignore "$@" -r "$work/requirements.txt"
    # Console scripts (their shebangs name this build's python) and pip (sqlite-utils' "install"
    # command needs it; the app never does) are not wanted.
    rm -rf "$target/bin" "$target"/pip "$target"/pip-*.dist-info
}

# copy_app TARGET VERSION: fieldapp/, forms/, resources/ and pyproject.toml side by side (the app
# reads its version from that file, so a HUHUQING_VERSION build writes it there).
copy_app() {
    mkdir -p "$1"
    (cd "$root" && tar --exclude=__pycache__ --exclude='*.pyc' -cf - fieldapp forms resources pyproject.toml) |
        (cd "$1" && tar -xf -)
    if [ -n "${HUHUQING_VERSION:-}" ]; then
        sed -i "0,/^version = \".*\"/s//version = \"$2\"/" "$1/pyproject.toml"
    fi
}
