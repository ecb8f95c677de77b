"""A safe subset of FEEL for form-js `conditional.hide` expressions.

Supported: names (``key`` or dotted ``a.b`` into nested objects), string / number /
``true`` / ``false`` / ``null`` literals, ``=`` ``!=`` ``<`` ``<=`` ``>`` ``>=``,
``and``, ``or``, ``not(...)`` and parentheses. Parsed with a small recursive-descent
parser and evaluated by walking the tree: no eval, no exec.

Evaluation follows FEEL's three-valued logic: a missing name is null, comparing
incompatible values with ``<``/``>`` gives null, ``and``/``or``/``not`` give null for
non-boolean operands, and a field is hidden only when the expression is exactly true.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MAX_LENGTH = 2000
MAX_DEPTH = 50


class FormDefinitionError(Exception):
    """A form definition (or one of its expressions) is invalid; `problems` lists each issue."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems: list[str] = list(problems) if problems is not None else [message]


@dataclass(frozen=True)
class Lit:
    """A literal: str, int, float, bool or None."""

    value: Any


@dataclass(frozen=True)
class Var:
    """A name, possibly dotted, looked up in the data."""

    path: tuple[str, ...]


@dataclass(frozen=True)
class Not:
    """FEEL ``not(operand)``."""

    operand: Node


@dataclass(frozen=True)
class BoolOp:
    """``and`` / ``or`` over two or more operands."""

    op: str
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Compare:
    """A comparison ``left op right``."""

    op: str
    left: Node
    right: Node


Node = Lit | Var | Not | BoolOp | Compare

_TOKEN = re.compile(r"""
    (?P<num>\d+(?:\.\d+)?)
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)
  | (?P<op>!=|<=|>=|=|<|>|\(|\)|-)
""", re.VERBOSE | re.ASCII)
_KEYWORDS = {"and", "or", "not", "true", "false", "null"}
_COMPARISONS = {"=", "!=", "<", "<=", ">", ">="}
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "'": "'"}


@dataclass(frozen=True)
class _Token:
    kind: str  # num, str, name, kw, op
    text: str
    pos: int


