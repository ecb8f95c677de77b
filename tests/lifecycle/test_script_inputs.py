"""Scripts, gateway conditions, timers and due dates read only variables that every path to
them sets: bad data in a process is a form error for the person who sends it, not a case in
error later.

A static approximation over bpmn/ and forms/: a variable is set at an element when every path
from a process's start sets it, by the start data, an earlier script (not deleting it), or a
user task whose form always puts it in the data (a required field that no condition hides, or
a group, which is always there). Call activities pass the data in and out, as SpiffWorkflow
does; a boundary event sees the data its activity started with. Paths are not told apart by
gateway conditions: what a condition makes sure of is in ALLOWED, with the reason.
"""
import ast
import html
import json
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from app.engine.sandbox import BUILTINS, SandboxedEnvironment
from app.services.forms.definition import compiled_form
from app.services.membership.living_record import RECORD_DEFAULTS

ROOT = Path(__file__).resolve().parents[2]
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
#: what `start_case` puts in every case's data
START_DATA = frozenset({"case_id", "company_id", "entity_type"})
#: helpers and builtins scripts may call
AVAILABLE = frozenset(BUILTINS) | frozenset(SandboxedEnvironment(helpers={
    "emit": lambda *a, **k: None}).globals) | {"None", "True", "False"}
#: (process, element) -> names that gateway conditions on the way make sure of
ALLOWED = {
    # vetting_outcome is "not_cleared" here: the vetting form requires the notes then
    ("stage_certification", "record_not_cleared"): {"vetting_notes"},
    # required_actions_decision is "ask_again" here: the review form requires the feedback then
    ("stage_certification", "ask_required_actions_again"): {"required_action_feedback"},
    ("stage_revalidation", "reask_required_actions_again"): {"required_action_feedback"},
    # review_outcome is "reject" here: specialist_review requires the reason then
    ("stage_specialist_review", "record_rejection"): {"decision_reason"},
    # review_outcome is "request_info" here: specialist_review requires the questions then
    ("stage_specialist_review", "log_information"): {"questions"},
    # validation_outcome is not "passed" here: the revalidation stage set the reason then
    ("membership_year", "revalidation_failed"): {"suspension_reason"},
    # profile_outcome is "submitted" here: the security profile form was completed then
    ("stage_specialist_review", "open_review"): {"profile_responses"},
}


@dataclass
class Process:
    """One BPMN process: its elements, flows and what is attached to what."""

    id: str
    nodes: dict[str, etree._Element] = field(default_factory=dict)
    flows: list[tuple[str, str, str | None]] = field(default_factory=list)  # source, target, cond

    def kind(self, node_id: str) -> str:
        return etree.QName(self.nodes[node_id]).localname

    def predecessors(self, node_id: str) -> list[str]:
        return [source for source, target, _ in self.flows if target == node_id]


def load_processes(bpmn_dir: Path = ROOT / "bpmn") -> dict[str, Process]:
    found = {}
    for path in sorted(bpmn_dir.glob("*.bpmn")):
        for element in etree.parse(str(path)).getroot().iterfind("bpmn:process", NS):
            process = Process(element.get("id"))
            for child in element:
                name = etree.QName(child).localname
                if name == "sequenceFlow":
                    condition = child.findtext("bpmn:conditionExpression", namespaces=NS)
                    process.flows.append((child.get("sourceRef"), child.get("targetRef"),
                                          html.unescape(condition) if condition else None))
                elif child.get("id") and name not in ("laneSet", "extensionElements"):
                    process.nodes[child.get("id")] = child
            found[process.id] = process
    return found


def _properties(node: etree._Element) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in node.iterfind(
        "bpmn:extensionElements/spiff:properties/spiff:property", NS)}


def form_keys(node: etree._Element, forms: dict[str, dict]) -> frozenset[str]:
    """Keys a user task's form always puts in the data (none without a form)."""
    form = forms.get(_properties(node).get("formKey") or node.get("id"))
    if form is None:
        return frozenset()
    return frozenset(f.key for f in compiled_form(form).fields
                     if not f.hides and not f.disabled and (f.type == "group" or f.required))


# --- what a piece of code reads and sets ------------------------------------------------


def reads(node: ast.AST, bound: frozenset[str] = frozenset()) -> set[str]:
    """Free names `node` reads (not those its comprehensions and lambdas bind)."""
    if isinstance(node, ast.Name):
        return {node.id} if isinstance(node.ctx, ast.Load) and node.id not in bound else set()
    if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
        inner = bound | {n.id for g in node.generators for n in ast.walk(g.target)
                         if isinstance(n, ast.Name)}
        found = reads(node.generators[0].iter, bound)
        parts = [g.iter for g in node.generators[1:]] + [i for g in node.generators
                                                         for i in g.ifs]
        parts += [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        return found.union(*(reads(part, inner) for part in parts))
    if isinstance(node, ast.Lambda):
        args = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
        return reads(node.body, bound | args)
    return set().union(*(reads(child, bound) for child in ast.iter_child_nodes(node)))


def _stores(node: ast.AST) -> set[str]:
    """Names a statement sets (not the names its comprehensions and lambdas bind)."""
    if isinstance(node, ast.Name):
        return {node.id} if isinstance(node.ctx, ast.Store) else set()
    if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
                  | ast.Lambda):
        return set()
    return set().union(*(_stores(child) for child in ast.iter_child_nodes(node)))


