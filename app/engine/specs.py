"""Deploy-time parsing and validation of BPMN files into storable process packages.

Everything a designer can get wrong is reported as a list of problems, never a stack trace.
"""
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask as ServiceTaskMixin
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import UserTask

from app.engine import decisions as dmn
from app.engine.connectivity import disconnected
from app.engine.layout import with_layout
from app.engine.roles import DEFAULT_ROLE, lane_to_role
from app.engine.sandbox import SandboxedEnvironment, SandboxError, check_source
from app.engine.serializer import spec_to_json
from app.engine.timers import parse_timer_value
from app.engine.xmlsafe import UnsafeXmlError, parse_xml

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
#: who may start a process that does not say (`startableBy`): staff only
DEFAULT_STARTERS = ("case_worker",)


@dataclass(frozen=True)
class ProcessSettings:
    """What a process element says about itself in its properties and start event."""

    default_role: str = DEFAULT_ROLE
    startable_by: tuple[str, ...] = DEFAULT_STARTERS
    start_form: str | None = None


@dataclass(frozen=True)
class Problem:
    """One reason a deployment was refused, pointing at a file and element when known."""

    message: str
    file: str | None = None
    element_id: str | None = None
    line: int | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if v is not None}


class DeployError(Exception):
    """The diagrams cannot be deployed; `problems` lists every reason found."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass
class ProcessPackage:
    """One executable process ready to store as a version."""

    process_id: str
    name: str
    files: dict[str, str]
    spec_json: str
    form_keys: list[str]
    default_role: str
    user_task_ids: list[str] = field(default_factory=list)
    #: roles that may start a case of this process (`startableBy`; admins always may)
    startable_by: tuple[str, ...] = DEFAULT_STARTERS
    #: the form start data must fill (the start event's `formKey`); None: no start data
    start_form: str | None = None

    def content_hash(self, forms: dict[str, object]) -> str:
        """Hash of everything that makes this version behave as it does: the parsed process
        (not the XML text, so moving shapes or reordering attributes changes nothing), its
        forms and settings. A layout change that reorders a gateway's outgoing flows (the
        engine tries them top to bottom) does change the parsed process, so it counts."""
        digest = hashlib.sha256()
        payload = {"spec": behaviour_of(self.spec_json), "forms": forms,
                   "default_role": self.default_role, "startable_by": list(self.startable_by),
                   "start_form": self.start_form}
        digest.update(json.dumps(payload, sort_keys=True).encode())
        return digest.hexdigest()


def behaviour_of(spec_json: str) -> dict:
    """A stored spec as plain data to compare by meaning: the parsed processes and the default
    roles of those it runs (versions stored before 2026-12 kept the whole deployment's)."""
    data = json.loads(spec_json)
    runs = {data["spec"].get("name"), *data.get("subprocess_specs", {})}
    data["default_roles"] = {k: v for k, v in data.get("default_roles", {}).items() if k in runs}
    return data


def _properties(node) -> dict[str, str]:
    props = node.findall(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}properties/"
                         f"{{{SPIFF_NS}}}property")
    return {p.get("name"): p.get("value") for p in props if p.get("name")}


def task_properties(task_spec) -> dict[str, str]:
    """The spiffworkflow:properties of a task spec (formKey, priority, dueIn...)."""
    return dict((getattr(task_spec, "extensions", None) or {}).get("properties") or {})


def form_key_of(task_spec) -> str:
    """The form a user task shows: its `formKey` property, else its BPMN id."""
    return task_properties(task_spec).get("formKey") or task_spec.bpmn_id


