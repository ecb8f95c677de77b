"""Restricted Python for BPMN scripts, gateway conditions and timer expressions.

Source is compiled with RestrictedPython (whose policy is extended here to refuse ``import``
and ``class``) and run with a small set of builtins and guards. Whatever the sandbox refuses
raises :class:`SandboxError`, whose message says what is not allowed (and the line, if known).

Script helpers (in every script and expression; they work on ISO-8601 strings):

- ``now()`` -> current UTC time, e.g. ``'2026-11-27T22:00:00+00:00'`` (whole seconds)
- ``today()`` -> current UTC date, e.g. ``'2026-11-27'``
- ``parse_datetime(s)`` -> timezone-aware ``datetime`` (naive strings are read as UTC)
- ``add_duration(iso_datetime, iso_duration)`` -> ISO date-time string in UTC
- ``duration_seconds(iso_duration)`` -> float seconds (``P1Y``/``P1M`` measured from now)
- ``setting(name)`` -> a copy of a configured setting; an unknown name raises SandboxError
- any extra helpers given to :class:`SandboxedEnvironment`

Builtins: RestrictedPython's ``safe_builtins`` (without class building and the exceptions that
are not ``Exception`` subclasses) plus len, min, max, sum, sorted, any, all, abs, round, range,
enumerate, zip, list, dict, set, tuple, str, int, float, bool, isinstance.

Limits:
- Variables a script leaves must be plain data (None, bool, int, float, str, list, tuple,
  dict). datetime/timedelta are tolerated (SpiffWorkflow's serializer knows them), but
  scripts should store ISO strings. Other values raise SandboxError.
- RestrictedPython refuses ``d[k] += 1`` and ``o.x += 1``: write ``d[k] = d[k] + 1``.
- Every evaluation is bounded in time and memory, and a script in the data it leaves (see
  :mod:`app.engine.bounds`); going over a bound raises :class:`LimitExceeded`.
"""

from __future__ import annotations

import ast
import builtins
import copy
import operator
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import isodate
import RestrictedPython as rp
from RestrictedPython.transformer import INSPECT_ATTRIBUTES, RestrictingNodeTransformer
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from app.engine.bounds import Evaluation, Exceeded, Limits
from app.engine.memory import MEMORY, data_size

FILENAME = "<string>"  # PythonScriptEngine looks for this file name to find the failing line
_DROPPED = {"__build_class__", "BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit"}
BUILTINS: dict[str, Any] = {k: v for k, v in rp.safe_builtins.items() if k not in _DROPPED}
BUILTINS.update({name: getattr(builtins, name) for name in (
    "len min max sum sorted any all abs round range enumerate zip "
    "list dict set tuple str int float bool isinstance").split()})
_UNAVAILABLE = frozenset(dir(builtins)) - BUILTINS.keys()
#: BinOps that go through a size guard of the evaluation (see app.engine.bounds)
_GUARDED_OPS = {ast.Mult: "_mul_", ast.Pow: "_pow_", ast.LShift: "_lshift_", ast.Mod: "_mod_"}
_EVALUATION_NAMES = frozenset(("_tick_", "_getiter_", "_inplacevar_", "_format_",
                               *_GUARDED_OPS.values()))
_PLAIN_LEAVES = (type(None), bool, int, float, str, datetime, timedelta)
# TypeError texts of RestrictedPython's write guard (attribute/item writes on other objects)
_WRITE_DENIALS = ("attribute-less object (assign or del)",
                  "object does not support item or slice assignment")


class SandboxError(Exception):
    """A script or expression did something the sandbox does not allow."""


class _Denied(SandboxError):
    """A guard refused an operation while the code ran."""


class LimitExceeded(SandboxError):
    """An evaluation went over its time, memory or data bound."""


def _call(name: str, args: list[ast.expr], like: ast.AST) -> ast.Call:
    call = ast.copy_location(ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[]),
                             like)
    return ast.fix_missing_locations(call)


