"""Payload records made ready for the importer: each revision's (and audit record's) checks
that need no database.

A revision line is parsed (head and form data, ``lines.split_revision``), its author hash
computed over the form data's text, its fields checked (``revision_fields``: form, version, state,
field names, device and counter, clock …) and the values the household list shows taken out of
it — work that depends on the line alone. ``Preparer`` does it and hands on only the results
(``Revision``: the row to write, the clock, the hash …), never the parsed data, which the
importer then never needs. That is what lets ``read_ahead`` do it in a second process while
this one writes the records before; done here (a small bundle), it is the same work in the same
order. Nothing is decided here: the importer still checks every hash against the author's
signed digest, and whatever depends on the database. A revision whose checks fail here (or
whose ids are not UUIDs) is handed on as its head, its data's text and ``Ahead``, and the
importer checks it as it always did: it refuses it where it did before (if it is not here
already), with the same message. Audit records, the next most numerous, likewise
(``audit_fields``, ``Audit``): checked, their detail encoded as stored and hashed; one that
fails a check is handed on as it came.
"""

from __future__ import annotations

from collections.abc import Iterator
from sys import intern
from typing import Any

from fieldapp.core.forms.model import Survey
from fieldapp.core.sync import audit_fields
from fieldapp.core.sync import authorship as authors
from fieldapp.core.sync.container import BundleError, Envelope, read_lines
from fieldapp.core.sync.fields import UUID_TEXT, FieldNames
from fieldapp.core.sync.lines import parse_record, split_revision
from fieldapp.core.sync.revision_fields import Checked, RevisionFields

Ahead = tuple[str | None, tuple[str, ...], dict[str, str | None]]
"""What was worked out from a revision's form data (the data itself is not handed on): its
author hash (at headquarters, for a revision in an author batch; else None), the field names its
form does not define (checked for the current form version only) and the values of the fields
the household list shows (``NewHouseholds.current``). A plain tuple: a named one costs a call
each to unpickle (``read_ahead``), a quarter of a second for a province's import."""


Revision = tuple[Any, str | None, dict[str, str | None], Checked]
"""A revision prepared whole: its batch (as the record names it), its author hash (as in
``Ahead``), the values of the fields the household list shows, and the revision checked."""

Audit = tuple[tuple[Any, ...], Any, str | None]
"""An audit record prepared whole (``audit_fields``): its row, its batch (as the record names
it) and its author hash (as in ``Ahead``)."""
PREPARED_AUDIT = "audit"

Item = tuple[dict[str, Any] | None, str | None, Ahead | Revision | Audit | None]
"""A record; a revision's data text (as it is stored) and, if prepared, what ``Ahead`` says (its
record then has no ``data``); or a revision prepared whole: (None, None, ``Revision``); or an
audit record prepared whole: (None, ``PREPARED_AUDIT``, ``Audit``)."""


class Preparer:
    def __init__(self, survey: Survey, up: bool, versions: set[str]) -> None:
        """``up``: a laptop's bundle read at headquarters (records in author batches are hashed);
        ``versions``: the form versions the bundle's manifest declares."""
        self.survey = survey
        self.up = up
        self.names = FieldNames(survey)
        self.fields = RevisionFields(survey, versions)
        self.shown: dict[str, list[str]] = {}
        for form_id, field_name in survey.household_index.values():
            self.shown.setdefault(form_id, []).append(field_name)

    def item(self, line: bytes) -> Item:
        split = split_revision(line)
        if split is None:
            record = parse_record(line)
            if record.get("t") == "audit":
                return self._audit(record)
            return record, None, None
        head, data_text = split
        data = head["data"]
        if not isinstance(data, dict):
            return head, data_text, None  # refused by the importer, as it always was
        # the text as it came where the author's signed hash will prove it (``apply``)
        kept = self.up and head.get("batch") is not None
        text = data_text if kept else authors.stored_json(data)
        record_hash = authors.record_hash(authors.REVISION, head, text) if kept else None
        form_id = head.get("form_id")
        known = isinstance(form_id, str) and form_id in self.survey.forms
        unknown: tuple[str, ...] = ()
        if known and head.get("form_version") == self.survey.version:
            unknown = tuple(self.names.unknown(str(form_id), data))
        index: dict[str, str | None] = {}
        for name in self.shown.get(str(form_id), ()) if known else ():
            value = data.get(name)
            index[name] = value if isinstance(value, str) else None
        del head["data"]
        rid, hid = head.get("id"), head.get("household_id")
        if (
            known
            and text is not None
            and isinstance(rid, str)
            and isinstance(hid, str)
            and UUID_TEXT.match(rid)
            and UUID_TEXT.match(hid)
        ):
            try:
                checked = self.fields.checked(head, data, text, unknown)
            except BundleError:
                pass  # the importer checks it again, and refuses it if it is not here already
            else:
                batch = head.get("batch")
                if type(batch) is str:
                    batch = intern(batch)  # one object for the batch's records (pickle)
                return None, None, (batch, record_hash, index, checked)
        return head, text, (record_hash, unknown, index)

    def _audit(self, record: dict[str, Any]) -> Item:
        """An audit record's checks and its author hash (the record as it came if one fails:
        the importer refuses it in its place)."""
        try:
            head = audit_fields.head(record)
            row = audit_fields.row(record, head)
        except BundleError:
            return record, None, None
        batch = record.get("batch")
        record_hash = None
        if self.up and batch is not None:
            record_hash = authors.record_hash(authors.AUDIT, record, head[2])
        if type(batch) is str:
            batch = intern(batch)
        return None, PREPARED_AUDIT, (row, batch, record_hash)


def declared_versions(env: Envelope) -> set[str]:
    """The form versions the manifest declares (checked a list of texts: ``check_envelope``)."""
    return set(env.manifest["form_versions"])


def prepared_records(env: Envelope, key: bytes, survey: Survey, up: bool) -> Iterator[Item]:
    """The payload's records, prepared in this process."""
    preparer = Preparer(survey, up, declared_versions(env))
    for line in read_lines(env, key):
        yield preparer.item(line)
