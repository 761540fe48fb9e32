"""Region table: the bundled GB/T 2260 data, the cascade the GUI relies on, historic codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fieldapp.core.paths import RESOURCES_DIR
from fieldapp.core.values.regions import Region, RegionTable, load_regions

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIR = REPO_ROOT.parent / "shared" / "data" / "gb2260"


@pytest.fixture(scope="module")
def table() -> RegionTable:
    return load_regions()


def test_counts_of_the_2019_table(table: RegionTable) -> None:
    levels = [region.level for region in table]
    assert len(table) == 3219
    assert len(table.provinces()) == 34
    assert levels.count("province") == 34
    assert levels.count("city") == 334
    assert levels.count("county") == 2851


def test_level_comes_from_the_code() -> None:
    assert Region("530000", "云南省").level == "province"
    assert Region("530100", "昆明市").level == "city"
    assert Region("530102", "五华区").level == "county"


def test_provinces_are_sorted_and_named(table: RegionTable) -> None:
    provinces = table.provinces()
    assert [p.code for p in provinces] == sorted(p.code for p in provinces)
    assert provinces[0] == Region("110000", "北京市")
    assert Region("530000", "云南省") in provinces
    assert provinces[-1] == Region("820000", "澳门特别行政区")


def test_yunnan_has_16_prefectures(table: RegionTable) -> None:
    cities = table.cities("530000")
    assert len(cities) == 16
    assert cities[0] == Region("530100", "昆明市")
    assert cities[-1] == Region("533400", "迪庆藏族自治州")
    assert all(city.level == "city" and city.code.startswith("53") for city in cities)


def test_yunnan_counties_follow(table: RegionTable) -> None:
    kunming = table.counties("530100")
    assert Region("530102", "五华区") in kunming
    assert all(c.code.startswith("5301") and c.level == "county" for c in kunming)
    assert sum(len(table.counties(city.code)) for city in table.cities("530000")) == 129
    assert table.get("530102") == Region("530102", "五华区")
    assert table.parent("530102") == Region("530100", "昆明市")
    assert table.parent("530100") == Region("530000", "云南省")
    assert table.parent("530000") is None
    assert table.counties("530102") == []


def test_path_and_full_name(table: RegionTable) -> None:
    assert [r.code for r in table.path("530102")] == ["530000", "530100", "530102"]
    assert table.full_name("530102") == "云南省 昆明市 五华区"
    assert table.full_name("532301") == "云南省 楚雄彝族自治州 楚雄市"
    assert table.full_name("530100") == "云南省 昆明市"
    assert table.full_name("530000") == "云南省"


def test_municipality_districts_sit_directly_under_it(table: RegionTable) -> None:
    assert table.get("110100") is None  # the 市辖区 row is not in the 2019 table
    districts = table.cities("110000")
    assert len(districts) == 16
    assert Region("110101", "东城区") in districts
    assert all(d.level == "county" for d in districts)
    assert table.counties("110101") == []
    assert table.parent("110101") == Region("110000", "北京市")
    assert table.full_name("110101") == "北京市 东城区"
    assert len(table.cities("500000")) == 38  # 重庆: 市辖区 and 县 groupings both missing


def test_directly_administered_counties_join_the_prefectures(table: RegionTable) -> None:
    hubei = table.cities("420000")
    assert len(hubei) == 17
    assert Region("420100", "武汉市") in hubei
    assert Region("429004", "仙桃市") in hubei
    assert table.full_name("429004") == "湖北省 仙桃市"


def test_cascade_reaches_every_code_exactly_once(table: RegionTable) -> None:
    reached: list[str] = []
    for province in table.provinces():
        reached.append(province.code)
        for city in table.cities(province.code):
            reached.append(city.code)
            reached.extend(county.code for county in table.counties(city.code))
    assert sorted(reached) == [region.code for region in table]


def test_cities_and_counties_ignore_the_wrong_level(table: RegionTable) -> None:
    assert table.cities("530100") == []
    assert table.counties("530000") == []


def test_historic_codes(table: RegionTable) -> None:
    # 马龙县 became 马龙区 (530304) between the 2018-01 and 2019-04 revisions.
    assert table.is_known_historic("530321")
    assert not table.is_current("530321")
    assert table.get("530321") is None
    assert table.is_current("530304")
    assert table.is_known_historic("530304")
    # Only in older revisions: the 北京 市辖区 grouping and 昭通's pre-2001 county-level code.
    assert table.is_known_historic("110100") and not table.is_current("110100")
    assert table.is_known_historic("532101") and not table.is_current("532101")


@pytest.mark.parametrize(
    "code", ["530199", "999999", "000000", "", "5301", "53010a", "５３０１０２"]
)
def test_unknown_codes(table: RegionTable, code: str) -> None:
    assert table.get(code) is None
    assert not table.is_current(code)
    assert not table.is_known_historic(code)
    assert table.parent(code) is None
    assert table.path(code) == []
    assert table.cities(code) == []
    assert table.counties(code) == []
    with pytest.raises(KeyError):
        table.full_name(code)


def test_search_matches_substrings_of_names(table: RegionTable) -> None:
    assert table.search("五华") == [Region("441424", "五华县"), Region("530102", "五华区")]
    assert Region("533400", "迪庆藏族自治州") in table.search("迪庆")
    assert table.search("  ") == []
    assert table.search("不存在的地名") == []


def test_default_table_is_cached() -> None:
    assert load_regions() is load_regions()


def _write_resources(root: Path, current: str, historic: str) -> Path:
    (root / "regions").mkdir()
    (root / "regions" / "gb2260-current.tsv").write_text(current, encoding="utf-8")
    (root / "regions" / "gb2260-historic.txt").write_text(historic, encoding="utf-8")
    return root


def test_load_from_another_dir_keeps_grouping_rows(tmp_path: Path) -> None:
    current = "110000\t北京市\n110100\t市辖区\n110101\t东城区\n"
    table = load_regions(_write_resources(tmp_path, current, "110000\n110103\n"))
    assert table is not load_regions()
    assert [r.code for r in table.cities("110000")] == ["110100"]
    assert table.counties("110100") == [Region("110101", "东城区")]
    assert table.full_name("110101") == "北京市 市辖区 东城区"
    assert table.is_known_historic("110103") and not table.is_current("110103")
    assert table.is_known_historic("110101")  # current codes count as known


@pytest.mark.parametrize(
    ("current", "historic"),
    [("110000 北京市\n", ""), ("11000\t北京市\n", ""), ("110000\t\n", ""), ("", "11010x\n")],
)
def test_malformed_resources_are_refused(tmp_path: Path, current: str, historic: str) -> None:
    with pytest.raises(ValueError):
        load_regions(_write_resources(tmp_path, current, historic))


def test_duplicate_codes_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        RegionTable([Region("110000", "北京市"), Region("110000", "北京")])


@pytest.mark.skipif(not SOURCE_DIR.is_dir(), reason="GB2260 source tables not available")
def test_committed_resources_match_a_rebuild(tmp_path: Path) -> None:
    script = REPO_ROOT / "tools" / "build_regions.py"
    out = tmp_path / "regions"
    subprocess.run(
        [sys.executable, str(script), str(SOURCE_DIR), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    for name in ("gb2260-current.tsv", "gb2260-historic.txt", "README.md"):
        assert (out / name).read_bytes() == (RESOURCES_DIR / "regions" / name).read_bytes(), name
