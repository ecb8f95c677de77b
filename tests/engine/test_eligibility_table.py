"""The eligibility decision table (bpmn/eligibility.dmn, run by stage_eligibility's business
rule task) gives the answers the stage's script gave before it, for every entity type: all
requirements met -> eligible; any not met -> ineligible, with the same reason and effect."""
import json
from pathlib import Path

import pytest

from app.engine import Instance, VersionRef, compile_diagrams
from app.engine.sandbox import SandboxedEnvironment
from app.models.case import RESERVED_VARIABLES
from app.models.user import ENTITY_TYPES, TASK_ROLES
from app.services.membership.catalogue import NO_CATALOGUE

pytestmark = pytest.mark.database_agnostic

ROOT = Path(__file__).resolve().parents[2]
RULES = {k: [key for key, _label in v] for k, v in json.loads(
    (ROOT / "app/catalogue/eligibility.json").read_text()).items() if not k.startswith("_")}
NOTES = "Checked against the portal."
#: the stage's script before the decision table (bpmn/stage_eligibility.bpmn, 2026-12)
OLD_SCRIPT = '''missing = [key for key in sorted(requirements) if requirements[key] != "yes"]
eligible = len(missing) == 0
if eligible:
    ineligible_reason = None
else:
    ineligible_reason = ("Eligibility requirements not met: "
                         + ", ".join([key.replace("_", " ") for key in missing])
                         + ". " + eligibility_notes)
    emit("membership", status="ineligible", reason=ineligible_reason)'''


@pytest.fixture(scope="module")
def stage() -> VersionRef:
    files = {name: (ROOT / "bpmn" / name).read_bytes()
             for name in ("stage_eligibility.bpmn", "eligibility.dmn")}
    [package] = compile_diagrams(files, roles=TASK_ROLES, check_form=lambda key: None,
                                 form_fields=lambda key: {"requirements", "eligibility_notes"},
                                 case_variables=RESERVED_VARIABLES)
    assert sorted(package.files) == ["eligibility.dmn", "stage_eligibility.bpmn"]
    return VersionRef(("eligibility", 1), lambda: package.spec_json)


def by_table(stage: VersionRef, entity_type: str, requirements: dict) -> tuple:
    """(eligible, ineligible_reason, effects) of the stage run with the decision table."""
    instance = Instance.start(stage, roles=TASK_ROLES, settings={},
                              data={"entity_type": entity_type, "case_id": 1})
    [review] = instance.ready_human_tasks()
    instance.complete_task(review.engine_task_id, {"requirements": requirements,
                                                   "eligibility_notes": NOTES})
    assert instance.error is None and instance.completed
    data = instance.data
    return data["eligible"], data["ineligible_reason"], instance.take_effects()


def by_old_script(requirements: dict) -> tuple:
    effects = []
    data = {"requirements": requirements, "eligibility_notes": NOTES}
    SandboxedEnvironment(helpers={"emit": lambda kind, **v: effects.append((kind, v))}
                         ).execute(OLD_SCRIPT, data)
    return data["eligible"], data["ineligible_reason"], effects


def answers(entity_type: str) -> list[dict]:
    """All met, each one alone not met, none met (and the no-catalogue requirement)."""
    keys = RULES[entity_type]
    met = dict.fromkeys(keys, "yes")
    return [met, *({**met, key: "no"} for key in keys), dict.fromkeys(keys, "no"),
            {**met, NO_CATALOGUE: "no"}]


def test_every_entity_type_has_rules():
    assert sorted(RULES) == sorted(ENTITY_TYPES)


@pytest.mark.parametrize("entity_type", ENTITY_TYPES)
def test_the_table_answers_as_the_old_rules(stage, entity_type):
    for requirements in answers(entity_type):
        expected = by_old_script(requirements)
        assert by_table(stage, entity_type, requirements) == expected, requirements
    eligible, reason, effects = by_table(stage, entity_type, answers(entity_type)[0])
    assert eligible is True and reason is None and effects == []
    eligible, reason, effects = by_table(stage, entity_type, answers(entity_type)[1])
    missing = RULES[entity_type][0].replace("_", " ")
    assert eligible is False
    assert reason == f"Eligibility requirements not met: {missing}. {NOTES}"
    assert effects == [("membership", {"status": "ineligible", "reason": reason})]


def test_an_entity_type_the_table_does_not_name_is_not_eligible(stage):
    assert by_table(stage, "space_port", {"a": "yes"})[0] is False
