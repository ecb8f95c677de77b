"""Time, memory and data bounds of sandboxed scripts, conditions and expressions (issue 15).

Every evaluation gets an :class:`Evaluation`: a deadline (``SAFEPORT_SCRIPT_TIMEOUT``) and a
memory bound (``SAFEPORT_SCRIPT_MEMORY_LIMIT``). The sandbox's AST transform makes the compiled
code call its guards, all cheap and in-process:

- ``_tick_`` at the top of every ``while``/``for`` body and function body, on every
  comprehension item and lambda call, and ``_getiter_`` at every loop start: each compares
  ``time.monotonic()`` with the deadline (about 0.1 us).
- ``_mul_``, ``_pow_``, ``_lshift_`` (and ``*=``, ``**=``, ``<<=`` via ``_inplacevar_``) refuse
  a result whose estimated size is over the memory bound (str/bytes/list/tuple repetition) or an
  integer of more than :data:`MAX_INT_BITS` bits; ``range``, ``pow``, ``round`` and ``sum`` are
  bounded the same way, and so are the string methods join, ljust, rjust, center, zfill,
  expandtabs and replace (through ``_getattr_``).
- While a script runs in the main thread, the process's address-space limit (``RLIMIT_AS``) is
  lowered to its current size plus the memory bound, so whatever else allocates too much
  (``%`` or f-string widths, a list grown in a loop, ``repr`` of a huge structure) fails with
  MemoryError. In other threads (see :class:`app.engine.memory.MemoryWindow` for why) the
  ticks also look at the process's resident size every millisecond and stop the code once it
  grew by the bound.

Once a bound is exceeded the evaluation stays exceeded: every later tick raises again, and the
result is refused even if the script caught the error. Task data is measured with
:func:`app.engine.memory.data_size`.
"""
from __future__ import annotations

import builtins
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from time import monotonic
from typing import Any

import isodate

from app.engine.memory import MEMORY