def _spec_expressions(task_spec) -> Iterable[tuple[str, str, str]]:
    """Yield (what, source, mode) for every script and expression of a task spec."""
    if getattr(task_spec, "script", None):
        yield "script", task_spec.script, "exec"
    for attr in ("prescript", "postscript"):
        if getattr(task_spec, attr, None):
            yield attr, getattr(task_spec, attr), "exec"
    for condition, _target in getattr(task_spec, "cond_task_specs", []) or []:
        if condition is not None:  # SpiffWorkflow wraps the expression in a _BpmnCondition
            source = condition if isinstance(condition, str) else condition.args[0]
            yield "condition", source, "eval"
    event = getattr(task_spec, "event_definition", None)
    if event is not None and getattr(event, "expression", None):
        yield "timer" if isinstance(event, TimerEventDefinition) else "expression", \
            event.expression, "eval"
    due = task_properties(task_spec).get("dueIn")
    if due:
        yield "dueIn", due, "eval"


def _check_timer(source: str, settings: dict) -> str | None:
    """Evaluate a timer expression over empty data; data-dependent ones are accepted."""
    try:
        value = SandboxedEnvironment(settings).evaluate(source, {})
    except NameError:
        return None  # depends on task data: only the running case can tell
    except SandboxError as err:
        return str(err)
    except Exception as err:  # any other failure of the expression itself
        return f"{type(err).__name__}: {err}"
    try:
        parse_timer_value(value)
    except ValueError as err:
        return str(err)
    return None


class _Checker:
    """Collects every problem of a deployment; each spec and each form is checked once."""

    def __init__(self, roles, check_form, settings):
        self.roles, self.settings = roles, settings
        self._check_form = check_form
        self._forms: dict[str, str | None] = {}
        self._checked: set[str] = set()
        self.problems: list[Problem] = []

    def add(self, message, file=None, element_id=None, line=None):
        self.problems.append(Problem(message, file, element_id, line))

    def form_problem(self, form_key: str) -> str | None:
        """What is wrong with a form (None when it exists and is valid), asked once per key."""
        if form_key not in self._forms:
            self._forms[form_key] = self._check_form(form_key)
        return self._forms[form_key]

    def check_spec(self, spec, default_role: str) -> None:
        if spec.name in self._checked:
            return
        self._checked.add(spec.name)
        for task_spec in spec.task_specs.values():
            file = spec.file
            for what, source, mode in _spec_expressions(task_spec):
                problem = check_source(source, mode)
                if problem is None and what in ("timer", "dueIn"):
                    problem = _check_timer(source, self.settings)
                if problem:
                    self.add(f"{what} of '{task_spec.bpmn_id}': {problem}", file,
                             task_spec.bpmn_id)
            if isinstance(task_spec, ServiceTaskMixin):
                self.add(f"service task '{task_spec.bpmn_id}' cannot be executed by SafePort "
                         "(it calls no external services): model it as a script task or a "
                         "user task", file, task_spec.bpmn_id)
            if isinstance(task_spec, UserTask):
                lane = task_spec.lane
                if lane and lane_to_role(lane, self.roles) is None:
                    self.add(f"user task '{task_spec.bpmn_id}' is in lane '{lane}', which names "
                             f"no known role (known: {', '.join(self.roles)})", file,
                             task_spec.bpmn_id)
                explicit = "formKey" in task_properties(task_spec)
                form_problem = self.form_problem(form_key_of(task_spec))
                if form_problem and (explicit or "does not exist" not in form_problem):
                    self.add(f"user task '{task_spec.bpmn_id}': {form_problem}", file,
                             task_spec.bpmn_id)


