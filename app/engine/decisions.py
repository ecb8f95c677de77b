"""DMN decision tables: read at deploy next to the diagrams, checked, and run by business rule
tasks (`spiffworkflow:calledDecisionId` names the decision).

SpiffWorkflow's DMN engine evaluates every input expression, input entry and output entry with
the workflow's script engine, so a decision runs in the same RestrictedPython sandbox as every
script. The checks here compile each of them as the engine will combine them (an input entry
`"a"` becomes `(input) == ("a")`, `> 3` becomes `input > 3`, `?` is the input's value) and name
the file, element and line of whatever would fail.
"""
import ast
import builtins
import re
from collections.abc import Callable, Iterable

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException

from app.engine.sandbox import GUARDS, check_source

DMN_SUFFIXES = (".dmn",)
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
#: names every expression may use without task data defining them
SCRIPT_NAMES = frozenset({*dir(builtins), *GUARDS, "now", "today", "parse_datetime",
                          "add_duration", "duration_seconds", "setting", "emit"})
_QUESTION = re.compile(r'(\?)(?=(?:[^\'"]|[\'"][^\'"]*[\'"])*$)')  # as SpiffWorkflow's engine


def is_decision_file(name: str, root) -> bool:
    """Whether a deployed file is a DMN document (by name, or by its root's namespace)."""
    namespace = etree.QName(root).namespace or ""
    return name.lower().endswith(DMN_SUFFIXES) or "/DMN/" in namespace.upper()


def _local(node) -> str:
    return etree.QName(node).localname


def _children(node, name: str):
    return [child for child in node if isinstance(child.tag, str) and _local(child) == name]


def _text(node) -> str | None:
    found = _children(node, "text")
    return found[0].text if found and found[0].text and found[0].text.strip() else None


def _decision_of(name: str, root, add: Callable[..., None]):
    """The one decision (with one decision table) of a DMN document, else None (reported)."""
    decisions = [d for d in root.iter() if isinstance(d.tag, str) and _local(d) == "decision"]
    if not decisions:
        add("DMN file has no decision", name)
        return None
    if len(decisions) > 1:
        add("a DMN file may hold one decision; split the others into files of their own", name,
            decisions[1].get("id"), decisions[1].sourceline)
        return None
    if len(_children(decisions[0], "decisionTable")) != 1:
        add(f"decision '{decisions[0].get('id')}' must hold exactly one decision table",
            name, decisions[0].get("id"), decisions[0].sourceline)
        return None
    return decisions[0]


def _add_decision(parser, name: str, root, decision_id: str, add: Callable[..., None]) -> bool:
    """Hand one checked DMN document to the parser; False if it refused it (reported)."""
    try:
        parser.add_dmn_xml(root, filename=name)
        parser.dmn_parsers[decision_id].parse()
    except ValidationException as err:
        add(str(err).split("\n")[0], name, getattr(err, "id", None) or None,
            getattr(err, "line_number", None) or None)
        return False
    except (SpiffWorkflowException, etree.LxmlError, KeyError, IndexError) as err:
        add(f"DMN file cannot be read: {err}", name)
        return False
    return True


def _entry_expression(input_expression: str, entry: str) -> str:
    """The expression SpiffWorkflow's DMN engine evaluates for one input entry."""
    if _QUESTION.search(entry):
        return _QUESTION.sub("dmninputexpr", entry)
    try:
        ast.parse(entry)
        return f"({input_expression}) == ({entry})"
    except SyntaxError:
        return f"{input_expression} {entry}"


def _names_read(source: str) -> set[str]:
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return set()
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
             and isinstance(n.ctx, ast.Store)}
    bound |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.Lambda) for a in n.args.args}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load)} - bound


def check_decision(name: str, root, known: set[str] | None,
                   add: Callable[..., None]) -> list[str]:
    """Compile every expression of a decision table in the sandbox; with `known` (the variables
    the task data can hold), report input expressions that read anything else. The names of
    the table's outputs are returned."""
    [table] = [t for t in root.iter() if isinstance(t.tag, str) and _local(t) == "decisionTable"]
    inputs = _children(table, "input")
    expressions = []
    for each in inputs:
        found = _children(each, "inputExpression")
        source = _text(found[0]) if found else None
        where = (found[0] if found else each)
        if source is None:
            add(f"input '{each.get('label') or each.get('id')}' has no expression", name,
                each.get("id"), each.sourceline)
        elif problem := check_source(source, "eval"):
            add(f"input expression of '{each.get('id')}': {problem}", name, each.get("id"),
                where.sourceline)
            source = None
        elif known is not None and (unknown := sorted(_names_read(source) - known
                                                      - SCRIPT_NAMES)):
            add(f"input expression of '{each.get('id')}' reads {', '.join(unknown)}, which no "
                "form, script, decision or case variable of this deployment sets", name,
                each.get("id"), where.sourceline)
        expressions.append(source)
    for rule in _children(table, "rule"):
        for source, entry in zip(expressions, _children(rule, "inputEntry"), strict=False):
            text = _text(entry)
            if source is None or text is None or text.strip() == "-":
                continue
            if problem := check_source(_entry_expression(source, text), "eval"):
                add(f"input entry '{text.strip()}' of rule '{rule.get('id')}': {problem}", name,
                    entry.get("id"), entry.sourceline)
        for entry in _children(rule, "outputEntry"):
            text = _text(entry)
            if text is not None and (problem := check_source(text, "eval")):
                add(f"output entry '{text.strip()}' of rule '{rule.get('id')}': {problem}",
                    name, entry.get("id"), entry.sourceline)
    return [o.get("name") or o.get("label") for o in _children(table, "output")
            if o.get("name") or o.get("label")]


