"""Where the bundled data lives.

One place for the repository-relative defaults, so core modules that load resources
(region codes, form definitions) agree on them and tests can pass another directory instead.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT: Path = Path(__file__).resolve().parents[2]
RESOURCES_DIR: Path = REPO_ROOT / "resources"
FORMS_DIR: Path = REPO_ROOT / "forms"


def cache_dir() -> Path:
    """Where derived data that can always be recomputed is kept between runs: $FIELDAPP_CACHE_DIR,
    else the user's cache directory (never the data directory: deleting it loses nothing)."""
    import os

    env = os.environ.get("FIELDAPP_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("fieldapp", appauthor=False))