def compile_diagrams(
    files: dict[str, bytes | str],
    *,
    roles: tuple[str, ...],
    check_form: Callable[[str], str | None],
    settings: dict | None = None,
    max_bytes: int = 2 * 1024 * 1024,
    form_fields: Callable[[str], set[str] | None] | None = None,
    case_variables: frozenset[str] = frozenset(),
) -> list[ProcessPackage]:
    """Parse and validate a set of BPMN and DMN files; one package per executable process.

    With `form_fields` (a form's top-level fields, None if unknown), decision inputs that read
    a variable nothing in the deployment (nor `case_variables`) sets are refused.
    Raises DeployError listing every problem found.
    """
    if not files:
        raise DeployError([Problem("no BPMN files were given")])
    checker = _Checker(roles, check_form, settings or {})
    parser = SpiffBpmnParser(validator=VALIDATOR)
    texts, settings = _read_files(files, parser, checker, max_bytes,
                                  lambda roots: form_fields and dmn.known_variables(
                                      roots, [], form_fields, case_variables))
    if checker.problems:
        raise DeployError(checker.problems)
    process_ids = parser.get_process_ids()
    if not process_ids:
        raise DeployError([Problem("no executable process (isExecutable=\"true\") was found")])
    default_roles = {pid: s.default_role for pid, s in settings.items()}
    broken = _check_call_targets(parser, checker, process_ids, default_roles)
    packages = [package for process_id in process_ids if process_id not in broken
                if (package := _package(parser, process_id, checker, texts, settings))]
    if checker.problems:
        raise DeployError(_unique(checker.problems))
    return packages


def _read_files(files: dict[str, bytes | str], parser, checker: _Checker, max_bytes: int,
                known) -> tuple[dict[str, str], dict[str, ProcessSettings]]:
    """Parse each file safely into the parser (decision tables first, then diagrams, whose
    business rule tasks must name one); (text per file, settings per process)."""
    texts: dict[str, str] = {}
    settings: dict[str, ProcessSettings] = {}
    trees = {}
    for name, data in files.items():
        try:
            tree = parse_xml(data, max_bytes)
            texts[name] = data if isinstance(data, str) else data.decode("utf-8")
            trees[name] = tree
        except UnsafeXmlError as err:
            checker.add(str(err), name)
        except UnicodeDecodeError as err:
            checker.add(f"file is not UTF-8 (byte {err.start}: {err.reason}); save diagrams "
                        "as UTF-8", name)
    tables = {name: trees.pop(name) for name in list(trees)
              if dmn.is_decision_file(name, trees[name].getroot())}
    dmn.read_decisions(parser, tables, known([t.getroot() for t in trees.values()]),
                       checker.add)
    for name, tree in trees.items():
        if dmn.check_calls(name, tree.getroot(), parser.declared_decisions,
                          checker.add):
            continue
        text = texts[name]
        texts[name] = with_layout(text, tree)
        if texts[name] is not text:  # the engine reads the drawn file (flow order follows it)
            tree = parse_xml(texts[name], max_bytes * 2)
        for process in tree.getroot().iter(f"{{{BPMN_NS}}}process"):
            settings[process.get("id")] = _process_settings(process, checker, name)
            if process.get("isExecutable") == "true":
                for element_id, problem in disconnected(process):
                    checker.add(problem, name, element_id)
        try:
            parser.add_bpmn_xml(tree, filename=name)
        except ValidationException as err:
            checker.add(str(err).split("\n")[0], name, getattr(err, "id", None) or None,
                        getattr(err, "line_number", None) or None)
        except (SpiffWorkflowException, etree.LxmlError) as err:
            checker.add(str(err), name)
    return texts, settings


def _process_settings(process, checker: _Checker, file: str) -> ProcessSettings:
    """Read and check a process's default role, who may start it, and its start form."""
    pid, props = process.get("id"), _properties(process)
    role = props.get("defaultRole") or DEFAULT_ROLE
    if role not in checker.roles:
        checker.add(f"process '{pid}' names unknown default role '{role}'", file, pid)
    starters = tuple(r.strip() for r in (props.get("startableBy") or "").split(",") if r.strip())
    for starter in starters:
        if starter not in checker.roles:
            checker.add(f"process '{pid}': startableBy names unknown role '{starter}' (known: "
                        f"{', '.join(checker.roles)})", file, pid)
    start_form = None
    for event in process.findall(f"{{{BPMN_NS}}}startEvent"):
        start_form = _properties(event).get("formKey") or start_form
        if start_form and checker.form_problem(start_form):
            checker.add(f"start event '{event.get('id')}': {checker.form_problem(start_form)}",
                        file, event.get("id"))
    return ProcessSettings(role, starters or DEFAULT_STARTERS, start_form)