def run_script(body: list[ast.stmt], known: set[str], missing: set[str]) -> set[str]:
    """The names set after `body` runs on every branch; names read unset go to `missing`."""
    known = set(known)
    for stmt in body:
        if isinstance(stmt, ast.If):
            missing |= reads(stmt.test) - known - AVAILABLE
            known = (run_script(stmt.body, known, missing)
                     & run_script(stmt.orelse, known, missing))
        elif isinstance(stmt, ast.Delete):
            names = {t.id for t in stmt.targets if isinstance(t, ast.Name)}
            missing |= names - known
            known -= names
        elif isinstance(stmt, ast.For | ast.While | ast.With | ast.Try):
            heads = ([stmt.iter] if isinstance(stmt, ast.For) else
                     [stmt.test] if isinstance(stmt, ast.While) else
                     [item.context_expr for item in getattr(stmt, "items", [])])
            missing |= set().union(*(reads(head) for head in heads)) - known - AVAILABLE
            inner = known | (_stores(stmt.target) if isinstance(stmt, ast.For) else set())
            run_script(stmt.body, inner, missing)  # may not run: sets nothing for sure
        else:
            missing |= reads(stmt) - known - AVAILABLE
            known |= _stores(stmt)
    return known


def expression_reads(source: str) -> set[str]:
    return reads(ast.parse(source.strip(), mode="eval")) - AVAILABLE


# --- the analysis -------------------------------------------------------------------------


@dataclass
class Analysis:
    """Runs processes (and the ones they call) from given start data, noting each problem."""

    processes: dict[str, Process]
    forms: dict[str, dict]
    problems: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def note(self, process: Process, element: str, names: set[str]) -> None:
        if names:
            self.problems.setdefault((process.id, element), set()).update(names)

    def run(self, process_id: str, entry: frozenset[str]) -> frozenset[str]:
        """The names set when the process ends (on every end event it reaches)."""
        process = self.processes[process_id]
        before: dict[str, frozenset[str]] = {}
        after: dict[str, frozenset[str]] = {}
        for _ in range(len(process.nodes) + 2):  # to the fixpoint (sets only shrink)
            changed = False
            for node_id in process.nodes:
                known = self.entry_of(process, node_id, entry, after)
                if known is None:
                    continue
                out = self.transfer(process, node_id, known, record=False)
                if before.get(node_id) != known or after.get(node_id) != out:
                    before[node_id], after[node_id], changed = known, out, True
            if not changed:
                break
        for node_id, known in before.items():
            self.transfer(process, node_id, known, record=True)
        for source, _, condition in process.flows:
            if condition and source in after:
                self.note(process, source, expression_reads(condition) - after[source])
        ends = [after[n] for n in _main_path(process) if n in after
                and process.kind(n) == "endEvent"]
        return frozenset.intersection(*ends) if ends else frozenset()

    def entry_of(self, process: Process, node_id: str, entry: frozenset[str],
                 after: dict[str, frozenset[str]]) -> frozenset[str] | None:
        node = process.nodes[node_id]
        if process.kind(node_id) == "startEvent":
            return entry
        if process.kind(node_id) == "boundaryEvent":
            attached = node.get("attachedToRef")
            ins = [after[p] for p in process.predecessors(attached) if p in after]
            return frozenset.intersection(*ins) if ins else None
        ins = [after[p] for p in process.predecessors(node_id) if p in after]
        return frozenset.intersection(*ins) if ins else None

    def transfer(self, process: Process, node_id: str, known: frozenset[str],
                 record: bool) -> frozenset[str]:
        node, kind = process.nodes[node_id], process.kind(node_id)
        missing: set[str] = set()
        for timer in node.iterfind(".//bpmn:timerEventDefinition/*", NS):
            missing |= expression_reads(timer.text or "None") - known
        out = known
        if kind == "scriptTask":
            script = html.unescape(node.findtext("bpmn:script", namespaces=NS) or "")
            out = frozenset(run_script(ast.parse(script).body, set(known), missing))
        elif kind == "userTask":
            due = _properties(node).get("dueIn")
            missing |= expression_reads(due) - known if due else set()
            out = known | form_keys(node, self.forms)
        elif kind == "callActivity":
            out = self.run(node.get("calledElement"), known) | known
        elif kind == "businessRuleTask":  # the decision's inputs, its outputs, its postScript
            reads, sets = DECISIONS[node.findtext(".//spiff:calledDecisionId", namespaces=NS)]
            missing |= reads - known
            post = html.unescape(node.findtext(".//spiff:postScript", namespaces=NS) or "")
            out = frozenset(run_script(ast.parse(post).body, set(known | sets), missing))
        # a message catch event puts the payload in its messageVariable
        out |= {v.text.strip() for v in node.iterfind(".//spiff:messageVariable", NS) if v.text}
        if record:
            self.note(process, node_id, missing)
        return out


