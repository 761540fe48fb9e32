"""argparse's own words in Chinese: “用法：”, “选项”, “显示帮助信息并退出”, its error messages.

Our help texts are Chinese, but argparse wraps them in English ("usage:", "options:", "error:
the following arguments are required"). argparse looks its strings up through ``gettext`` under
the module-level names ``_`` and ``ngettext``; ``install()`` points those at this table (with
the English original as the fallback for anything not listed), so every parser and sub-parser of
the command line speaks Chinese. Only the ``fieldapp`` command calls it.
"""

from __future__ import annotations

import argparse

TEXTS: dict[str, str] = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "one of the arguments %s is required": "须给出以下参数之一：%s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多一个值",
    "expected at least one argument": "至少需要一个值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "invalid %(type)s value: %(value)r": "无效的 %(type)s 值：%(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项 %(value)r（可选：%(choices)s）",
    "ignored explicit argument %r": "多余的参数值 %r 被忽略",
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "没有子命令 %(parser_name)r（可用：%(choices)s）"
    ),
    "can't open '%(filename)s': %(error)s": "无法打开“%(filename)s”：%(error)s",
    "unexpected option string: %s": "意外的选项：%s",
}
PLURALS: dict[str, str] = {
    "expected %s argument": "需要 %s 个值",
    "conflicting option string: %s": "选项冲突：%s",
}


def chinese(text: str) -> str:
    return TEXTS.get(text, text)


def chinese_plural(singular: str, plural: str, n: int) -> str:
    return PLURALS.get(singular, singular if n == 1 else plural)


def install() -> None:
    """Make argparse speak Chinese (idempotent)."""
    module: object = argparse
    setattr(module, "_", chinese)  # noqa: B010 - argparse's own gettext name
    setattr(module, "ngettext", chinese_plural)  # noqa: B010
