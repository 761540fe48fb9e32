"""The survey as typed, immutable objects: Survey, Form, Section, Field, Option.

Everything else in the core reads forms through these shapes; they mirror docs/form-language.md
and forms/schema.json. Loading and checking the YAML lives in ``loader``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIELD_TYPES = frozenset(
    {
        "text",
        "integer",
        "money",
        "date",
        "month",
        "select_one",
        "select_multiple",
        "id_number",
        "phone",
        "region",
        "repeat",
        "signature",
        "attachment",
        "note",
    }
)
VALUE_LESS_TYPES = frozenset({"note"})
REPEAT_LAYOUTS = ("cards", "grid")
GRID_TYPES = frozenset(
    {"text", "integer", "money", "date", "month", "select_one", "id_number", "phone", "signature"}
)
"""Column types a repeat group with ``layout: grid`` can hold (each has an in-cell editor)."""
INDEX_KEYS = (
    "name",
    "id_number",
    "archive_no",
    "region",
    "category",
    "standard",
    "phone",
    "worker_no",
)
FORM_ID = re.compile(r"^[A-Z][A-Z0-9]*$")
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
REGION_LEVELS = ("province", "city", "county")
CHARSETS = ("name",)
"""A text field's ``charset``: ``name`` = a person's name, which must print exactly (no character
the ledger font lacks)."""
SIX_CLEARS = (
    "家庭基本情况清",
    "已享受政策和资金清",
    "当前存在困难清",
    "后续帮扶措施清",
    "帮扶措施成效清",
    "结对帮扶记录清",
)
"""The 六清 of the campaign, in the campaign's order (a form's ``clear`` names one of them)."""


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Field:
    """One question. Type-specific keys are None where they do not apply."""

    name: str
    label: str
    type: str
    hint: str = ""
    required: bool | str = False
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: str | None = None
    constraint_severity: str = "error"
    calculate: str | None = None
    default: Any = None
    readonly: bool = False
    options: tuple[Option, ...] = ()
    options_name: str | None = None
    max_length: int = 200
    multiline: bool = False
    charset: str | None = None
    min: Any = None
    max: Any = None
    allow_future: bool = False
    max_selected: int | None = None
    birth_date_field: str | None = None
    gender_field: str | None = None
    level: str = "county"
    within: str | None = None
    fields: tuple[Field, ...] = ()
    min_rows: int = 0
    max_rows: int | None = None
    row_title: str | None = None
    kinds: tuple[Option, ...] = ()
    max_files: int | None = None
    pick: str | None = None
    """``people``: a text field filled by picking the worker or a family member of Form A."""
    section: str = ""
    layout: str = "cards"
    default_from: str | None = None
    choices_from: tuple[str, ...] = ()

    @property
    def has_value(self) -> bool:
        return self.type not in VALUE_LESS_TYPES

    @property
    def is_calculated(self) -> bool:
        return self.calculate is not None

    def option_label(self, value: str) -> str:
        for option in self.options:
            if option.value == value:
                return option.label
        return value

    def child(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Form:
    id: str
    title: str
    sections: tuple[Section, ...]
    clears: tuple[str, ...] = ()
    description: str = ""

    @property
    def clear(self) -> str:
        """The main one of the 六清 this form evidences ('' if none)."""
        return self.clears[0] if self.clears else ""

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(f for s in self.sections for f in s.fields)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class Survey:
    id: str
    title: str
    version: str
    forms: Mapping[str, Form]
    options: Mapping[str, tuple[Option, ...]]
    household_index: Mapping[str, tuple[str, str]]
    source_dir: Path | None = None

    def form(self, form_id: str) -> Form:
        try:
            return self.forms[form_id]
        except KeyError:
            known = "、".join(self.forms)
            raise KeyError(f"没有表单“{form_id}”（已有：{known}）") from None