def load_decisions(bpmn_dir: Path = ROOT / "bpmn") -> dict[str, tuple[set[str], set[str]]]:
    """Decision id -> (names its input expressions read, the outputs it sets), from *.dmn."""
    found = {}
    for path in sorted(bpmn_dir.glob("*.dmn")):
        root = etree.parse(str(path)).getroot()
        dmn = {"dmn": etree.QName(root).namespace}
        for decision in root.iterfind("dmn:decision", dmn):
            reads = set().union(*(expression_reads(text) for text in decision.xpath(
                ".//dmn:inputExpression/dmn:text/text()", namespaces=dmn)))
            found[decision.get("id")] = (reads, {o.get("name") for o in decision.iterfind(
                ".//dmn:output", dmn)})
    return found


DECISIONS = load_decisions()


def _main_path(process: Process) -> set[str]:
    """The elements a process ends through: reachable from its start other than through a
    non-interrupting boundary event (a reminder's branch ends while the process goes on)."""
    todo = [n for n in process.nodes if process.kind(n) == "startEvent"]
    seen: set[str] = set()
    while todo:
        node_id = todo.pop()
        if node_id in seen:
            continue
        seen.add(node_id)
        todo += [target for source, target, _ in process.flows if source == node_id]
        todo += [n for n, node in process.nodes.items()
                 if node.get("attachedToRef") == node_id and node.get("cancelActivity") != "false"]
    return seen


def continued_data(processes: dict[str, Process]) -> dict[str, frozenset[str]]:
    """Process id -> the data keys every `emit("continue_as", ...)` (or `continue_with_record`,
    which adds the company record's variables) starting it passes."""
    found: dict[str, frozenset[str]] = {}
    for process in processes.values():
        for node in process.nodes.values():
            script = html.unescape(node.findtext("bpmn:script", namespaces=NS) or "")
            for call in (n for n in ast.walk(ast.parse(script)) if isinstance(n, ast.Call)):
                args = [a.value for a in call.args if isinstance(a, ast.Constant)]
                kw = {k.arg: k.value for k in call.keywords}
                if args[:1] not in (["continue_as"], ["continue_with_record"]) \
                        or not isinstance(kw.get("data"), ast.Dict):
                    continue
                target = kw["process_id"].value
                keys = frozenset(k.value for k in kw["data"].keys)
                if args[:1] == ["continue_with_record"]:  # the record's variables come along
                    keys |= frozenset(RECORD_DEFAULTS)
                found[target] = found[target] & keys if target in found else keys
    return found


def check_processes(forms: dict[str, dict]) -> dict[tuple[str, str], set[str]]:
    """Every top-level process (one no call activity calls), from its start data."""
    processes = load_processes()
    called = {n.get("calledElement") for p in processes.values() for n in p.nodes.values()}
    continued = continued_data(processes)
    analysis = Analysis(processes, forms)
    for process_id in sorted(set(processes) - called):
        analysis.run(process_id, START_DATA | continued.get(process_id, frozenset()))
    return analysis.problems


def shipped_forms() -> dict[str, dict]:
    return {path.stem: json.loads(path.read_text()) for path in (ROOT / "forms").glob("*.form")}


def test_scripts_read_only_what_every_path_sets():
    found = check_processes(shipped_forms())
    problems = {where: names - ALLOWED.get(where, set()) for where, names in found.items()}
    assert {where: names for where, names in problems.items() if names} == {}
    unneeded = {where: names - found.get(where, set()) for where, names in ALLOWED.items()}
    assert {where: names for where, names in unneeded.items() if names} == {}


def test_an_optional_field_a_later_script_reads_is_found():
    """`partners` was optional in the risk assessment: submit_application then failed with
    NameError. The check names the script and the variable."""
    forms = shipped_forms()
    cargo = forms["risk_cargo_flow"]
    partners = next(c for c in cargo["components"] if c.get("path") == "partners")
    partners.pop("validate")
    found = check_processes(forms)
    assert found.pop(("stage_portal_application", "submit_application")) == {"partners"}
    assert found.pop(("stage_risk_assessment", "summarise_risk_assessment")) == {"partners"}
    assert set(found) == set(ALLOWED)


def test_the_check_sees_reads_in_conditions_timers_and_deleted_names():
    missing: set[str] = set()
    known = run_script(ast.parse("a = b + 1\nif a:\n    c = 1\nelse:\n    d = 2\n"
                                 "del e\nf = [x for x in g if x > a]").body, {"b"}, missing)
    assert missing == {"e", "g"} and known == {"a", "b", "f"}
    assert expression_reads('len(plan_missing) == 0 and setting("X")') == {"plan_missing"}
