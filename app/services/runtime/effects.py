"""The effects every process may emit from a script, whatever its domain:

- `emit("notice", kind=..., message=...)`: a line in the case's timeline;
- `emit("continue_as", process_id=..., data={...})`: start the company's next case (the next
  membership year), in this case's unit of work;
- `emit("close_other_cases", reason=...)`: terminate the company's other open cases.

Domain packages register their own kinds beside these (see `app.services.setup`).
"""
from typing import Any

from app.models import Case, User
from app.models.enums import AuditKind
from app.services import audit
from app.services.runtime.cases import open_case_ids, start_case, terminate_case
from app.services.runtime.state import EffectRegistry

NOTICE_KINDS = ("reminder", "escalation", "notice")


def _check_notice(values: dict[str, Any]) -> None:
    if values.get("kind") not in NOTICE_KINDS or not isinstance(values.get("message"), str):
        raise ValueError(f"emit('notice') needs kind (one of {', '.join(NOTICE_KINDS)}) "
                         "and a message")


def _apply_notice(case: Case, values: dict[str, Any], _actor: User | None) -> None:
    audit.record(AuditKind.NOTICE, case_id=case.id,
                 **{("notice" if k == "kind" else k): v for k, v in values.items()})


def _check_continue_as(values: dict[str, Any]) -> None:
    if not isinstance(values.get("process_id"), str):
        raise ValueError("emit('continue_as') needs process_id")


def _apply_continue_as(case: Case, values: dict[str, Any], _actor: User | None) -> None:
    """Start the next bounded case (e.g. the next membership year) for the company."""
    follow = start_case(None, company_id=case.company_id, process_id=values["process_id"],
                        data=values.get("data") or {}, continued_from=case.id)
    audit.record(AuditKind.CASE_CONTINUED, case_id=case.id, next_case_id=follow.id,
                 process_id=values["process_id"])


def _check_close_other_cases(values: dict[str, Any]) -> None:
    if not isinstance(values.get("reason"), str):
        raise ValueError("emit('close_other_cases') needs a reason")


def _apply_close_other_cases(case: Case, values: dict[str, Any], _actor: User | None) -> None:
    """Terminate the company's other open cases (withdrawal): tasks and timers end with them."""
    for other_id in open_case_ids(case.company_id, except_case=case.id):
        terminate_case(None, other_id, values["reason"], by_case=case.id)


def register(registry: EffectRegistry) -> None:
    """Add the process-independent effects to an app's registry."""
    registry.register("notice", _check_notice, _apply_notice)
    registry.register("continue_as", _check_continue_as, _apply_continue_as)
    registry.register("close_other_cases", _check_close_other_cases, _apply_close_other_cases)
