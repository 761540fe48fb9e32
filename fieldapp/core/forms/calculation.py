"""What calculated fields may call, and the order they are computed in.

Shared by the loader (which checks expressions and cycles when a form is loaded) and the engine
(which computes), so both agree and neither has to import the other.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable, Mapping, Sequence
from datetime import date

from fieldapp.core.forms import expr
from fieldapp.core.forms.model import Field, Form

DibaoLookup = Callable[[str, date], int | None]
"""(county code, date) -> local 低保 standard in 分 per person per month, or None if unknown.
The same shape answers the local monthly minimum wage (``min_wage``)."""
StandardLookup = DibaoLookup


def _placeholder(*args: object) -> object:
    """Stands in for a host function when a form is only checked, not computed."""
    return None


HOST_FUNCTIONS = ("dibao", "min_wage", "options")
"""Functions the engine adds to the stock set: the local 低保 standard and minimum wage by county
and date (from the store's standards tables), and ``options('list')``, the values of an option
list of forms/options.yaml (so a classification such as ``health_serious`` is written once)."""

KNOWN_FUNCTIONS: Mapping[str, expr.FunctionSpec] = {
    **expr.DEFAULT_FUNCTIONS,
    "dibao": expr.FunctionSpec(_placeholder, 2, 2),
    "min_wage": expr.FunctionSpec(_placeholder, 2, 2),
    "options": expr.FunctionSpec(_placeholder, 1, 1),
}


def _dependencies(f: Field, local_names: set[str]) -> set[str]:
    if f.calculate is None:
        return set()
    try:
        parsed = expr.parse(f.calculate, KNOWN_FUNCTIONS)
    except expr.ExprError:
        return set()  # reported by the form checker as an expression error
    return {path[0] for path in parsed.names() if path[0] in local_names}


def calculation_order(form_or_fields: Form | Sequence[Field]) -> list[Field]:
    """Calculated fields sorted so each comes after the fields it reads; ValueError on a cycle."""
    fields = form_or_fields.fields if isinstance(form_or_fields, Form) else form_or_fields
    calculated = {f.name: f for f in fields if f.is_calculated}
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for name, f in calculated.items():
        sorter.add(name, *(_dependencies(f, set(calculated))))
    try:
        return [calculated[name] for name in sorter.static_order()]
    except graphlib.CycleError as exc:
        cycle = " → ".join(str(n) for n in exc.args[1])
        raise ValueError(f"计算字段循环引用 / calculation cycle: {cycle}") from None
