"""The syntax tree: one small frozen node class per construct, and ``walk`` over it.

Why: the parser builds these nodes and the evaluator runs them, while ``walk`` lists a tree's names
and calls so a form can be checked (unknown functions, order of calculated fields) without running
anything. Left-associative runs (``a + b - c``, ``a and b and c``) are one flat node so long chains
do not nest deeply.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Literal:
    value: object
    pos: int


@dataclass(frozen=True, slots=True)
class ListNode:
    items: tuple[Node, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class Name:
    path: tuple[str, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node
    pos: int


@dataclass(frozen=True, slots=True)
class BoolOp:
    """``a and b and c`` (or ``or``) as one node, so long chains do not nest deeply."""

    op: str
    operands: tuple[Node, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class Chain:
    """``a + b - c`` (or ``* / %``) as one left-to-right node; rest is (op, op position, node)."""

    first: Node
    rest: tuple[tuple[str, int, Node], ...]
    pos: int


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Node, ...]
    pos: int


Node = Literal | ListNode | Name | Neg | Not | BoolOp | Chain | Compare | Call


def walk(root: Node) -> tuple[frozenset[tuple[str, ...]], tuple[tuple[str, int, int], ...]]:
    """Every name path, and every call as (name, argument count, position)."""
    names: set[tuple[str, ...]] = set()
    calls: list[tuple[str, int, int]] = []
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, Name):
            names.add(node.path)
        elif isinstance(node, Call):
            calls.append((node.name, len(node.args), node.pos))
            stack.extend(node.args)
        elif isinstance(node, ListNode):
            stack.extend(node.items)
        elif isinstance(node, Neg | Not):
            stack.append(node.operand)
        elif isinstance(node, BoolOp):
            stack.extend(node.operands)
        elif isinstance(node, Chain):
            stack.append(node.first)
            stack.extend(operand for _, _, operand in node.rest)
        elif isinstance(node, Compare):
            stack.extend((node.left, node.right))
    calls.sort(key=lambda call: call[2])
    return frozenset(names), tuple(calls)
