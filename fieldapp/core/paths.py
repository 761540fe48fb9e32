"""Where the bundled data lives.

One place for the repository-relative defaults, so core modules that load resources
(region codes, form definitions) agree on them and tests can pass another directory instead.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT: Path = Path(__file__).resolve().parents[2]
RESOURCES_DIR: Path = REPO_ROOT / "resources"
FORMS_DIR: Path = REPO_ROOT / "forms"
