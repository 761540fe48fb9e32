"""户户清 (fieldapp): offline six-clear home-visit survey for trade-union hardship casework."""

from __future__ import annotations


def _version() -> str:
    """One version source, pyproject.toml: read beside the package (a checkout; both installers ship
    it there), else from the installed distribution's metadata (a wheel install)."""
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        return str(tomllib.loads(pyproject.read_text("utf-8"))["project"]["version"])
    except (OSError, KeyError, ValueError):
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("fieldapp")
        except PackageNotFoundError:
            return "0+unknown"


__version__ = _version()
