"""Synthetic demo households: a store that looks like a county's 户户清 files, with no real people.

Why: trials, training sessions and benchmarks need thousands of households whose forms read like
the real thing (names, ID numbers, incomes against the local 低保 standard, policies, visits,
problems, the 六清 and 两有五保障 checks), but real casework data must never leave the union's
offices. Everything here is invented: names are drawn from common surnames, ID numbers are
synthetic (valid checksum and date, random sequence), phone numbers and bank cards are random.

The data is deterministic for a seed: one ``random.Random`` stream drives every choice, ids are
UUIDs taken from it, and dates count from a fixed reference day (``DEMO_TODAY`` unless given), so
two runs on two fresh databases give identical form data.

Speed: ``FormEngine.validate_all`` costs about 7 ms of CPU per household (``compute`` alone
4.4 ms), i.e. 12 minutes for 100,000 households, against 0.6 ms to generate one. So values are
generated directly in the stored shape the engine produces (money as int 分, ISO dates, option
values, every field present, repeat rows with ``_id``) and the calculated fields are computed
(in ``assessment``) with the forms' own arithmetic. The first ``ENGINE_SAMPLE``
households go through the engine anyway and are compared with the direct values; if the form
definitions have changed so that the two disagree, a ``DemoDataWarning`` is issued and every
remaining household is normalised by the engine instead (slow but correct; a form that then has
errors is saved as a draft).

This module is the public entry (``generate_demo``, ``ensure_demo_dibao``, the constants);
the household itself is assembled by ``factory._Factory`` from one mixin per form:
``people``, ``incomes`` (Form B), ``archive`` (A), ``policies`` (C), ``visits`` (D),
``problems`` (E) and ``assessment`` (LQ, BZ, calculated fields), over ``base`` (the random
stream's primitive draws) and the tables in ``people_data`` and ``places_data``.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta

from fieldapp.core.demo.factory import _Factory
from fieldapp.core.demo.shared import _month_first
from fieldapp.core.forms.engine import FormEngine
from fieldapp.core.store.errors import CancelCheck, stop_if_cancelled
from fieldapp.core.store.records import BulkHousehold
from fieldapp.core.store.standards import DIBAO, MINIMUM_WAGE, standard_kind
from fieldapp.core.store.store import Store

DEMO_TODAY = date(2026, 11, 1)
"""Default reference day: every generated date is on or before it (deadlines may be later)."""

DEMO_DIBAO_SOURCE = "演示数据（非真实标准）"
DEMO_DIBAO_SINCE = "2018-07-01"
ENGINE_SAMPLE = 20
"""How many households are normalised by the engine and compared with the direct values."""
PROGRESS_EVERY = 1000


class DemoDataWarning(UserWarning):
    """The direct values disagree with the engine (forms changed): the engine is used instead."""


DEMO_STANDARDS = {
    DIBAO: (50000, 1000),  # 低保 500–600 元/人·月
    MINIMUM_WAGE: (135000, 3200),  # minimum wage 1,350–1,670 元/月
}


def ensure_demo_dibao(store: Store, counties: Sequence[str], on: date, *, author: str) -> list[str]:
    """Give every demo county a 低保 standard and a minimum wage in force on ``on``: where none
    applies, add a clearly labelled demo value for its prefecture, unless that code already has
    any entry of the kind (real standards always stay). Returns the codes given a 低保 value."""
    added: dict[str, list[str]] = {kind: [] for kind in DEMO_STANDARDS}
    for kind, (base, step) in DEMO_STANDARDS.items():
        table = standard_kind(kind).table
        for county in counties:
            if store.standard(kind, county, on) is not None:
                continue
            city = county[:4] + "00"
            if city in added[kind] or store.regions.get(city) is None:
                continue
            if store.db.execute(
                f"select 1 from {table} where county_code = ? limit 1", [city]
            ).fetchone():
                continue
            amount = base + random.Random(int(city)).randrange(0, 11) * step
            store.add_standard(
                kind, city, DEMO_DIBAO_SINCE, amount, source=DEMO_DIBAO_SOURCE, author=author
            )
            added[kind].append(city)
    return added[DIBAO]


def _engine_normalise(engine: FormEngine, item: BulkHousehold) -> bool:
    """Replace the household's values with the engine's; a final form with errors becomes a
    draft. True when the engine agreed with the direct values and found no error."""
    results = engine.validate_all(item.forms, only=list(item.forms))
    same = True
    for form_id, result in results.items():
        if result.values != item.forms[form_id]:
            same = False
        if item.states.get(form_id) == "final" and result.errors:
            same = False
            item.states[form_id] = "draft"
        item.forms[form_id] = result.values
    return same


def generate_demo(
    store: Store,
    households: int,
    *,
    seed: int = 1,
    author: str,
    progress: Callable[[int, int], None] | None = None,
    today: date | None = None,
    cancelled: CancelCheck | None = None,
) -> int:
    """Fill the store with ``households`` synthetic households and return how many were added.

    Same seed, same reference day and a fresh store give identical form data. A store that
    already holds households gets a different stream (and archive numbers after the existing
    ones), so demo data can be added twice without clashing ids. ``cancelled()`` is polled for
    every household; ``Cancelled`` then adds none (the insert is one transaction).
    """
    if households < 0:
        raise ValueError("households must be >= 0")
    today = today or DEMO_TODAY
    existing = store.count_households()
    rng = random.Random(seed if existing == 0 else f"{seed}/{existing}")
    factory = _Factory(store, rng, today, existing)
    earliest = _month_first(today - timedelta(days=245), 12)
    ensure_demo_dibao(store, factory.county_codes, earliest, author=author)
    engines: dict[str, FormEngine] = {}

    def engine(item: BulkHousehold) -> FormEngine:
        """The engine of the day the household's forms are saved (ages are counted to it)."""
        day = item.created_at[:10]
        if day not in engines:
            engines[day] = store.engine(date.fromisoformat(day))
        return engines[day]

    def stream() -> Iterator[BulkHousehold]:
        use_engine = False
        for index in range(households):
            stop_if_cancelled(cancelled, "已取消，未生成演示数据")
            item = factory.household(index)
            if index < ENGINE_SAMPLE or use_engine:
                agreed = _engine_normalise(engine(item), item)
                if not agreed and not use_engine:
                    warnings.warn(
                        "演示数据与表单计算结果不一致（表单定义可能已修改），改为逐户经表单引擎校验，"
                        "速度较慢",
                        DemoDataWarning,
                        stacklevel=3,
                    )
                    use_engine = True
            yield item
            done = index + 1
            if progress is not None and done % PROGRESS_EVERY == 0 and done < households:
                progress(done, households)

    count = store.bulk_insert_households(stream(), author=author)
    if progress is not None:
        progress(count, households)
    return count
