"""Households filed in a given county at a given 建档标准, for the campaign tests (third-party
checks, help in 户次/人次): Form A of hq_households.person_a, saved final, numbered ``n``."""

from __future__ import annotations

from datetime import date
from typing import Any

from fieldapp.core.store.store import Store
from tests.core.hq_households import person_a


def filed_household(
    store: Store, n: int, county: str, standard: str | None, **forms: dict[str, Any]
) -> str:
    """A new household (the n-th of its test) with Form A and the other ``forms``, all final."""
    a = person_a(
        region=county,
        birth=date(1975, 1, n),
        seq=2 * n + 1,
        name=f"测试{n}",
        archive_no=f"YN-{county}-2020-{n:06d}",
        standard=standard,
    )
    hid = store.create_household("测试员")
    for form_id, data in {"A": a, **forms}.items():
        store.save_form(hid, form_id, data, author="测试员", final=True)
    return hid
