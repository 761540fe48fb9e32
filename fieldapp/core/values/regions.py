"""GB/T 2260 administrative division codes: lookup, cascade and historic validity.

Why: survey forms record where a household lives as province / city / county codes, chosen in a
cascading picker, and ID numbers carry the code of the place that issued them, which may have
been abolished since. Both needs are served offline from the compact tables that
``tools/build_regions.py`` writes to ``resources/regions/`` (see the README there).

Cascade choice: nothing is synthesized. The newest table omits the ``XX0100 市辖区`` /
``XX0200 县`` / ``XX9000 省直辖县级行政区划`` grouping rows, so a county whose prefecture row is
missing hangs directly under its province. ``cities("110000")`` (北京市) therefore returns the
16 districts themselves, and ``counties()`` of such a district returns an empty list: a picker
shows the district in its second box and leaves the third empty. Likewise 湖北省's cities include
仙桃市 and the other directly administered county-level units. ``Region.level`` still tells what
a code *is* (by its digits), independently of where it sits in the cascade.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from fieldapp.core.paths import RESOURCES_DIR

RegionLevel = Literal["province", "city", "county"]

CURRENT_FILE = Path("regions") / "gb2260-current.tsv"
HISTORIC_FILE = Path("regions") / "gb2260-historic.txt"


def _is_code(code: str) -> bool:
    return len(code) == 6 and code.isascii() and code.isdigit()


@dataclass(frozen=True)
class Region:
    """One division of the code table, e.g. ``Region("530102", "五华区")``."""

    code: str
    name: str

    @property
    def level(self) -> RegionLevel:
        """Level implied by the code: ``XX0000`` province, ``XXXX00`` city, else county."""
        if self.code[2:] == "0000":
            return "province"
        if self.code[4:] == "00":
            return "city"
        return "county"


class RegionTable:
    """The current code table as a province → city → county tree, plus the historic code set."""

    def __init__(self, regions: Iterable[Region], historic: Iterable[str] = ()) -> None:
        self._by_code: dict[str, Region] = {}
        for region in regions:
            if not _is_code(region.code):
                raise ValueError(f"not a six-digit region code: {region.code!r}")
            if region.code in self._by_code:
                raise ValueError(f"duplicate region code {region.code}")
            self._by_code[region.code] = region
        self._by_code = dict(sorted(self._by_code.items()))
        self._historic: frozenset[str] = frozenset(historic) | self._by_code.keys()

        self._parent: dict[str, str] = {}
        self._children: dict[str, list[Region]] = {}
        self._full_names: dict[str, str] = {}
        """``full_name`` once worked out (the table never changes; an import names the same
        few hundred divisions for a province's households)."""
        for code, region in self._by_code.items():
            parent = self._find_parent(code)
            if parent is not None:
                self._parent[code] = parent
                self._children.setdefault(parent, []).append(region)

    def _find_parent(self, code: str) -> str | None:
        """Nearest existing ancestor by code prefix (prefecture first, then province)."""
        level = Region(code, "").level
        if level == "province":
            return None
        prefecture, province = code[:4] + "00", code[:2] + "0000"
        if level == "county" and prefecture in self._by_code:
            return prefecture
        return province if province in self._by_code else None

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self) -> Iterator[Region]:
        return iter(self._by_code.values())

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Region | None:
        """The current division with this code, or None."""
        return self._by_code.get(code)

    def provinces(self) -> list[Region]:
        """All provinces, autonomous regions, municipalities and SARs, by code."""
        return [r for r in self._by_code.values() if r.level == "province"]

    def children(self, code: str) -> list[Region]:
        """Direct children in the cascade (see the module docstring), by code."""
        return list(self._children.get(code, ()))

    def cities(self, province_code: str) -> list[Region]:
        """Second cascade level: prefectures, plus counties whose prefecture row is missing."""
        return self.children(province_code) if province_code[2:] == "0000" else []

    def counties(self, city_code: str) -> list[Region]:
        """Third cascade level: the counties under a prefecture; empty for a county."""
        return self.children(city_code) if city_code[2:] != "0000" else []

    def parent(self, code: str) -> Region | None:
        """The division above ``code`` in the cascade; None for provinces and unknown codes."""
        parent = self._parent.get(code)
        return None if parent is None else self._by_code[parent]

    def path(self, code: str) -> list[Region]:
        """Province first, down to ``code`` itself; empty for an unknown code."""
        region = self._by_code.get(code)
        result: list[Region] = []
        while region is not None:
            result.append(region)
            region = self.parent(region.code)
        return result[::-1]

    def full_name(self, code: str) -> str:
        """Space-separated names along the path, e.g. "云南省 昆明市 五华区".

        Raises KeyError for a code that is not in the current table.
        """
        name = self._full_names.get(code)
        if name is None:
            path = self.path(code)
            if not path:
                raise KeyError(code)
            name = self._full_names[code] = " ".join(region.name for region in path)
        return name

    def display_name(self, code: str) -> str:
        """``full_name`` for showing a stored value: a code not in the table (abolished, or typed
        into a draft) reads as itself, marked, instead of failing."""
        path = self.path(code)
        if not path:
            return f"{code}（代码未收录）"
        return " ".join(region.name for region in path)

    def is_current(self, code: str) -> bool:
        """True if ``code`` is in the newest revision."""
        return code in self._by_code

    def is_known_historic(self, code: str) -> bool:
        """True if ``code`` appears in any revision, current or abolished."""
        return code in self._historic

    def search(self, text: str) -> list[Region]:
        """Current divisions whose name contains ``text`` (stripped), by code; [] for blank."""
        needle = text.strip()
        if not needle:
            return []
        return [r for r in self._by_code.values() if needle in r.name]


def read_regions(resources_dir: Path) -> RegionTable:
    """Parse the two resource files under ``resources_dir`` (no caching)."""
    regions: list[Region] = []
    current = resources_dir / CURRENT_FILE
    for number, line in enumerate(current.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        code, sep, name = line.partition("\t")
        if not sep or not _is_code(code) or not name.strip():
            raise ValueError(f"{current}:{number}: expected 'code<TAB>name', got {line!r}")
        regions.append(Region(code, name.strip()))
    historic_file = resources_dir / HISTORIC_FILE
    historic = [c.strip() for c in historic_file.read_text(encoding="utf-8").split()]
    bad = next((c for c in historic if not _is_code(c)), None)
    if bad is not None:
        raise ValueError(f"{historic_file}: not a region code: {bad!r}")
    return RegionTable(regions, historic)


@functools.lru_cache(maxsize=1)
def _default_regions() -> RegionTable:
    return read_regions(RESOURCES_DIR)


def load_regions(resources_dir: Path | None = None) -> RegionTable:
    """The region table; the bundled one (loaded once, then cached) unless a dir is given."""
    if resources_dir is None:
        return _default_regions()
    return read_regions(resources_dir)


def code_prefix(region: str) -> str:
    """The code prefix a region selects: '530000' -> '53', '530100' -> '5301', '530102' stays;
    shorter text ('5301') is taken as a prefix already."""
    code = region.strip()
    if len(code) == 6 and code.isdigit():
        if code[2:] == "0000":
            return code[:2]
        if code[4:] == "00":
            return code[:4]
    return code
