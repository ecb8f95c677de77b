"""What changed in the decision tables between two deployments of a process, rule by rule, so
the deploy preview can say more than "its behaviour changed" when only a DMN table did."""
from typing import Any

from app.engine.decisions import is_decision_file
from app.engine.xmlsafe import parse_xml

MAX_BYTES = 1 << 21


def compare_decisions(old_files: dict[str, str], new_files: dict[str, str]) -> dict[str, Any]:
    """Per decision id whose table differs: the rules added, removed and changed (by rule id,
    or "rule N" for a rule without one), whether its columns or hit policy changed, and
    whether the whole decision is new or gone. Decisions alike in both are left out."""
    before, after = _tables(old_files), _tables(new_files)
    found: dict[str, Any] = {}
    for decision_id in sorted(set(before) | set(after)):
        old, new = before.get(decision_id), after.get(decision_id)
        if old == new and (old is None or list(old["rules"]) == list(new["rules"])):
            continue  # alike, rules in the same order (dicts compare without it)
        if old is None or new is None:
            found[decision_id] = {"decision_added": old is None, "decision_removed": new is None}
            continue
        old_rules, new_rules = old["rules"], new["rules"]
        found[decision_id] = {
            "rules_added": [r for r in new_rules if r not in old_rules],
            "rules_removed": [r for r in old_rules if r not in new_rules],
            "rules_changed": [r for r in new_rules if r in old_rules
                              and old_rules[r] != new_rules[r]],
            "rules_reordered": [r for r in old_rules if r in new_rules] !=
                               [r for r in new_rules if r in old_rules],
            "columns_changed": old["columns"] != new["columns"]}
    return found


def _tables(files: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Each decision table in the DMN files, as the columns and the rules' cell texts."""
    tables = {}
    for name, text in files.items():
        if not name.lower().endswith(".dmn") and "/DMN/" not in text[:4000].upper():
            continue  # a diagram: not parsed again (a deployment holds a dozen)
        root = parse_xml(text, MAX_BYTES).getroot()
        if not is_decision_file(name, root):
            continue
        for decision in _all(root, "decision"):
            for table in _all(decision, "decisionTable"):
                tables[decision.get("id")] = {"columns": _columns(table), "rules": {
                    rule.get("id") or f"rule {n}": _cells(rule)
                    for n, rule in enumerate(_all(table, "rule"), start=1)}}
    return tables


def _all(node, localname: str) -> list:
    return [child for child in node.iter() if isinstance(child.tag, str)
            and child.tag.rsplit("}", 1)[-1] == localname]


def _columns(table) -> tuple:
    heads = [(child.tag.rsplit("}", 1)[-1], child.get("label"), child.get("name"),
              tuple(_texts(child))) for child in table
             if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] in ("input", "output")]
    return (table.get("hitPolicy") or "UNIQUE", tuple(heads))


def _cells(rule) -> tuple:
    return tuple(_texts(rule))


def _texts(node) -> list[str]:
    return [(text.text or "").strip() for text in _all(node, "text")]