def called_decisions(root) -> Iterable[tuple[str, str | None, int | None]]:
    """(task id, called decision id, line) of every business rule task of a BPMN document."""
    for task in root.iter(f"{{{BPMN_NS}}}businessRuleTask"):
        called = task.find(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}calledDecisionId")
        decision = called.text.strip() if called is not None and called.text else None
        yield task.get("id"), decision, task.sourceline


def check_calls(name: str, root, decisions: set[str], add: Callable[..., None]) -> bool:
    """Report business rule tasks that name no decision or one not deployed; True if any."""
    broken = False
    for task_id, decision, line in called_decisions(root):
        if decision is None:
            add(f"business rule task '{task_id}' names no decision "
                "(spiffworkflow:calledDecisionId)", name, task_id, line)
            broken = True
        elif decision not in decisions:
            known = ", ".join(sorted(decisions)) or "none"
            add(f"business rule task '{task_id}' calls decision '{decision}', which is not in "
                f"this deployment (decisions deployed: {known})", name, task_id, line)
            broken = True
    return broken


def assigned_names(sources: Iterable[str]) -> set[str]:
    """Every variable a script assigns (what task data can hold after it ran)."""
    names: set[str] = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
                  and isinstance(n.ctx, ast.Store)}
    return names


def decision_files(spec_list, decision_file_of: dict[str, str]) -> set[str]:
    """The DMN files the business rule tasks of some specs run."""
    files = set()
    for spec in spec_list:
        for task_spec in spec.task_specs.values():
            engine = getattr(task_spec, "dmnEngine", None)
            if engine is not None and engine.decision_table.id in decision_file_of:
                files.add(decision_file_of[engine.decision_table.id])
    return files


def _form_keys(root) -> set[str]:
    """The forms a BPMN document's user tasks and start events show."""
    keys = set()
    for tag in ("userTask", "startEvent"):
        for node in root.iter(f"{{{BPMN_NS}}}{tag}"):
            props = {p.get("name"): p.get("value") for p in node.iter(f"{{{SPIFF_NS}}}property")}
            key = props.get("formKey") or (node.get("id") if tag == "userTask" else None)
            if key:
                keys.add(key)
    return keys


def known_variables(bpmn_roots: Iterable, outputs: Iterable[str],
                    form_fields: Callable[[str], set[str] | None],
                    case_variables: Iterable[str]) -> set[str] | None:
    """The variables the task data of a deployment can hold: the case's own, its forms' fields,
    what its scripts assign, its decisions' outputs, message payloads and data objects. None
    when it cannot be known (a form whose fields cannot be read)."""
    known = {*case_variables, *outputs}
    scripts = []
    for root in bpmn_roots:
        for key in _form_keys(root):
            fields = form_fields(key)
            if fields is None:
                return None
            known |= fields
        for node in root.iter():
            if not isinstance(node.tag, str):
                continue
            local = _local(node)
            if local in ("script", "preScript", "postScript") and node.text:
                scripts.append(node.text)
            elif local in ("message", "dataObject", "dataInput", "dataOutput",
                           "inputDataItem", "outputDataItem"):
                known |= {v for v in (node.get("name"), node.get("id")) if v}
            elif local in ("messageVariable", "loopDataOutputRef", "loopDataInputRef") \
                    and node.text:
                known.add(node.text.strip())
    return known | assigned_names(scripts)


def read_decisions(parser, tables: dict, variables: set[str] | None,
                   add: Callable[..., None]) -> None:
    """Check and add every DMN document; `parser.decision_files` maps each decision table's
    id to its file (for the versions that run it), `parser.declared_decisions` holds the ids
    of the decisions given (those with problems too, reported once, at their file)."""
    parser.decision_files = {}
    found = {name: (tree.getroot(), decision) for name, tree in tables.items()
             if (decision := _decision_of(name, tree.getroot(), add)) is not None}
    parser.declared_decisions = {decision.get("id") for _, decision in found.values()}
    outputs = {o.get("name") or o.get("label") for root, _ in found.values()
               for o in root.iter(f"{{{etree.QName(root).namespace}}}output")}
    for name, (root, decision) in found.items():
        problems: list = []
        check_decision(name, root, None if variables is None else {*variables, *outputs},
                       lambda *problem, into=problems: into.append(problem))
        for problem in problems:
            add(*problem)
        if not problems and _add_decision(parser, name, root, decision.get("id"), add):
            table = parser.dmn_parsers[decision.get("id")].decision.decisionTables[0]
            parser.decision_files[table.id] = name
