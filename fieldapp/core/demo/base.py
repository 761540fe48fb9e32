"""The factory's state and its primitive draws: the base every form builder extends.

Why: one ``random.Random`` stream drives every choice, so every builder must draw through the
same few helpers (``uuid``, ``randint``, ``choice``, ``chance``, ``day_between``, ``yuan``) on the
same object; this module owns that object's state (store, reference day, form templates, the
county weights, caches) and nothing that knows about a particular form's content.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

from fieldapp.core.demo.people_data import ETHNICITY
from fieldapp.core.demo.places_data import KUNMING_CORE, PREFECTURES
from fieldapp.core.demo.shared import T, Values, _template, _Weighted
from fieldapp.core.forms.model import Form
from fieldapp.core.store.store import Store

_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (4 << 76) | (0x8000 << 48)


class FactoryBase:
    """State and primitive draws of the factory that builds one household at a time."""

    def __init__(self, store: Store, rng: random.Random, today: date, first_serial: int) -> None:
        self.store = store
        self.rng = rng
        self.today = today
        self.first_serial = first_serial
        self.regions = store.regions
        forms = store.survey.forms
        self.templates = {fid: _template(form.fields) for fid, form in forms.items()}
        self.row_templates = {
            (fid, f.name): _template(f.fields)
            for fid, form in forms.items()
            for f in form.fields
            if f.type == "repeat"
        }
        self.categories = self._category_choice(forms.get("A"))
        counties: list[tuple[str, float]] = []
        for city, (_, share) in PREFECTURES.items():
            children = [r for r in self.regions.counties(city) if r.level == "county"]
            if not children:
                continue
            weights = [
                3.0 if r.code in KUNMING_CORE else 2.0 if r.name.endswith("区") else 1.0
                for r in children
            ]
            total = sum(weights)
            counties += [
                (r.code, share * w / total) for r, w in zip(children, weights, strict=True)
            ]
        self.county_choice = _Weighted(counties)
        self.county_codes = [code for code, _ in counties]
        self.ethnic_base = ETHNICITY
        self.ethnic_by_county: dict[str, _Weighted[str]] = {}
        self.dibao_cache: dict[tuple[str, date], int | None] = {}
        self.used_ids: set[str] = set()

    def uuid(self) -> str:
        """``str(uuid.UUID(int=rng.getrandbits(128), version=4))``, without the object."""
        bits = self.rng.getrandbits(128) & _UUID_CLEAR | _UUID_SET
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def randint(self, low: int, high: int) -> int:
        """Like ``Random.randint`` (inclusive), a few times faster."""
        return low + int(self.rng.random() * (high - low + 1))

    def choice(self, seq: Sequence[T]) -> T:
        return seq[int(self.rng.random() * len(seq))]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def day_between(self, start: date, end: date) -> date:
        if end <= start:
            return start
        return start + timedelta(days=self.randint(0, (end - start).days))

    def yuan(self, low: float, high: float, step: int = 1) -> int:
        """A whole amount in 元 (multiple of ``step``) between low and high, as 分."""
        return int(self.rng.uniform(low, high) / step) * step * 100

    def dibao(self, county: str, day: date) -> int | None:
        key = (county, day)
        if key not in self.dibao_cache:
            self.dibao_cache[key] = self.store.dibao_standard(county, day)
        return self.dibao_cache[key]

    def min_wage(self, county: str, day: date) -> int | None:
        key = ("w" + county, day)
        if key not in self.dibao_cache:
            self.dibao_cache[key] = self.store.minimum_wage(county, day)
        return self.dibao_cache[key]

    def option_values(self, name: str) -> frozenset[str]:
        """An option list of forms/options.yaml (the classifications the forms' expressions use)."""
        return frozenset(o.value for o in self.store.survey.options.get(name, ()))

    def _category_choice(self, form: Form | None) -> _Weighted[str]:
        f = form.field("category") if form is not None else None
        values = [o.value for o in f.options] if f is not None else []
        preferred = {
            "深度困难": 35.0,
            "相对困难": 50.0,
            "意外致困": 15.0,
            "低保户": 35.0,
            "低保边缘户": 50.0,
            "意外致困户": 15.0,
        }
        return _Weighted([(v, preferred.get(v, 10.0)) for v in values] or [("相对困难", 1.0)])

    def row(self, form_id: str, repeat: str, values: Values) -> Values:
        return {**self.row_templates[(form_id, repeat)], "_id": self.uuid(), **values}

    def short_county(self, county: str) -> str:
        region = self.regions.get(county)
        return region.name if region is not None else ""
