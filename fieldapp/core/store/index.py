"""The ``households`` table as an index: the row a household's data gives, and bulk inserts.

Revisions are the record; a household's list entry (name, ID number, region, 六清, search text)
is derived from its newest data by ``index_row``. ``bulk_insert_households`` writes many new
households, their revisions and index rows in one go (demo data, Excel imports).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from fieldapp.core.store.base import StoreBase
from fieldapp.core.store.grams import short_grams
from fieldapp.core.store.records import BulkHousehold, now_iso


class IndexMixin(StoreBase):
    """``Store.index_row``, ``complete_clears`` and ``bulk_insert_households``."""

    _finals: tuple[Any, dict[tuple[str, ...], tuple[str, str]]] | None = None
    """The ``final_forms`` and ``clears`` columns by finalised forms, for this survey: an import
    writes them for 100,000 households, of a handful of kinds."""

    def _final_columns(self, final_forms: list[str]) -> tuple[str, str]:
        """The ``final_forms`` and ``clears`` column texts of these finalised forms (sorted)."""
        if self._finals is None or self._finals[0] is not self.survey:
            self._finals = (self.survey, {})
        known = self._finals[1]
        key = tuple(final_forms)
        columns = known.get(key)
        if columns is None:
            clears = self.complete_clears(final_forms)
            columns = known[key] = (json.dumps(final_forms), json.dumps(clears, ensure_ascii=False))
        return columns

    def index_row(
        self, data: Mapping[str, Mapping[str, Any]], states: Mapping[str, str]
    ) -> dict[str, Any]:
        """The households-table columns derived from a household's data (list, search, 六清)."""
        index: dict[str, Any] = {}
        for key, (form_id, field_name) in self.survey.household_index.items():
            value = (data.get(form_id) or {}).get(field_name)
            index[key] = value if isinstance(value, str) else None
        final_text, clears_text = self._final_columns(
            sorted(f for f, s in states.items() if s == "final")
        )
        region = index.get("region")
        region_name = self.regions.full_name(region) if region and region in self.regions else ""
        search_text = " ".join(
            str(v)
            for v in (
                index.get("name"),
                index.get("id_number"),
                index.get("archive_no"),
                index.get("worker_no"),
                index.get("phone"),
                region,
                region_name,
            )
            if v
        ).upper()
        return {
            "archive_no": index.get("archive_no"),
            "name": index.get("name"),
            "id_number": index.get("id_number"),
            "region_code": region,
            "category": index.get("category"),
            "filing_standard": index.get("standard"),
            "phone": index.get("phone"),
            "worker_no": index.get("worker_no"),
            "final_forms": final_text,
            "clears": clears_text,
            "search_text": search_text,
            "search_grams": short_grams(search_text),
        }

    def reindex(self, household_id: str) -> None:
        """Rebuild the household's list entry from its newest revisions, parsing only the forms
        whose fields the index shows (an import rebuilds thousands of entries). Call it inside
        a write transaction."""
        index_forms = sorted({form_id for form_id, _ in self.survey.household_index.values()})
        marks = ", ".join("?" for _ in index_forms)
        rows = self.db.conn.execute(
            f"select r.form_id, r.state, case when r.form_id in ({marks}) then r.data end "
            "from revisions r join (select form_id, max(rowid) as top from revisions "
            "where household_id = ? group by form_id) t on r.rowid = t.top",
            [*index_forms, household_id],
        )
        data: dict[str, dict[str, Any]] = {}
        states: dict[str, str] = {}
        for form_id, state, text in rows:
            states[form_id] = state
            if text is not None:
                data[form_id] = json.loads(text)
        row = {**self.index_row(data, states), "updated_at": now_iso()}
        self.db.conn.execute(
            f"update households set {', '.join(f'{k} = ?' for k in row)} where id = ?",
            [*row.values(), household_id],
        )

    def complete_clears(self, final_forms: list[str]) -> list[str]:
        """Which of the 六清 are evidenced by finalised forms (a clear needs all its forms)."""
        by_clear: dict[str, list[str]] = {}
        for form_id, form in self.survey.forms.items():
            for clear in form.clears:
                by_clear.setdefault(clear, []).append(form_id)
        return [c for c, ids in by_clear.items() if all(i in final_forms for i in ids)]

    def bulk_insert_households(
        self, households: Iterable[BulkHousehold], *, author: str, batch_size: int = 2000
    ) -> int:
        """Insert many new households with one revision per form, fast (demo data, imports).

        The caller vouches that the data is already normalised (as FormEngine produces it);
        each household still gets its audit entry and revisions, exactly as a save would.
        """
        count = 0
        device = self.device_id
        seq = int(self.meta("device_seq") or "0")
        batch_h: list[dict[str, Any]] = []
        batch_r: list[dict[str, Any]] = []
        batch_a: list[dict[str, Any]] = []
        batch_s: list[dict[str, Any]] = []

        def flush() -> None:
            self.db.table("households").insert_all(batch_h, batch_size=500)
            self.db.table("revisions").insert_all(batch_r, batch_size=500)
            self.db.table("audit").insert_all(batch_a, batch_size=500)
            self.db.table("status_changes").insert_all(batch_s, batch_size=500)
            batch_s.clear()
            batch_h.clear()
            batch_r.clear()
            batch_a.clear()

        with self.db.atomic():
            for item in households:
                states = {form_id: item.states.get(form_id, "draft") for form_id in item.forms}
                batch_h.append(
                    {
                        "id": item.id,
                        "status": item.status,
                        "created_at": item.created_at,
                        "created_by": author,
                        "updated_at": item.created_at,
                        **self.index_row(item.forms, states),
                    }
                )
                for form_id, values in item.forms.items():
                    seq += 1
                    batch_r.append(
                        {
                            "id": item.revision_ids.get(form_id) or str(uuid.uuid4()),
                            "household_id": item.id,
                            "form_id": form_id,
                            "form_version": self.survey.version,
                            "state": states[form_id],
                            "data": json.dumps(values, ensure_ascii=False, sort_keys=True),
                            "created_at": item.created_at,
                            "author": author,
                            "device_id": device,
                            "device_seq": seq,
                            "parent_id": None,
                        }
                    )
                batch_a.append(
                    {
                        "id": str(uuid.uuid4()),
                        "at": now_iso(),
                        "actor": author,
                        "device_id": device,
                        "action": "bulk_insert_household",
                        "household_id": item.id,
                        "form_id": None,
                        "revision_id": None,
                        "detail": json.dumps({"forms": sorted(item.forms)}),
                    }
                )
                if item.status != "在档":
                    batch_s.append(
                        {
                            "id": str(uuid.uuid4()),
                            "household_id": item.id,
                            "status": item.status,
                            "reason": item.status_reason,
                            "changed_at": item.created_at,
                            "author": author,
                        }
                    )
                count += 1
                if len(batch_h) >= batch_size:
                    flush()
            flush()
            self.set_meta("device_seq", str(seq))
        return count
