"""Conditions of the form language in plain Chinese, for people who fill in spreadsheets.

The forms say when a field applies as an expression (``health == '残疾'``,
``employer_nature in ['国有企业', '集体企业']``). Office staff reading the import template must see
“健康状况为“残疾”时填写”, not the expression. The common shapes (comparisons with a value, ``in``
a list, ``selected(...)``, ``and``/``or``/``not``) are put into words with the fields' labels
and the options' labels; anything else becomes a neutral “满足条件时填写”.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from fieldapp.core.forms.expr import syntax
from fieldapp.core.forms.expr.errors import ExprError
from fieldapp.core.forms.expr.evaluator import parse
from fieldapp.core.forms.model import Field

FALLBACK = "满足条件时填写"
COMPARE_WORDS = {
    "==": "为",
    "!=": "不是",
    ">": "大于",
    ">=": "不小于",
    "<": "小于",
    "<=": "不大于",
}


class _Unsaid(Exception):
    """A shape this module does not put into words."""


Fields = Mapping[str, Field]


def _field(form: Fields, node: syntax.Node) -> Field:
    if isinstance(node, syntax.Name) and len(node.path) == 1:
        found = form.get(node.path[0])
        if found is not None:
            return found
    raise _Unsaid


def _value(field: Field, node: syntax.Node) -> str:
    if not isinstance(node, syntax.Literal) or node.value is None:
        raise _Unsaid
    text = str(node.value)
    return f"“{field.option_label(text)}”" if field.options else text


def _say(form: Fields, node: syntax.Node) -> str:
    if isinstance(node, syntax.BoolOp):
        joiner = "且" if node.op == "and" else "或"
        return joiner.join(_say(form, operand) for operand in node.operands)
    if isinstance(node, syntax.Not):
        return f"并非（{_say(form, node.operand)}）"
    if isinstance(node, syntax.Compare):
        field = _field(form, node.left)
        if node.op == "in" and isinstance(node.right, syntax.ListNode):
            values = "、".join(_value(field, item) for item in node.right.items)
            return f"“{field.label}”为{values}之一"
        if node.op == "not in" and isinstance(node.right, syntax.ListNode):
            values = "、".join(_value(field, item) for item in node.right.items)
            return f"“{field.label}”不是{values}"
        if node.op in COMPARE_WORDS:
            return f"“{field.label}”{COMPARE_WORDS[node.op]}{_value(field, node.right)}"
    if isinstance(node, syntax.Call) and node.name == "selected" and len(node.args) == 2:
        field = _field(form, node.args[0])
        return f"“{field.label}”选了{_value(field, node.args[1])}"
    raise _Unsaid


def plain_condition(expression: str, fields: Iterable[Field]) -> str:
    """“…时填写” for a ``relevant`` expression over ``fields`` (a form's, or a repeat's columns);
    FALLBACK when it cannot be said."""
    try:
        root = parse(expression)._root
        return _say({f.name: f for f in fields}, root) + "时填写"
    except (ExprError, _Unsaid):
        return FALLBACK