TIMEOUT_SETTING = "SAFEPORT_SCRIPT_TIMEOUT"
MEMORY_SETTING = "SAFEPORT_SCRIPT_MEMORY_LIMIT"
DATA_SETTING = "SAFEPORT_MAX_CASE_DATA"
DEFAULTS = {TIMEOUT_SETTING: "PT2S", MEMORY_SETTING: "256MiB", DATA_SETTING: "1MiB"}
#: Largest integer `*`, `**`, `<<`, pow() and round() may build (about 30,000 digits): big-int
#: arithmetic is superlinear, so this bounds the time of one operation, not only its memory.
MAX_INT_BITS = 100_000
#: pow(b, e, m): exponent bits x modulus bits (4096 x 4096 takes about 0.1 s).
POW_MOD_BUDGET = 1 << 24
#: A range() may have one element per this many bytes of the memory bound.
RANGE_BYTES_PER_ITEM = 32
#: Seconds between looks at the resident size (outside the main thread; about 2 us each).
RESIDENT_EVERY = 0.001
_UNITS = {"": 1, "B": 1, "KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30}
_SIZE = re.compile(r"\s*(\d+)\s*([KMG]iB|B)?\s*", re.IGNORECASE)


class Exceeded(BaseException):
    """A bound was exceeded (a BaseException, so a script's ``except Exception`` misses it)."""


def parse_size(value: int | str, name: str) -> int:
    """Bytes from an int or a string like "1048576", "512KiB", "256MiB", "1GiB"."""
    match = None if isinstance(value, int) else _SIZE.fullmatch(str(value))
    size = value if isinstance(value, int) else (
        int(match.group(1)) * _UNITS[(match.group(2) or "").upper()] if match else 0)
    if isinstance(size, bool) or size <= 0:
        raise ValueError(f"{name} must be a positive number of bytes, optionally with KiB, MiB "
                         f"or GiB (e.g. 256MiB), not {value!r}")
    return size


def format_size(size: int) -> str:
    """256 MiB, 64 KiB or 1000 bytes."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


@dataclass(frozen=True)
class Limits:
    """The bounds of one evaluation, parsed from the settings."""

    timeout: float  # seconds
    memory: int  # bytes
    max_data: int  # bytes of task data (as JSON)

    @staticmethod
    def from_settings(settings: Mapping[str, Any]) -> Limits:
        """Limits from the settings mapping; missing names take the defaults."""
        return _limits(*(str(settings.get(name, DEFAULTS[name])) for name in DEFAULTS))

    def timed_out(self) -> str:
        return f"ran longer than {self.timeout:g} s ({TIMEOUT_SETTING})"

    def too_big(self) -> str:
        return f"would use more than {format_size(self.memory)} ({MEMORY_SETTING})"

    def too_much_data(self) -> str:
        return f"more than {format_size(self.max_data)} of data ({DATA_SETTING})"


@lru_cache(maxsize=32)
def _limits(timeout: str, memory: str, max_data: str) -> Limits:
    try:
        duration = isodate.parse_duration(timeout)
    except (isodate.ISO8601Error, ValueError):
        duration = None
    if not isinstance(duration, timedelta) or duration.total_seconds() <= 0:
        raise ValueError(f"{TIMEOUT_SETTING} must be a positive ISO-8601 duration in days, "
                         f"hours, minutes or seconds (e.g. PT2S), not {timeout!r}")
    return Limits(duration.total_seconds(), parse_size(memory, MEMORY_SETTING),
                  parse_size(max_data, DATA_SETTING))


def _seq_bytes(seq: object) -> int | None:
    """Bytes per item of a sequence that repetition copies, or None for other values."""
    if isinstance(seq, str):
        return 1 if seq.isascii() else 4
    if isinstance(seq, bytes | bytearray):
        return 1
    if isinstance(seq, list | tuple):
        return 8
    return None


class Evaluation:
    """One evaluation's deadline and guards; the compiled code calls its bound methods."""

    __slots__ = ("limits", "deadline", "check_at", "resident", "exceeded", "_getattr")

    def __init__(self, limits: Limits, resident: int | None = None) -> None:
        """`resident`: the process's resident size now, to watch its growth while the code
        runs (when the address-space limit is not used)."""
        self.limits = limits
        self.deadline = monotonic() + limits.timeout
        self.resident = resident
        self.check_at = self.deadline if resident is None else \
            min(self.deadline, monotonic() + RESIDENT_EVERY)
        self.exceeded: str | None = None
        self._getattr: Callable[[Any, str], Any] = getattr

    def guards(self, base_builtins: Mapping[str, Any],
               base_getattr: Callable[[Any, str], Any]) -> dict[str, Any]:
        """The names the transformed code calls, and bounded builtins."""
        self._getattr = base_getattr
        return {
            "_getattr_": self.attribute,
            "_tick_": self.tick, "_getiter_": self.getiter, "_mul_": self.mul,
            "_pow_": self.power, "_lshift_": self.lshift, "_inplacevar_": self.inplace,
            "_mod_": self.mod, "_format_": self.format,
            "__builtins__": {**base_builtins, "range": self.range, "pow": self.pow,
                             "round": self.round, "sum": self.sum},
        }

    def fail(self, message: str) -> None:
        """Record the first bound exceeded and raise it; every later tick raises it again."""
        if self.exceeded is None:
            self.exceeded = message
        self.deadline = self.check_at = -math.inf
        raise Exceeded(self.exceeded)

    def tick(self, value: Any = True) -> Any:
        if monotonic() > self.check_at:
            self._check()
        return value

    def getiter(self, ob: Iterable[Any]) -> Any:
        if monotonic() > self.check_at:
            self._check()
        return iter(ob)

    def _check(self) -> None:
        now = monotonic()
        if now > self.deadline:
            self.fail(self.limits.timed_out())
        if self.resident is not None and \
                (MEMORY.resident() or 0) - self.resident > self.limits.memory:
            self.fail(self.limits.too_big())
        self.check_at = min(self.deadline, now + RESIDENT_EVERY)

    def _int_result(self, bits: float) -> None:
        if bits > MAX_INT_BITS:
            self.fail(self.limits.too_big() if bits / 8 > self.limits.memory else
                      f"would build an integer of more than {MAX_INT_BITS} bits")

    def _repeated(self, seq: object, times: object) -> None:
        per_item = _seq_bytes(seq)
        if per_item is not None and isinstance(times, int) and times > 1:
            if len(seq) * per_item * times > self.limits.memory:  # type: ignore[arg-type]
                self.fail(self.limits.too_big())

    def _check_mul(self, a: Any, b: Any) -> None:
        if isinstance(a, int) and isinstance(b, int):
            self._int_result(a.bit_length() + b.bit_length())
        elif isinstance(b, int):
            self._repeated(a, b)
        elif isinstance(a, int):
            self._repeated(b, a)

    def mul(self, a: Any, b: Any) -> Any:
        self._check_mul(a, b)
        return a * b

    def power(self, base: Any, exp: Any) -> Any:
        if isinstance(base, int) and isinstance(exp, int) and exp > 1 and abs(base) > 1:
            self._int_result(exp * math.log2(abs(base)))
        return base ** exp

    def lshift(self, a: Any, b: Any) -> Any:
        if isinstance(a, int) and isinstance(b, int) and a and b > 0:
            self._int_result(a.bit_length() + b)
        return a << b

    def _widths(self, text: str | bytes) -> None:
        """Refuse a format whose width or precision alone is over the memory bound."""
        digits = _DIGITS.findall(text) if isinstance(text, str) else \
            _DIGITS.findall(text.decode("latin-1"))
        if any(len(d) > 18 or int(d) > self.limits.memory for d in digits):
            self.fail(self.limits.too_big())

    def mod(self, a: Any, b: Any) -> Any:
        """`%`: printf-style formatting checks its widths (also those given by `*`)."""
        if isinstance(a, str | bytes):
            self._widths(a)
            star = "*" in a if isinstance(a, str) else b"*" in a
            if star and any(isinstance(v, int) and v > self.limits.memory
                            for v in (b if isinstance(b, tuple) else (b,))):
                self.fail(self.limits.too_big())
        return a % b

    def format(self, value: Any, conversion: int, spec: str) -> str:
        """An f-string field with a format spec: the spec's widths are checked first."""
        self._widths(spec)
        if conversion != -1:
            value = {115: str, 114: repr, 97: ascii}[conversion](value)
        return format(value, spec)

    def inplace(self, op: str, x: Any, y: Any) -> Any:
        if op == "*=":
            self._check_mul(x, y)
        elif op == "**=":
            return self.power(x, y)
        elif op == "<<=":
            return self.lshift(x, y)
        elif op == "%=":
            return self.mod(x, y)
        return _INPLACE_OPS[op](x, y)

    def range(self, *args: int) -> range:
        result = range(*args)
        most = self.limits.memory // RANGE_BYTES_PER_ITEM
        try:
            size = len(result)
        except OverflowError:  # longer than sys.maxsize
            size = most + 1
        if size > most:
            self.fail(f"would use a range of more than {most} items (one per "
                      f"{RANGE_BYTES_PER_ITEM} bytes of {MEMORY_SETTING})")
        return result

    def pow(self, base: Any, exp: Any, mod: Any = None) -> Any:
        if mod is None:
            return self.power(base, exp)
        if isinstance(exp, int) and isinstance(mod, int) and \
                exp.bit_length() * mod.bit_length() > POW_MOD_BUDGET:
            self.fail(f"pow() with a {exp.bit_length()}-bit exponent and a "
                      f"{mod.bit_length()}-bit modulus takes too long")
        return builtins.pow(base, exp, mod)

    def round(self, number: Any, ndigits: Any = None) -> Any:
        if isinstance(ndigits, int) and ndigits < 0:
            self._int_result(-ndigits * math.log2(10))
        return builtins.round(number, ndigits)

    def attribute(self, obj: Any, name: str) -> Any:
        """The sandbox's attribute guard; string methods that can build far more than they
        are given (join, ljust, replace, ...) check the size of their result first."""
        value = self._getattr(obj, name)
        if name in _TEXT_METHODS and (isinstance(obj, _TEXT) or obj is str or obj is bytes):
            bound = not isinstance(obj, type)

            def sized(*args: Any) -> Any:
                text, rest = (obj, args) if bound else (args[0], args[1:])
                if isinstance(text, _TEXT):
                    if name == "join" and rest:  # read the items here, counting as they come
                        rest = (self._join_items(rest[0]),)
                    size = _text_result_size(name, text, rest)
                    if size * (1 if isinstance(text, bytes) or text.isascii() else 4) > \
                            self.limits.memory:
                        self.fail(self.limits.too_big())
                return value(*rest) if bound else value(text, *rest)

            return sized
        if name == "to_bytes" and (isinstance(obj, int) or obj is int):
            skip = 1 if obj is int else 0  # int.to_bytes(n, length) or n.to_bytes(length)

            def sized_bytes(*args: Any, **kwargs: Any) -> Any:
                length = kwargs.get("length", args[skip] if len(args) > skip else 1)
                if isinstance(length, int) and length > self.limits.memory:
                    self.fail(self.limits.too_big())
                return value(*args, **kwargs)

            return sized_bytes
        return value

    def _join_items(self, iterable: Iterable[Any]) -> list[Any]:
        items: list[Any] = []
        total = 0
        for item in iterable:
            items.append(item)
            if isinstance(item, _TEXT):
                total += len(item)
                if total > self.limits.memory:
                    self.fail(self.limits.too_big())
        return items

    def sum(self, iterable: Iterable[Any], /, start: Any = 0) -> Any:
        if isinstance(start, int | float | complex):
            return builtins.sum(iterable, start)
        total = start  # lists or tuples: one guarded step per item
        for item in iterable:
            self.tick()
            total = total + item
        return total


_DIGITS = re.compile(r"\d+")
_TEXT = (str, bytes, bytearray)
_TEXT_METHODS = frozenset(("join", "ljust", "rjust", "center", "zfill", "expandtabs", "replace"))


def _text_result_size(name: str, text: Any, args: tuple[Any, ...]) -> int:
    """Characters (or bytes) the string method `name` would return; 0 when arguments are odd
    (the method itself then raises)."""
    try:
        if name == "join":
            items = args[0]
            return sum(map(len, items)) + len(text) * max(len(items) - 1, 0)
        if name == "expandtabs":
            tab = "\t" if isinstance(text, str) else b"\t"
            return len(text) + text.count(tab) * int(args[0] if args else 8)
        if name == "replace":
            old, new = args[0], args[1]
            count = text.count(old) if old else len(text) + 1
            if len(args) > 2 and args[2] >= 0:
                count = min(count, args[2])
            return len(text) + count * (len(new) - len(old))
        return max(len(text), int(args[0]))  # ljust, rjust, center, zfill: the width
    except (TypeError, ValueError, IndexError, OverflowError):
        return 0


_INPLACE_OPS: dict[str, Callable[[Any, Any], Any]] = {
    f"{symbol}=": getattr(operator, f"i{name}") for symbol, name in (
        ("+", "add"), ("-", "sub"), ("*", "mul"), ("/", "truediv"), ("//", "floordiv"),
        ("%", "mod"), ("**", "pow"), ("<<", "lshift"), (">>", "rshift"), ("&", "and"),
        ("|", "or"), ("^", "xor"), ("@", "matmul"))}
