"""户户清 (fieldapp): offline six-clear home-visit survey for trade-union hardship casework."""

from __future__ import annotations

from pathlib import Path

DIST_NAME = "fieldapp"


def _read_version() -> str:
    """The one version source is pyproject.toml's [project] version.

    In a source checkout it is read from there directly (an editable install's metadata goes stale
    when pyproject changes until it is reinstalled); an installed copy (wheel, the Windows
    installer, the .deb) has no pyproject and reads the metadata its build wrote from it.
    """
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    if pyproject.is_file():
        import tomllib

        try:
            project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        except (OSError, ValueError):
            project = {}
        if project.get("name") == DIST_NAME and isinstance(project.get("version"), str):
            return str(project["version"])
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DIST_NAME)
    except PackageNotFoundError:
        return "0+unknown"


__version__: str = _read_version()
