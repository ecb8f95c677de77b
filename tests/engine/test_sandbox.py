"""Tests for the RestrictedPython sandbox used for BPMN scripts and expressions."""

import re
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from app.engine.sandbox import (
    SandboxedEnvironment,
    SandboxError,
    add_duration,
    check_source,
    duration_seconds,
    now,
    parse_datetime,
    sandboxed_script_engine,
    today,
)

pytestmark = pytest.mark.database_agnostic


@pytest.fixture
def env() -> SandboxedEnvironment:
    return SandboxedEnvironment(settings={"review_days": 30, "queues": ["a", "b"]})


def run(env: SandboxedEnvironment, script: str, **data: object) -> dict:
    env.execute(script, data)
    return data


# --- ordinary scripts and expressions -------------------------------------------------------

def test_plain_script_features(env: SandboxedEnvironment) -> None:
    data = run(env, """
total = 0
for i, item in enumerate(items):
    total += item["qty"]
count = 1
count *= 3
label = "n"
label += "x"
names = [item["name"].upper() for item in items if item["qty"] > 1]
by_name = {item["name"]: item["qty"] for item in items}
pairs = list(zip([1, 2], ["a", "b"]))
a, (b, c) = 1, (2, 3)
summary = f"{label}: {total:>4} {names!r}"
by_name["extra"] = 1
items.append({"name": "z", "qty": 0})
def double(x, *rest, **kw):
    return x * 2 + sum(rest) + len(kw)
doubled = double(*[2, 1], **{"k": 0})
top = sorted(by_name, key=lambda k: -by_name[k])[0]
flags = [any([False, True]), all([]), isinstance(total, int), round(2.5), abs(-1)]
""", items=[{"name": "bolt", "qty": 4}, {"name": "nut", "qty": 1}])
    assert data["total"] == 5 and data["count"] == 3 and data["label"] == "nx"
    assert data["names"] == ["BOLT"] and data["by_name"] == {"bolt": 4, "nut": 1, "extra": 1}
    assert data["pairs"] == [(1, "a"), (2, "b")] and (data["a"], data["b"], data["c"]) == (1, 2, 3)
    assert data["summary"] == "nx:    5 ['BOLT']"
    assert len(data["items"]) == 3 and data["doubled"] == 6 and data["top"] == "bolt"
    assert data["flags"] == [True, True, True, 2, 1]
    # functions, helpers, guards and builtins do not stay in the task data
    assert "double" not in data and "now" not in data and "__builtins__" not in data
    assert not any(key.startswith("_") for key in data)


def test_print_is_harmless(env: SandboxedEnvironment) -> None:
    assert run(env, 'print("hello")\nx = 1') == {"x": 1}


def test_helpers_in_scripts(env: SandboxedEnvironment) -> None:
    data = run(env, """
started = now()
day = today()
due = add_duration("2026-01-31T10:00:00+02:00", "P60D")
soon = add_duration(started, "PT5S")
left = (parse_datetime(due) - parse_datetime("2026-03-01T00:00:00Z")).days
seconds = duration_seconds("PT1M30S")
review = f"P{setting('review_days')}D"
queue = setting("queues")[1]
""")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", data["started"])
    assert data["day"] == datetime.now(UTC).date().isoformat()
    assert data["due"] == "2026-04-01T08:00:00+00:00" and data["left"] == 31
    assert data["seconds"] == 90.0 and data["review"] == "P30D" and data["queue"] == "b"


def test_helper_functions_directly() -> None:
    assert parse_datetime("2026-11-27T22:00:00").tzinfo is UTC
    assert parse_datetime("2026-11-27T22:00:00+01:00").utcoffset() == timedelta(hours=1)
    assert add_duration("2026-11-27T22:00:00Z", "PT5S") == "2026-11-27T22:00:05+00:00"
    assert add_duration("2024-02-29", "P1Y") == "2025-02-28T00:00:00+00:00"
    assert duration_seconds("P60D") == 60 * 86400
    assert duration_seconds("P1Y") in (365 * 86400.0, 366 * 86400.0)
    assert abs(parse_datetime(now()) - datetime.now(UTC)) < timedelta(seconds=5)
    assert today() == datetime.now(UTC).date().isoformat()


