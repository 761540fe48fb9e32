"""How names are looked up: the ``Scope`` protocol, ``MISSING``, and ``DictScope`` over dicts.

Why: the evaluator only asks a scope to resolve a dotted path. What a name means for the forms (the
row, then the form, then other forms; a step over a repeat group maps over its rows) is the host's
side of the contract and is kept out of the evaluator.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Protocol

from fieldapp.core.forms.expr.errors import UnknownName, fail
from fieldapp.core.forms.expr.values import type_name


class Scope(Protocol):
    """Resolves a name path. Raise :class:`UnknownName` (or return :data:`MISSING`) if unknown."""

    def resolve(self, path: tuple[str, ...]) -> object: ...


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
"""A scope may return this instead of raising UnknownName."""


class DictScope:
    """Resolves names over a chain of dicts: row, then form, then root (other forms as A, B...).

    The first dict containing the path's first key wins. A step over a list maps the step over
    every element (a repeat group's column), flattening list-valued cells one level, so
    ``members.health`` is the list of every member's health. Missing keys inside list elements
    and steps through null give null; a missing key in a plain dict is an unknown name.
    """

    def __init__(self, *layers: Mapping[str, object]) -> None:
        self.layers = layers

    def resolve(self, path: tuple[str, ...]) -> object:
        for layer in self.layers:
            if path[0] in layer:
                value = layer[path[0]]
                for key in path[1:]:
                    value = _step(value, key, path)
                return value
        raise UnknownName(path)


def _step(value: object, key: str, path: tuple[str, ...]) -> object:
    if value is None:
        return None
    if isinstance(value, Mapping):
        if key in value:
            return value[key]
        raise UnknownName(path)
    if isinstance(value, list | tuple):
        out: list[object] = []
        for item in value:
            if isinstance(item, Mapping):
                got = item.get(key)
            elif item is None:
                got = None
            else:
                got = _step(item, key, path)
            if isinstance(got, list | tuple):
                out.extend(got)
            else:
                out.append(got)
        return out
    dotted = ".".join(path)
    en, zh = type_name(value)
    raise fail(f"cannot take '{key}' of {en} in '{dotted}'", f"“{dotted}”中的{zh}没有“{key}”字段")