def _tick(like: ast.AST) -> ast.stmt:
    return ast.copy_location(ast.Expr(_call("_tick_", [], like)), like)


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, also refusing imports and class definitions, and calling
    the evaluation's bound guards: a tick in every loop, function and comprehension item, size
    checks around `*`, `**` and `<<`."""

    @staticmethod
    def _ticking(node: ast.While | ast.For | ast.FunctionDef) -> ast.AST:
        """The loop or function with a tick as the first statement of its body."""
        node.body.insert(0, _tick(node))
        return node

    def visit_While(self, node: ast.While) -> ast.AST:
        return self._ticking(super().visit_While(node))

    def visit_For(self, node: ast.For) -> ast.AST:
        return self._ticking(super().visit_For(node))

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return self._ticking(super().visit_FunctionDef(node))

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        node = super().visit_Lambda(node)
        node.body = _call("_tick_", [node.body], node.body)
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        node = super().visit_comprehension(node)
        node.ifs.insert(0, _call("_tick_", [], node.iter))
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        node = super().visit_FormattedValue(node)
        if node.format_spec is not None:  # f"{x:>{width}}": _format_ checks the widths
            node.value = _call("_format_", [node.value, ast.Constant(node.conversion),
                                            node.format_spec], node.value)
            node.conversion, node.format_spec = -1, None
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = super().visit_BinOp(node)
        guard = _GUARDED_OPS.get(type(node.op))
        return node if guard is None else _call(guard, [node.left, node.right], node)

    def visit_Import(self, node: ast.stmt) -> ast.AST:
        self.error(node, "import statements are not allowed.")
        return node

    visit_ImportFrom = visit_Import

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.error(node, "class definitions are not allowed.")
        return node


@lru_cache(maxsize=2048)
def _compile(source: str, mode: str) -> rp.CompileResult:
    """Compile once per (source, mode); problems are reported in ``errors``."""
    compiler = rp.compile_restricted_eval if mode == "eval" else rp.compile_restricted_exec
    return compiler(source, filename=FILENAME, dont_inherit=True, policy=_Policy)


def check_source(source: str, mode: str) -> str | None:
    """None if ``source`` compiles in the sandbox (mode "eval" or "exec"), else the problem."""
    if mode not in ("eval", "exec"):
        raise ValueError(f"mode must be 'eval' or 'exec', not {mode!r}")
    result = _compile(source, mode)
    if not result.errors and result.code is not None:
        return None
    return "; ".join(error.rstrip(".") for error in result.errors) or "cannot be compiled"


def _compiled(source: str, mode: str, what: str) -> Any:
    problem = check_source(source, mode)
    if problem is not None:
        kind = "has a syntax error" if "SyntaxError" in problem else "is not allowed"
        raise SandboxError(f"{what} {kind}: {problem}")
    return _compile(source, mode).code


def _getattr(obj: Any, name: str, default: Any = rp.Guards.raise_) -> Any:
    """RestrictedPython's safer_getattr, but a missing attribute raises (not None)."""
    try:
        return rp.Guards.safer_getattr(obj, name, default)
    except NotImplementedError as exc:  # str.format / format_map / string.Formatter
        raise _Denied(str(exc)) from None
    except AttributeError as exc:
        if name.startswith("_") or name in INSPECT_ATTRIBUTES:
            raise _Denied(str(exc)) from None
        raise


#: The guards every evaluation shares; each also gets its own (Evaluation.guards).
GUARDS: dict[str, Any] = {
    "__builtins__": BUILTINS, "_getattr_": _getattr, "_getitem_": operator.getitem,
    "_iter_unpack_sequence_": rp.Guards.guarded_iter_unpack_sequence,
    "_unpack_sequence_": rp.Guards.guarded_unpack_sequence,
    "_write_": rp.Guards.full_write_guard,
    "_apply_": lambda f, *a, **kw: f(*a, **kw), "_print_": rp.PrintCollector,
}


