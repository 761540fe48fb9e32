"""A household's history as people read it: one entry per sitting, the fields each changed, and
what changed since a form was last finalised.

Why: the editor autosaves within a second of every edit, so one visit leaves 20–30 revisions of a
form within minutes of each other. All of them stay in the store, untouched; here consecutive
drafts of one form by one person on one laptop, each within ``SITTING_GAP`` of the one before,
are shown as one entry that names the fields it changed, so "when did 住房类型 change" is one
filter, not a walk through every save. Qt-free, like ``history``, so it is typed and tested alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from fieldapp.core.forms.model import Form, Survey
from fieldapp.core.store.history import (
    STATUS_FORM,
    Change,
    HistoryEntry,
    diff_data,
    fields_with_sections,
    previous_revision,
    same_value,
)
from fieldapp.core.store.records import Revision
from fieldapp.core.values.regions import RegionTable

SITTING_GAP = timedelta(minutes=30)
"""Drafts further apart than this are separate sittings."""


def changed_fields(form: Form, old: dict[str, Any] | None, new: dict[str, Any]) -> tuple[str, ...]:
    """Names of the fields people fill in whose value differs between two saves, in the form's
    order (calculated fields follow from those, so they are left out)."""
    old = old or {}
    return tuple(
        f.name
        for _, f in fields_with_sections(form)
        if not f.is_calculated and not same_value(old.get(f.name), new.get(f.name))
    )


def _moment(stamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return None


def _continues(last: Revision, nxt: Revision, gap: timedelta) -> bool:
    """``nxt`` is the same sitting as ``last``: two drafts, same person and laptop, close in time."""
    if last.state != "draft" or nxt.state != "draft":
        return False
    if (last.author, last.device_id) != (nxt.author, nxt.device_id):
        return False
    before, after = _moment(last.created_at), _moment(nxt.created_at)
    return before is not None and after is not None and timedelta(0) <= after - before <= gap


def sittings(
    entries: list[HistoryEntry], survey: Survey, gap: timedelta = SITTING_GAP
) -> list[HistoryEntry]:
    """``entries`` (newest first, as ``history_entries`` gives them) with each sitting's drafts
    folded into one entry: its last save, ``saves`` counted, ``first_at`` its first save's time,
    ``base`` the save before the sitting and ``changed`` the fields changed over the sitting.
    Status changes and final saves stay entries of their own."""
    groups: list[list[HistoryEntry]] = []
    open_groups: dict[str, list[HistoryEntry]] = {}
    for entry in reversed(entries):  # oldest first
        revision = entry.revision
        if revision is None:
            groups.append([entry])
            continue
        current = open_groups.get(revision.form_id)
        last = current[-1].revision if current else None
        if current is not None and last is not None and _continues(last, revision, gap):
            current.append(entry)
            continue
        group = [entry]
        groups.append(group)
        open_groups[revision.form_id] = group
    folded = [_fold(group, entries, survey) for group in groups]
    folded.sort(key=lambda e: (e.at, e.form_id != STATUS_FORM), reverse=True)
    return folded


def _fold(
    group: list[HistoryEntry], everything: list[HistoryEntry], survey: Survey
) -> HistoryEntry:
    last = group[-1]
    first_revision, last_revision = group[0].revision, last.revision
    if first_revision is None or last_revision is None:
        return last
    base = previous_revision(everything, first_revision)
    form = survey.forms.get(last_revision.form_id)
    changed = changed_fields(form, base.data if base else None, last_revision.data) if form else ()
    return replace(last, saves=len(group), first_at=group[0].at, base=base, changed=changed)


def touching(entries: list[HistoryEntry], form_id: str, field_name: str) -> list[HistoryEntry]:
    """The entries (sittings or saves) that changed ``form_id``'s field ``field_name``."""
    return [
        e
        for e in entries
        if e.revision is not None and e.form_id == form_id and field_name in e.changed
    ]


@dataclass(frozen=True)
class SinceFinal:
    """One form: its last final save, its current save, and the differences between them."""

    form_id: str
    final: Revision | None
    current: Revision
    changes: list[Change]


def since_final(
    history: list[Revision], survey: Survey, regions: RegionTable | None = None
) -> list[SinceFinal]:
    """Per form (in the survey's order), what changed since it was last finalised; a form never
    finalised is compared with nothing (everything in it is new)."""
    by_form: dict[str, list[Revision]] = {}
    for revision in history:  # oldest first, as ``Store.history`` gives them
        by_form.setdefault(revision.form_id, []).append(revision)
    out = []
    for form_id, form in survey.forms.items():
        revisions = by_form.get(form_id)
        if not revisions:
            continue
        current = revisions[-1]
        final = next((r for r in reversed(revisions) if r.state == "final"), None)
        changes = diff_data(form, final.data if final else None, current.data, regions)
        out.append(SinceFinal(form_id, final, current, changes))
    return out