def test_settings_and_extra_helpers() -> None:
    env = SandboxedEnvironment({"limits": {"max": 3}}, helpers={"shout": lambda s: s.upper()})
    data = run(env, 'limits = setting("limits")\nlimits["max"] = 9\nloud = shout("hi")')
    assert data == {"limits": {"max": 9}, "loud": "HI"}
    assert env.settings["limits"] == {"max": 3}  # scripts get copies
    with pytest.raises(SandboxError, match="Unknown setting 'missing'"):
        env.evaluate('setting("missing")', {})
    with pytest.raises(ValueError):
        SandboxedEnvironment(helpers={"_hidden": len})


def test_evaluate(env: SandboxedEnvironment) -> None:
    data = {"amount": 12, "status": "open"}
    assert env.evaluate('amount > 10 and status == "open"', data) is True
    assert env.evaluate('f"P{setting(\'review_days\')}D"', data) == "P30D"
    assert env.evaluate("[x * 2 for x in range(3)]", data) == [0, 2, 4]
    assert env.evaluate("obj_count + amount", data, {"obj_count": 1}) == 13
    assert env.evaluate("add_duration(now(), 'PT1S') > now()", data) is True
    assert data == {"amount": 12, "status": "open"}


def test_ordinary_errors_keep_their_type(env: SandboxedEnvironment) -> None:
    with pytest.raises(ZeroDivisionError):
        run(env, "x = 1 / 0")
    with pytest.raises(NameError):
        run(env, "x = undefined_variable")
    with pytest.raises(AttributeError):
        run(env, "x = [].nope")


def test_non_plain_values_are_refused(env: SandboxedEnvironment) -> None:
    for script in ("z = zip([1], [2])", "r = range(3)", "d = parse_datetime(now()).date()",
                   "n = [1, {'k': range(2)}]", "t = list.mro()"):
        with pytest.raises(SandboxError, match="store plain data"):
            run(env, script)


def test_task_data_may_not_shadow_helpers(env: SandboxedEnvironment) -> None:
    with pytest.raises(SandboxError, match="now"):
        run(env, "x = 1", now="yesterday")


# --- escapes --------------------------------------------------------------------------------

ESCAPES = [
    ("import os", "import statements are not allowed"),
    ("from os import path", "import statements are not allowed"),
    ("x = __import__('os')", '"__import__" is an invalid variable name'),
    ("x = open('/etc/passwd').read()", "'open' is not available"),
    ("exec('x = 1')", "Exec calls are not allowed"),
    ("x = eval('1')", "Eval calls are not allowed"),
    ("x = compile('1', 'f', 'eval')", "'compile' is not available"),
    ("x = ().__class__.__bases__[0].__subclasses__()", '"__class__" is an invalid attribute'),
    ("x = int.mro()[-1].__subclasses__()", '"__subclasses__" is an invalid attribute'),
    ("x = getattr(1, '__class__')", "'getattr' is not available"),
    ("x = '{0.__class__}'.format(1)", "format"),
    ("x = str.format('{0.__class__}', 1)", "format"),
    ("x = '{a.__class__}'.format_map({'a': 1})", "format"),
    ("g = (x for x in [])\nf = g.gi_frame.f_globals", '"gi_frame" is a restricted name'),
    ("f = lambda a=().__class__: a", '"__class__" is an invalid attribute'),
    ("f = lambda g=globals(): g\nx = f()", "'globals' is not available"),
    ("f = lambda: 0\nx = f.__globals__", '"__globals__" is an invalid attribute'),
    ("x = now.__globals__", '"__globals__" is an invalid attribute'),
    ("x = type(1)", "'type' is not available"),
    ("D = type('D', (dict,), {})", "'type' is not available"),
    ("x = vars()", "'vars' is not available"),
    ("x = globals()", "'globals' is not available"),
    ("x = __builtins__", '"__builtins__" is an invalid variable name'),
    ("class D(dict):\n    pass", "class definitions are not allowed"),
    ("try:\n    1 / 0\nexcept Exception as e:\n    t = e.__traceback__", '"__traceback__"'),
    ("raise SystemExit(1)", "'SystemExit' is not available"),
    ("setattr(now, 'x', 1)", "attribute-less object"),
    ("x = [1]\nx.append.y = 1", "attribute-less object"),
]


