"""The one exception type of the expression language, and how messages and positions are made.

Why a module of its own: every stage (tokenizer, parser, value rules, functions, evaluator) raises
these, and the host catches only ``ExprError`` to show the user a bilingual message with a line
and column. Keeping them at the bottom lets every other module import them without a cycle.
"""

from __future__ import annotations


class ExprError(Exception):
    """Any problem with an expression. ``position`` is a 0-based offset into ``source``."""

    def __init__(
        self, message: str, position: int | None = None, source: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.source = source

    @property
    def line(self) -> int | None:
        """1-based line of the error, if known."""
        if self.position is None:
            return None
        return (self.source or "").count("\n", 0, self.position) + 1

    @property
    def column(self) -> int | None:
        """1-based column (within its line) of the error, if known."""
        if self.position is None:
            return None
        start = (self.source or "").rfind("\n", 0, self.position) + 1
        return self.position - start + 1

    def __str__(self) -> str:
        if self.position is None:
            return self.message
        if self.source is not None and "\n" in self.source:
            return (
                f"{self.message} (line {self.line}, column {self.column}"
                f" / 第 {self.line} 行第 {self.column} 列)"
            )
        return f"{self.message} (column {self.column} / 第 {self.column} 列)"


class UnknownName(ExprError):
    """A name that the scope does not know."""

    def __init__(self, path: tuple[str, ...], hint: str = "") -> None:
        dotted = ".".join(path)
        super().__init__(f"unknown name '{dotted}' / 未知名称 {dotted}{hint}")
        self.path = path


def fail(en: str, zh: str) -> ExprError:
    """An error without a position yet ("English / 中文"); the evaluator adds one (``locate``)."""
    return ExprError(f"{en} / {zh}")


def locate(exc: ExprError, position: int, source: str) -> None:
    """Give ``exc`` the position of the node that raised it, unless a deeper node already did."""
    if exc.position is None:
        exc.position = position
        exc.source = source