def parse_datetime(value: str) -> datetime:
    """Parse an ISO-8601 date or date-time; naive values are taken as UTC."""
    moment = datetime.fromisoformat(value.strip())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def now() -> str:
    """Current UTC time as an ISO-8601 string with offset, to whole seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def today() -> str:
    """Current UTC date as an ISO-8601 string."""
    return datetime.now(UTC).date().isoformat()


def add_duration(iso_datetime: str, iso_duration: str) -> str:
    """Add an ISO-8601 duration (P1Y, P60D, PT5S, ...) to a date-time; result in UTC."""
    moment = parse_datetime(iso_datetime) + isodate.parse_duration(iso_duration)
    return moment.astimezone(UTC).isoformat()


def duration_seconds(iso_duration: str) -> float:
    """Length of an ISO-8601 duration in seconds (years and months measured from now)."""
    start = datetime.now(UTC)
    return float(((start + isodate.parse_duration(iso_duration)) - start).total_seconds())


def _line_of(exc: BaseException) -> int | None:
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _plain_problem(value: Any, depth: int = 0) -> str | None:
    """Describe the first value inside ``value`` that is not plain data, or None."""
    if isinstance(value, _PLAIN_LEAVES) or depth > 50:
        return None
    if isinstance(value, list | tuple | dict):
        parts = [p for kv in value.items() for p in kv] if isinstance(value, dict) else value
        return next(filter(None, (_plain_problem(p, depth + 1) for p in parts)), None)
    return f"a {type(value).__name__} object"


class SandboxedEnvironment(BasePythonScriptEngineEnvironment):
    """TaskDataEnvironment semantics, run under RestrictedPython."""

    def __init__(self, settings: Mapping[str, Any] | None = None,
                 helpers: Mapping[str, Callable[..., Any]] | None = None) -> None:
        self.settings: dict[str, Any] = dict(settings or {})
        self.limits = Limits.from_settings(self.settings)
        script_helpers: dict[str, Callable[..., Any]] = {
            "now": now, "today": today, "parse_datetime": parse_datetime,
            "add_duration": add_duration, "duration_seconds": duration_seconds,
            "setting": self.setting}
        for name, func in (helpers or {}).items():
            if not name.isidentifier() or name.startswith("_") or not callable(func):
                raise ValueError(f"invalid script helper {name!r}")
            script_helpers[name] = func
        super().__init__({**script_helpers, **GUARDS})

    def setting(self, name: str) -> Any:
        """A copy of the named setting (scripts cannot change the configuration)."""
        if name not in self.settings:
            raise SandboxError(f"Unknown setting '{name}'")
        return copy.deepcopy(self.settings[name])

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: Mapping[str, Any] | None = None) -> Any:
        """Evaluate an expression over task data (the data is not changed)."""
        code = _compiled(expression, "eval", "Expression")
        scope = {**self.globals, **(external_context or {}), **context, **GUARDS}
        shown = expression if len(expression) <= 60 else expression[:57] + "..."
        return self._run(code, scope, "Expression", f"Expression {shown!r}")

    def execute(self, script: str, context: dict[str, Any],
                external_context: Mapping[str, Any] | None = None) -> bool:
        """Run a script with the task data as globals; its new variables stay in ``context``."""
        code = _compiled(script, "exec", "Script")
        external = dict(external_context or {})
        clashes = (self.globals.keys() | external.keys() | _EVALUATION_NAMES) & context.keys()
        if clashes:
            raise SandboxError(f"Task data overwrites predefined script names: {sorted(clashes)}")
        before = dict(context)
        context.update({**external, **self.globals})
        try:
            self._run(code, context, "Script")
        finally:  # like TaskDataEnvironment: drop builtins, helpers and functions
            for key in list(context):
                if key in self.globals or key in external or callable(context[key]):
                    context.pop(key)
        if data_size(context, self.limits.max_data) > self.limits.max_data:
            raise LimitExceeded(f"Script left {self.limits.too_much_data()} in the task")
        for key, value in context.items():
            problem = None if key in before and before[key] is value else _plain_problem(value)
            if problem:
                raise SandboxError(f"Script left {problem} in variable '{key}'; store plain "
                                   "data (str, int, float, bool, None, list, dict)")
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise SandboxError("service tasks are not available to sandboxed scripts")

    def _run(self, code: Any, scope: dict[str, Any], what: str, named: str = "") -> Any:
        """Run compiled code within the bounds, turning sandbox denials and bounds exceeded
        into SandboxError with the line; `named` names an expression in bound messages."""
        saved = MEMORY.enter(self.limits.memory)
        try:
            evaluation = Evaluation(self.limits, None if saved else MEMORY.resident())
            scope.update(evaluation.guards(BUILTINS, _getattr))
            return _evaluate(code, scope, evaluation, what, named)
        finally:
            MEMORY.leave(saved)


def _evaluate(code: Any, scope: dict[str, Any], evaluation: Evaluation, what: str,
              named: str) -> Any:
    try:
        result = eval(code, scope)  # noqa: S307 (restricted code; exec-mode code gives None)
    except (Exceeded, MemoryError) as exc:
        exceeded = evaluation.exceeded or evaluation.limits.too_big()
        line = None if named else _line_of(exc)  # expressions are one line
        raise LimitExceeded(f"{named or what} {exceeded}"
                            + (f" at line {line}" if line else "")) from None
    except (SandboxError, NameError, TypeError) as exc:
        _reraise_denial(exc, what)
    if evaluation.exceeded:  # the code caught it and went on
        raise LimitExceeded(f"{named or what} {evaluation.exceeded}")
    return result


def _reraise_denial(exc: Exception, what: str) -> None:
    """Raise a sandbox denial as SandboxError naming the line; anything else unchanged."""
    if isinstance(exc, NameError) and exc.name not in _UNAVAILABLE or \
            type(exc) is TypeError and str(exc) not in _WRITE_DENIALS:
        raise exc
    line = _line_of(exc)
    if isinstance(exc, NameError):
        message = f"{what} is not allowed: '{exc.name}' is not available in scripts"
    else:
        denied = isinstance(exc, _Denied | TypeError)
        message = f"{what} is not allowed: {exc}" if denied else str(exc)
    message += f" (line {line})" if line else ""
    raise SandboxError(message).with_traceback(exc.__traceback__) from exc


class SandboxedScriptEngine(PythonScriptEngine):
    """PythonScriptEngine whose exceptions keep the underlying error's message."""

    def evaluate(self, task: Any, expression: str,
                 external_context: Mapping[str, Any] | None = None) -> Any:
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except SpiffWorkflowException as exc:
            exc.add_note(f"Error evaluating expression '{expression}'")
            raise
        except LimitExceeded as exc:  # its message names the expression and the bound
            raise WorkflowTaskException(str(exc), task=task, exception=exc) from exc
        except Exception as exc:  # the base class drops the cause's message here
            raise WorkflowTaskException(
                f"Error evaluating expression '{expression}': {type(exc).__name__}: {exc}",
                task=task, exception=exc) from exc

    def create_task_exec_exception(self, task: Any, script: str, err: Exception) -> Exception:
        # the base class fails with TypeError when err.args[0] is not a str (KeyError(5))
        if isinstance(err, SpiffWorkflowException):
            return super().create_task_exec_exception(task, script, err)
        line_number, error_line = self.get_error_line_number_and_content(script, err)
        message = str(err) if isinstance(err, LimitExceeded) else f"{type(err).__name__}: {err}"
        return WorkflowTaskException(message, task=task, exception=err,
                                     line_number=line_number, error_line=error_line)

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        try:
            return self.environment.call_service(task.data, **kwargs)
        except Exception as exc:  # the base class fails with NameError 'script' here
            raise self.create_task_exec_exception(task, "", exc) from exc


def sandboxed_script_engine(settings: Mapping[str, Any] | None = None,
                            helpers: Mapping[str, Callable[..., Any]] | None = None
                            ) -> SandboxedScriptEngine:
    """A SpiffWorkflow script engine running everything in a SandboxedEnvironment."""
    return SandboxedScriptEngine(environment=SandboxedEnvironment(settings, helpers))