@pytest.mark.parametrize(("script", "message"), ESCAPES)
def test_escapes_raise_sandbox_error(env: SandboxedEnvironment, script: str,
                                     message: str) -> None:
    with pytest.raises(SandboxError, match="not allowed") as info:
        run(env, script)
    assert message in str(info.value)


@pytest.mark.parametrize("expression", [
    "__import__('os')", "open('/etc/passwd')", "().__class__", "'{0.__class__}'.format(1)",
    "type(1)", "(x for x in []).gi_frame", "globals()", "eval('1')",
])
def test_escapes_in_expressions(env: SandboxedEnvironment, expression: str) -> None:
    with pytest.raises(SandboxError, match="Expression (is|has)"):
        env.evaluate(expression, {})


def test_runtime_denials_name_the_line(env: SandboxedEnvironment) -> None:
    with pytest.raises(SandboxError, match=r"'open' is not available in scripts \(line 3\)"):
        run(env, "x = 1\ny = 2\nz = open('f')")


def test_syntax_errors(env: SandboxedEnvironment) -> None:
    with pytest.raises(SandboxError, match="Script has a syntax error: Line 2"):
        run(env, "x = 1\ny = (")


def test_check_source() -> None:
    assert check_source("x = [i for i in range(3)]\nx += [1]", "exec") is None
    assert check_source("amount > 3", "eval") is None
    assert check_source("import os", "exec") == "Line 1: import statements are not allowed"
    assert "Line 2" in check_source("x = 1\nx.__class__", "exec")
    assert "SyntaxError" in check_source("x = 1", "eval")
    assert "SyntaxError" in check_source("'PT1S", "eval")
    with pytest.raises(ValueError):
        check_source("1", "single")


# --- inside SpiffWorkflow -------------------------------------------------------------------

def bpmn(script: str, condition: str = "True") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="defs" targetNamespace="http://example.com/safeport">
  <bpmn:process id="proc" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="script"/>
    <bpmn:scriptTask id="script" name="Script">
      <bpmn:script>{escape(script)}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="script" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" default="f4"/>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="yes">
      <bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="no"/>
    <bpmn:endEvent id="yes"/>
    <bpmn:endEvent id="no"/>
  </bpmn:process>
</bpmn:definitions>"""


def start_workflow(script: str, condition: str = "True") -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(bpmn(script, condition).encode())
    workflow = BpmnWorkflow(parser.get_spec("proc"), script_engine=sandboxed_script_engine(
        settings={"limit": 3}))
    workflow.do_engine_steps()
    return workflow


def test_bpmn_script_task_runs_in_sandbox() -> None:
    workflow = start_workflow(
        'total = 0\nfor n in [1, 2, 3]:\n    total += n\ndue = add_duration(now(), "P1D")',
        condition="total > setting('limit')")
    assert workflow.is_completed()
    assert workflow.data["total"] == 6 and workflow.data["due"] > now()
    assert "yes" in {task.task_spec.name for task in workflow.get_tasks()}


def test_bpmn_import_is_refused() -> None:
    with pytest.raises(Exception, match="import statements are not allowed") as info:
        start_workflow("import os\nos.system('true')")
    assert "SandboxError" in str(info.value)


def test_bpmn_runtime_denial_keeps_message_and_line() -> None:
    with pytest.raises(Exception, match="'open' is not available in scripts") as info:
        start_workflow("x = 1\ndata = open('/etc/passwd').read()")
    assert info.value.line_number == 2


def test_bpmn_condition_error_keeps_message() -> None:
    # the stock PythonScriptEngine reports only "Error evaluating expression ..." here
    with pytest.raises(Exception, match="'type' is not available") as info:
        start_workflow("x = 1", condition="type(x) == int")
    assert "Error evaluating expression" in str(info.value)


def test_bpmn_non_string_error_argument() -> None:
    # the stock PythonScriptEngine fails with TypeError building the message for KeyError(5)
    with pytest.raises(Exception, match="KeyError: 5"):
        start_workflow("d = {}\nx = d[5]")
