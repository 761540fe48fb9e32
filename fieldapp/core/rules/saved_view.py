"""The household as stored right after a save: what the editor shows once an autosave landed.

Revalidating every form (cross-form calculations: Form B counts Form A's members) and checking
finalised forms for stale inputs costs tens of milliseconds; the form writer computes it on its
own thread with its own connection (``FormWriter(after=...)``) so the window only applies it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fieldapp.core.forms.engine import FormResult
from fieldapp.core.rules.freshness import stale_of
from fieldapp.core.store.errors import NotFound
from fieldapp.core.store.records import Revision
from fieldapp.core.store.store import Store


@dataclass(frozen=True)
class SavedView:
    revisions: dict[str, Revision]  # the current revision per form
    results: dict[str, FormResult]  # every form validated over the stored household
    stale: dict[str, list[str]]  # finalised forms whose inputs changed since (freshness)
    row: dict[str, Any]  # the household's row in the list (name, 档案编号, status)
    views: dict[str, dict[str, Any]]  # what expressions see of every form (for defaults)

    @property
    def states(self) -> dict[str, str]:
        return {form_id: revision.state for form_id, revision in self.revisions.items()}


def saved_view(
    store: Store, household_id: str, unsaved: Mapping[str, Mapping[str, Any]] | None = None
) -> SavedView:
    """Read and judge the household in one go; ``unsaved``: forms never saved that the editor
    shows anyway (their starting values), which cross-form expressions see as the editor does."""
    revisions = store.current_revisions(household_id)
    data: dict[str, Any] = {form_id: r.data for form_id, r in revisions.items()}
    for form_id, values in (unsaved or {}).items():
        data.setdefault(form_id, dict(values))
    views: dict[str, dict[str, Any]] = {}
    results = store.engine().validate_all(data, views_out=views)
    try:
        row = store.household(household_id)
    except NotFound:
        row = {}
    return SavedView(revisions, results, stale_of(revisions, store.engine), row, views)
