"""The small expression language used in form definitions (show-if, constraints, calculations).

Why: office staff write these snippets in YAML, so running them with Python ``eval`` would let a
typo or a hostile file execute arbitrary code, and binary floats would get money wrong. The
language therefore has its own tokenizer, precedence-climbing parser and tree-walking evaluator:
numbers are ``decimal.Decimal``, null behaves as in SQL, division by zero gives null, and every
problem (syntax, unknown function, type mismatch, too deep or too long) is an ``ExprError`` that
the host can show to the user. Nothing here imports Qt.

The language as form authors see it: docs/form-language.md ("Expressions"); the grammar is in
``parser``. Inside, top to bottom: evaluator > functions > scope > parser | values > syntax >
tokenizer > errors (pyproject.toml keeps it so). Import the names below from here.
"""

from fieldapp.core.forms.expr.errors import ExprError, UnknownName
from fieldapp.core.forms.expr.evaluator import MAX_LENGTH, Expression, evaluate, parse
from fieldapp.core.forms.expr.functions import DEFAULT_FUNCTIONS, CallContext, FunctionSpec
from fieldapp.core.forms.expr.parser import MAX_DEPTH
from fieldapp.core.forms.expr.scope import MISSING, DictScope, Scope

__all__ = [
    "DEFAULT_FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MISSING",
    "CallContext",
    "DictScope",
    "ExprError",
    "Expression",
    "FunctionSpec",
    "Scope",
    "UnknownName",
    "evaluate",
    "parse",
]