def _package(parser, process_id: str, checker: _Checker, texts: dict[str, str],
             settings: dict[str, ProcessSettings]) -> ProcessPackage | None:
    """One executable process with the specs it calls, checked; None when it cannot be built."""
    try:
        spec = parser.get_spec(process_id)
        subprocess_specs = {
            name: sub for name, sub in parser.get_subprocess_specs(
                process_id, require_call_activity_specs=False).items() if sub is not None
        }
    except SpiffWorkflowException as err:
        _parse_problem(checker, process_id, err)
        return None
    default_roles = {pid: s.default_role for pid, s in settings.items()}
    own = settings.get(process_id, ProcessSettings())
    all_specs = [spec, *subprocess_specs.values()]
    form_keys, user_tasks = [own.start_form] if own.start_form else [], []
    for each in all_specs:
        checker.check_spec(each, default_roles.get(each.name, DEFAULT_ROLE))
        for task_spec in each.task_specs.values():
            if isinstance(task_spec, UserTask):
                user_tasks.append(task_spec.bpmn_id)
                if checker.form_problem(form_key_of(task_spec)) is None:
                    form_keys.append(form_key_of(task_spec))
    used_files = sorted({s.file for s in all_specs if s.file in texts}
                        | dmn.decision_files(all_specs, parser.decision_files))
    return ProcessPackage(
        process_id=process_id,
        name=spec.description or process_id,
        files={f: texts[f] for f in used_files},
        # only the processes this one runs: the rest of the deployment is not its behaviour
        spec_json=spec_to_json(spec, subprocess_specs, {
            name: role for name, role in default_roles.items()
            if name == process_id or name in subprocess_specs}),
        form_keys=sorted(set(form_keys)),
        default_role=own.default_role,
        user_task_ids=user_tasks,
        startable_by=own.startable_by,
        start_form=own.start_form,
    )


def _parse_problem(checker: _Checker, process_id: str, err: SpiffWorkflowException) -> None:
    if isinstance(err, ValidationException):
        checker.add(str(err).split("\n")[0], getattr(err, "file_name", None) or None,
                    getattr(err, "id", None) or None, getattr(err, "line_number", None) or None)
    else:
        checker.add(f"process '{process_id}': {err}")


def _check_call_targets(parser, checker: _Checker, process_ids: list[str],
                        default_roles: dict[str, str]) -> set[str]:
    """Name every call activity whose process is missing or not executable; the processes
    that reach one (directly or through other calls) cannot be packaged.

    The specs reached are checked here too, so their other problems are still reported.
    """
    calls: dict[str, set[str]] = {}
    broken: set[str] = set()
    todo = list(process_ids)
    while todo:
        process_id = todo.pop()
        if process_id in calls:
            continue
        calls[process_id] = set()
        try:
            spec = parser.get_spec(process_id)  # the first parse: a second returns a partial spec
        except SpiffWorkflowException as err:
            _parse_problem(checker, process_id, err)
            broken.add(process_id)
            continue
        checker.check_spec(spec, default_roles.get(spec.name, DEFAULT_ROLE))
        for task_spec in spec.task_specs.values():
            if not isinstance(task_spec, SubWorkflowTask):
                continue
            target = parser.process_parsers.get(task_spec.spec)
            if target is not None and target.process_executable:
                calls[process_id].add(task_spec.spec)
                todo.append(task_spec.spec)
                continue
            reason = ("which is not executable (isExecutable=\"false\"): a called process must "
                      "be executable" if target is not None else "which is not in this deployment")
            checker.add(f"call activity '{task_spec.bpmn_id}' calls process '{task_spec.spec}', "
                        f"{reason}", spec.file, task_spec.bpmn_id)
            broken.add(process_id)
    while grown := {p for p, targets in calls.items() if p not in broken and targets & broken}:
        broken |= grown
    return broken


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))
