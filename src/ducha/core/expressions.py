"""Arithmetic over data-element codes: ``PREG_REG + PREG_OUT - 2 * X``.

One parser, many operand types: the same expression evaluates over numbers (one report on entry),
pandas Series or Ibis columns (bulk), because only ``+ - * /``, numbers, parentheses and codes are
allowed. Anything else is rejected with a Chinese message.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")


class ExpressionError(ValueError):
    pass


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


@lru_cache(maxsize=512)
def parse(text: str) -> ast.expr:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"表达式“{text}”语法错误") from exc
    for node in ast.walk(tree):
        allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.USub, ast.UAdd, ast.Constant, ast.Name, ast.Load,
                   *_BINOPS)
        if not isinstance(node, allowed):
            raise ExpressionError(f"表达式“{text}”含不允许的内容：只能用数据元编码、数字和 + - * / ( )")
        if isinstance(node, ast.Name) and not CODE_RE.match(node.id):
            raise ExpressionError(f"表达式“{text}”中的“{node.id}”不是数据元编码（大写字母、数字、下划线）")
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
            raise ExpressionError(f"表达式“{text}”中只能使用数字常量")
    return tree.body  # type: ignore[attr-defined,no-any-return]


def codes_in(text: str) -> set[str]:
    return {n.id for n in ast.walk(parse(text)) if isinstance(n, ast.Name)}


def evaluate(text: str, lookup: Callable[[str], Any]) -> Any:
    """Evaluate ``text`` with ``lookup(code)`` giving each operand (number, Series, Ibis column…)."""

    def walk(node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return lookup(node.id)
        if isinstance(node, ast.UnaryOp):
            value = walk(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp):
            return _BINOPS[type(node.op)](walk(node.left), walk(node.right))
        raise ExpressionError("表达式无法计算")  # pragma: no cover - parse() already rejects it

    return walk(parse(text))
