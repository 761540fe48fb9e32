"""Build the compact GB/T 2260 region resources from the open GB2260 revision tables.

Why: the application runs offline and only needs two things from the ~100 revision tables:
the newest code list (for the province/city/county picker and for naming places) and the set
of every code that was ever valid (a 居民身份证号 keeps the region code it was issued under,
even after that code was abolished). Shipping just those keeps the resources small and the
lookup trivial.

Output, in ``resources/regions/`` (deterministic: re-running on the same input gives the
same bytes, so the committed files can be checked against a rebuild):

- ``gb2260-current.tsv``: ``code<TAB>name`` for the newest MCA revision, sorted by code.
  The rows are copied as published: nothing is synthesized. Some revisions (including the
  newest) omit the ``XX0100 市辖区`` / ``XX0200 县`` / ``XX9000 省直辖县级行政区划`` rows;
  the counties under such a missing prefecture simply hang directly under their province
  (``fieldapp.core.values.regions`` does that at load time).
- ``gb2260-historic.txt``: sorted unique codes found in any revision, MCA and NBS ("stats")
  alike, one per line.
- ``README.md``: provenance and how to rebuild.

Usage: ``python tools/build_regions.py [SOURCE_DIR] [--out OUT_DIR]``; SOURCE_DIR defaults to
``../shared/data/gb2260`` relative to the repository root.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "data" / "gb2260"
DEFAULT_OUT = REPO_ROOT / "resources" / "regions"

HEADER = ["Source", "Revision", "Code", "Name"]
CODE_RE = re.compile(r"[0-9]{6}")
SOURCE_LINE = (
    "Public code tables of the national standard, as collected by the open GB2260 data "
    "project (sources: the National Bureau of Statistics and the Ministry of Civil Affairs "
    "releases)"
)


@dataclass(frozen=True)
class Revision:
    """One revision table: where it came from and its (code, name) rows in file order."""

    source: str
    revision: str
    path: Path
    rows: tuple[tuple[str, str], ...]


def read_revision(path: Path) -> Revision:
    """Read and sanity-check one ``Source Revision Code Name`` table."""
    source = path.parent.name
    revision = path.stem
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    if not lines or lines[0].split("\t") != HEADER:
        raise ValueError(f"{path}: expected header {HEADER}")
    rows: list[tuple[str, str]] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            raise ValueError(f"{path}:{number}: expected 4 tab-separated fields")
        row_source, row_revision, code, name = (field.strip() for field in fields)
        if (row_source, row_revision) != (source, revision):
            raise ValueError(f"{path}:{number}: row says {row_source} {row_revision}")
        if not CODE_RE.fullmatch(code) or not name:
            raise ValueError(f"{path}:{number}: bad row {line!r}")
        rows.append((code, name))
    return Revision(source, revision, path, tuple(rows))


def read_all(source_dir: Path) -> list[Revision]:
    """Every revision table under ``mca/`` and ``stats/``."""
    revisions = [
        read_revision(path)
        for sub in ("mca", "stats")
        for path in sorted((source_dir / sub).glob("*.tsv"))
    ]
    if not any(r.source == "mca" for r in revisions):
        raise ValueError(f"{source_dir}: no mca/*.tsv revision tables found")
    return revisions


def current_rows(revision: Revision) -> list[tuple[str, str]]:
    """The newest table sorted by code; refuses duplicates and divisions without a province."""
    by_code: dict[str, str] = {}
    for code, name in revision.rows:
        if code in by_code:
            raise ValueError(f"{revision.path}: duplicate code {code}")
        by_code[code] = name
    for code in by_code:
        if code[2:] != "0000" and code[:2] + "0000" not in by_code:
            raise ValueError(f"{revision.path}: {code} has no province row")
    return sorted(by_code.items())


def source_url(source_dir: Path, revision: Revision) -> str | None:
    """The publication URL of a revision, from ``sources.tsv`` if the data set has one."""
    sources = source_dir / "sources.tsv"
    if not sources.is_file():
        return None
    for line in sources.read_text(encoding="utf-8-sig").splitlines()[1:]:
        fields = line.split("\t")
        if len(fields) >= 3 and (fields[0], fields[1]) == (revision.source, revision.revision):
            return fields[2].strip() or None
    return None


def readme_text(
    newest: Revision,
    current: list[tuple[str, str]],
    historic: list[str],
    revision_count: int,
    url: str | None,
) -> str:
    """The provenance note written next to the generated files."""
    codes = {code for code, _name in current}
    provinces = sum(1 for code in codes if code[2:] == "0000")
    cities = sum(1 for code in codes if code[2:] != "0000" and code[4:] == "00")
    counties = len(codes) - provinces - cities
    missing = sorted({code[:4] + "00" for code in codes if code[4:] != "00"} - codes)
    published = f", published at <{url}>" if url else ""
    if missing:
        orphans = (
            f"This revision has no prefecture row for {', '.join(missing)}\n"
            "(the `市辖区` / `县` / `省直辖县级行政区划` groupings); the application hangs the\n"
            "counties below them directly under their province (see `fieldapp/core/values/regions.py`)."
        )
    else:
        orphans = "Every county-level code has its prefecture row."
    return f"""# GB/T 2260 region codes (县及县以上行政区划代码)

{SOURCE_LINE}.

Generated by `tools/build_regions.py`; do not edit by hand.

## `gb2260-current.tsv`

Revision {newest.source} {newest.revision}{published}.
`code<TAB>name`, UTF-8, sorted by code, rows copied as published: {len(codes)} codes
({provinces} provinces, {cities} prefecture-level, {counties} county-level).

{orphans}

## `gb2260-historic.txt`

Every code that appears in any of the {revision_count} revisions (MCA and NBS), sorted, one
per line: {len(historic)} codes. Used to check the region prefix of ID numbers issued under
codes that were abolished later. The NBS tables also carry statistical-only codes
(`XXXX01 市辖区`, `XXXX7X` development zones); they are kept, since a code here only decides
between "known" and "warn the user".

## Rebuild

    python tools/build_regions.py [path/to/gb2260] [--out resources/regions]

The source directory defaults to `../shared/data/gb2260` relative to the repository root
(`mca/*.tsv` and `stats/*.tsv`, columns Source, Revision, Code, Name).
"""


def build(source_dir: Path, out_dir: Path) -> dict[str, int]:
    """Write the three resource files; return the counts for the log line."""
    revisions = read_all(source_dir)
    newest = max((r for r in revisions if r.source == "mca"), key=lambda r: r.revision)
    current = current_rows(newest)
    historic = sorted({code for revision in revisions for code, _name in revision.rows})

    out_dir.mkdir(parents=True, exist_ok=True)
    current_text = "".join(f"{code}\t{name}\n" for code, name in current)
    (out_dir / "gb2260-current.tsv").write_text(current_text, encoding="utf-8", newline="\n")
    historic_text = "".join(f"{code}\n" for code in historic)
    (out_dir / "gb2260-historic.txt").write_text(historic_text, encoding="utf-8", newline="\n")
    url = source_url(source_dir, newest)
    readme = readme_text(newest, current, historic, len(revisions), url)
    (out_dir / "README.md").write_text(readme, encoding="utf-8", newline="\n")
    return {"revisions": len(revisions), "current": len(current), "historic": len(historic)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    try:
        counts = build(args.source, args.out)
    except (OSError, ValueError) as exc:
        print(f"build_regions: {exc}", file=sys.stderr)
        return 1
    print(
        f"build_regions: {counts['revisions']} revisions read, {counts['current']} current "
        f"codes, {counts['historic']} historic codes -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
