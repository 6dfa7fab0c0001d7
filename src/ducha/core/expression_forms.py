"""Form validation of an expression (``ducha.core.expressions``) before it is saved.

Used by the admin forms of indicators and validation rules: a syntax error, a forbidden construct, a
division by the number 0 or a code that is not a data element becomes a Chinese field error, so nothing is
saved that the engine would later fail on (or silently compute as 0).
"""

from __future__ import annotations

import ast
from collections.abc import Collection

from django.core.exceptions import ValidationError

from ducha.core.expressions import ExpressionError, codes_in, parse


def divides_by_zero(text: str) -> bool:
    return any(isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)
               and isinstance(node.right, ast.Constant) and node.right.value == 0
               for node in ast.walk(parse(text)))


def clean_expression(text: str, known_codes: Collection[str] | None = None, *, kind: str = "数据元编码",
                     hint: str = "请检查拼写（区分大小写），或先在“数据元”中添加。") -> str:
    """``text`` stripped, or a ``ValidationError`` in Chinese naming what is wrong; empty text passes.

    Without ``known_codes`` only the syntax is checked; with them every code must be one of them (``kind``
    names what they are in the message, ``hint`` says what to do).
    """
    text = (text or "").strip()
    if not text:
        return text
    try:
        codes = codes_in(text)
        zero = divides_by_zero(text)
    except ExpressionError as exc:
        raise ValidationError(f"{exc}。", code="invalid_expression") from exc
    if zero:
        raise ValidationError(f"表达式“{text}”除以 0：每个单位都会得到无意义的结果。", code="division_by_zero")
    unknown = sorted(codes - set(known_codes)) if known_codes is not None else []
    if unknown:
        raise ValidationError(f"表达式“{text}”中的“{'”“'.join(unknown)}”不是已有的{kind}：{hint}",
                              code="unknown_code")
    return text