def _tokenize(body: str, pos: int, fail: Any) -> list[_Token]:
    tokens: list[_Token] = []
    while pos < len(body):
        if body[pos].isspace():
            pos += 1
            continue
        match = _TOKEN.match(body, pos)
        if match is None:
            fail(f"unexpected character {body[pos]!r} at position {pos}")
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "name" and text in _KEYWORDS:
            kind = "kw"
        tokens.append(_Token(kind, text, pos))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, expr: str) -> None:
        self.expr = expr
        start = 1 if expr.startswith("=") else 0
        if not expr[start:].strip():
            self.fail("empty expression")
        if len(expr) > MAX_LENGTH:
            self.fail("expression is too long")
        self.tokens = _tokenize(expr, start, self.fail)
        self.pos = 0
        self.depth = 0

    def fail(self, detail: str) -> Any:
        raise FormDefinitionError(f"unsupported condition {self.expr!r}: {detail}")

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def accept(self, kind: str, text: str | None = None) -> _Token | None:
        tok = self.peek()
        if tok is not None and tok.kind == kind and (text is None or tok.text == text):
            self.pos += 1
            return tok
        return None

    def expect_op(self, text: str) -> None:
        if self.accept("op", text) is None:
            tok = self.peek()
            self.fail(f"expected {text!r} but found "
                      + (f"{tok.text!r} at position {tok.pos}" if tok else "end of expression"))

    def parse(self) -> Node:
        node = self.or_expr()
        tok = self.peek()
        if tok is not None:
            self.fail(f"unexpected {tok.text!r} at position {tok.pos}")
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.accept("kw", "or"):
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def and_expr(self) -> Node:
        items = [self.comparison()]
        while self.accept("kw", "and"):
            items.append(self.comparison())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items))

    def comparison(self) -> Node:
        left = self.operand()
        tok = self.peek()
        if tok is None or tok.kind != "op" or tok.text not in _COMPARISONS:
            return left
        self.pos += 1
        right = self.operand()
        nxt = self.peek()
        if nxt is not None and nxt.kind == "op" and nxt.text in _COMPARISONS:
            self.fail(f"chained comparison at position {nxt.pos}; use 'and'")
        return Compare(tok.text, left, right)

    def nested(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail("expression is nested too deeply")
        node = self.or_expr()
        self.expect_op(")")
        self.depth -= 1
        return node

    def operand(self) -> Node:
        tok = self.peek()
        if tok is None:
            return self.fail("unexpected end of expression")
        self.pos += 1
        if tok.kind == "num":
            return Lit(_number(tok.text))
        if tok.kind == "op" and tok.text == "-":
            num = self.accept("num")
            return Lit(-_number(num.text)) if num else self.fail(
                f"'-' must be followed by a number at position {tok.pos}")
        if tok.kind == "str":
            return Lit(self.string(tok))
        if tok.kind == "kw" and tok.text in ("true", "false", "null"):
            return Lit({"true": True, "false": False, "null": None}[tok.text])
        if tok.kind == "kw" and tok.text == "not":
            self.expect_op("(")
            return Not(self.nested())
        if tok.kind == "op" and tok.text == "(":
            return self.nested()
        if tok.kind == "name":
            if self.accept("op", "("):
                self.fail(f"function {tok.text!r} is not supported")
            return Var(tuple(tok.text.split(".")))
        return self.fail(f"unexpected {tok.text!r} at position {tok.pos}")

    def string(self, tok: _Token) -> str:
        def unescape(match: re.Match[str]) -> str:
            char = match.group(1)
            if char not in _ESCAPES:
                self.fail(f"unsupported escape '\\{char}' at position {tok.pos}")
            return _ESCAPES[char]

        return re.sub(r"\\(.)", unescape, tok.text[1:-1], flags=re.DOTALL)


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


@lru_cache(maxsize=1024)
def parse_condition(expr: str) -> Node:
    """Parse a condition (leading '=' optional); raise FormDefinitionError naming it."""
    if not isinstance(expr, str):
        raise FormDefinitionError(f"unsupported condition {expr!r}: not a string")
    return _Parser(expr).parse()


def evaluate_condition(expr: str, data: dict[str, Any]) -> bool:
    """True when the expression evaluates to exactly true against `data`."""
    return evaluate(parse_condition(expr), data) is True


def evaluate(node: Node, data: dict[str, Any]) -> Any:
    """Evaluate a parsed condition with FEEL-like null semantics."""
    if isinstance(node, Lit):
        return node.value
    if isinstance(node, Var):
        value: Any = data
        for part in node.path:
            value = value.get(part) if isinstance(value, dict) else None
        return value
    if isinstance(node, Not):
        value = evaluate(node.operand, data)
        return (not value) if isinstance(value, bool) else None
    if isinstance(node, BoolOp):
        values = [evaluate(item, data) for item in node.operands]
        decisive = node.op == "or"  # `or` is decided by a true operand, `and` by a false one
        if any(v is decisive for v in values):
            return decisive
        return (not decisive) if all(isinstance(v, bool) for v in values) else None
    left, right = evaluate(node.left, data), evaluate(node.right, data)
    if node.op in ("=", "!="):
        return _equal(left, right) == (node.op == "=")
    if not (_is_number(left) and _is_number(right)
            or isinstance(left, str) and isinstance(right, str)):
        return None
    return {"<": left < right, "<=": left <= right,
            ">": left > right, ">=": left >= right}[node.op]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equal(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    if type(left) is not type(right):
        return False
    return bool(left == right)


def bind_condition(node: Node, bound: Collection[str], context: dict[str, Any]) -> Node:
    """`node` with every name the submitted data cannot set (its first part not in `bound`)
    replaced by its value in `context`, and what that decides folded into a literal."""
    if isinstance(node, Lit):
        return node
    if isinstance(node, Var):
        return node if node.path[0] in bound else Lit(evaluate(node, context))
    if isinstance(node, Not):
        operand = bind_condition(node.operand, bound, context)
        return Lit(evaluate(Not(operand), {})) if isinstance(operand, Lit) else Not(operand)
    if isinstance(node, BoolOp):
        decisive = node.op == "or"
        items = tuple(bind_condition(item, bound, context) for item in node.operands)
        if any(isinstance(item, Lit) and item.value is decisive for item in items):
            return Lit(decisive)
        # a neutral operand (false in `or`, true in `and`) changes nothing; null does
        items = tuple(item for item in items
                      if not (isinstance(item, Lit) and item.value is (not decisive)))
        if not items:
            return Lit(not decisive)
        if all(isinstance(item, Lit) for item in items):
            return Lit(evaluate(BoolOp(node.op, items), {}))
        return items[0] if len(items) == 1 else BoolOp(node.op, items)
    left = bind_condition(node.left, bound, context)
    right = bind_condition(node.right, bound, context)
    if isinstance(left, Lit) and isinstance(right, Lit):
        return Lit(evaluate(Compare(node.op, left, right), {}))
    return Compare(node.op, left, right)


_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}
# JSON Schema keyword making `name op literal` true, and the one making it false.
_BOUNDS = {"<": ("exclusiveMaximum", "minimum"), "<=": ("maximum", "exclusiveMinimum"),
           ">": ("exclusiveMinimum", "maximum"), ">=": ("minimum", "exclusiveMaximum")}


def condition_schema(node: Node, names: Collection[str], truth: bool = True,
                     defaults: dict[str, Any] | None = None) -> Any:
    """A JSON Schema matching exactly the objects for which `node` evaluates to `truth`.

    Only names in `names` (keys of the same object) can be expressed; returns None when
    the condition cannot be translated (other names, name-to-name comparisons, ...). A name
    missing from the object is null, or its value in `defaults` (what the condition sees
    when the submission leaves it out).
    """
    defaults = defaults or {}
    if isinstance(node, Lit):
        return node.value is truth
    if isinstance(node, Var):
        if len(node.path) != 1 or node.path[0] not in names:
            return None
        return _atom(node, node.path[0], {"const": truth}, truth, defaults)
    if isinstance(node, Not):
        return condition_schema(node.operand, names, not truth, defaults)
    if isinstance(node, BoolOp):
        parts = [condition_schema(item, names, truth, defaults) for item in node.operands]
        if any(part is None for part in parts):
            return None
        return {"allOf" if (node.op == "and") == truth else "anyOf": parts}
    op, left, right = node.op, node.left, node.right
    if isinstance(left, Lit) and isinstance(right, Var):
        op, left, right = _FLIPPED[op], right, left
    if not (isinstance(left, Var) and isinstance(right, Lit)):
        return None
    if len(left.path) != 1 or left.path[0] not in names:
        return None
    name, value = left.path[0], right.value
    if op in ("=", "!="):
        value_schema: Any = {"const": value}
        if (op == "=") != truth:
            value_schema = {"not": value_schema}
    elif not _is_number(value):
        return None if isinstance(value, str) else False
    else:
        value_schema = {"type": "number", _BOUNDS[op][0 if truth else 1]: value}
    return _atom(Compare(op, left, right), name, value_schema, truth, defaults)


def _atom(node: Node, name: str, value_schema: Any, truth: bool,
          defaults: dict[str, Any]) -> dict[str, Any]:
    """`name`'s value must match `value_schema`; when it is left out, the condition sees its
    default (or null), so the name is required unless that default gives `truth`."""
    absent = {name: defaults[name]} if name in defaults else {}
    schema: dict[str, Any] = {"properties": {name: value_schema}}
    if evaluate(node, absent) is not truth:
        schema["required"] = [name]
    return schema


def names_in(node: Node) -> set[str]:
    """The top-level data names a condition reads (`a.b = 1` reads `a`)."""
    if isinstance(node, Var):
        return {node.path[0]}
    if isinstance(node, Not):
        return names_in(node.operand)
    if isinstance(node, BoolOp):
        return set().union(*(names_in(operand) for operand in node.operands))
    if isinstance(node, Compare):
        return names_in(node.left) | names_in(node.right)
    return set()
