"""The GUI's and the CLI's click-through: the households behind a number of the statistics.

Why its own module: it walks the same cached facts as ``stats.compute_stats`` but keeps
households instead of summing them (every figure is a sum of what each household contributes, so
the households behind a number are those contributing to it).
"""

from __future__ import annotations

import json
from datetime import date

from fieldapp.core.reports.facts_cache import iter_household_facts
from fieldapp.core.reports.figures import (
    IN_ARCHIVE,
    Period,
    base_contributions,
    override_contributions,
)
from fieldapp.core.reports.stats import _finest_key as finest_key
from fieldapp.core.reports.stats import _iso as iso_day
from fieldapp.core.reports.stats import _status_changes as status_changes
from fieldapp.core.reports.stats import (
    city_of,
    household_contributions,
)
from fieldapp.core.rules.status_change import override_marks
from fieldapp.core.store.store import Store


def figure_households(
    store: Store,
    figure: str,
    *,
    group: str | None = None,
    by: str | None = None,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    region: str | None = None,
    final_only: bool = False,
    on: date | None = None,
    standard: str | None = None,
) -> list[str]:
    """The ids of the households behind a number: those contributing to ``figure`` (a key of
    FIGURE_LABELS, or status.X, category.X, guarantee.KEY.STATUS, guarantee_met.KEY) in
    ``group`` (a Group.key of the same ``by``; None for the total)."""
    period = Period(iso_day(date_from), iso_day(date_to))
    evaluation_day = on or (date.fromisoformat(period.end) if period.end else date.today())
    changes = status_changes(store) if period.bounded else {}
    overrides = override_marks(store)
    regions = store.regions
    parsed: dict[str, dict[str, int]] = {}

    def amount(text: str) -> int:
        doc = parsed.get(text)
        if doc is None:
            doc = parsed[text] = json.loads(text)
        return doc.get(figure, 0)

    out: list[str] = []
    for h in iter_household_facts(
        store,
        on=evaluation_day,
        region=region,
        standard=standard,
        final_only=final_only,
        details=period.bounded,
    ):
        if group is not None:
            key = finest_key(h, by)
            if by == "region":
                if group not in (key, city_of(key, regions)):
                    continue
            elif key != group:
                continue
        extra = override_contributions(h.status, overrides.get(h.id, False)).get(figure, 0)
        if period.bounded:
            found = household_contributions(h, period, changes.get(h.id, ())).get(figure, 0)
        else:
            # The same contributions, read from the cached texts (each distinct one parsed once).
            found = base_contributions(h.status, h.category).get(figure, 0) + amount(h.activity)
            if h.status == IN_ARCHIVE:
                found += amount(h.standing)
        if found + extra > 0:
            out.append(h.id)
    return out
