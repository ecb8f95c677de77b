"""Messages: deliver one to a case, or to every case waiting for it with a correlation."""
from typing import Any

from sqlalchemy import select

from app.engine import MessageNotExpected, correlation_key
from app.extensions import db
from app.models import Case, MessageSubscription, User
from app.models.enums import AuditKind, CaseStatus
from app.services import audit
from app.services.errors import Conflict, Invalid, NotFound
from app.services.identity.access import get_case, require_role
from app.services.runtime.unit_of_work import case_work, transaction


def send_message(actor: User, case_id: int, name: str, payload: Any) -> Case:
    """Deliver a message to one case that waits for it."""
    require_role(actor, "case_worker", "specialist")
    get_case(actor, case_id)
    return _deliver(case_id, actor, name, payload)


def correlate_message(actor: User, name: str, correlation: dict[str, Any],
                      payload: Any) -> list[int]:
    """Deliver a message to every case waiting for it with this correlation, all or none;
    the ids of those cases."""
    require_role(actor, "case_worker", "specialist")
    key = correlation_key(correlation) if correlation else None
    case_ids = db.session.scalars(
        select(MessageSubscription.case_id).where(
            MessageSubscription.message_name == name,
            MessageSubscription.correlation_key.is_(None) if key is None
            else MessageSubscription.correlation_key == key,
        ).distinct().order_by(MessageSubscription.case_id)).all()
    if not case_ids:
        raise NotFound(f"no case waits for message '{name}' with that correlation")
    with transaction():
        for case_id in case_ids:
            _deliver(case_id, actor, name, payload)
    return list(case_ids)


def _deliver(case_id: int, actor: User, name: str, payload: Any) -> Case:
    with case_work(case_id, actor) as work:
        if work.case.status != CaseStatus.RUNNING:
            raise Conflict(f"case {case_id} is {work.case.status}")
        try:
            work.instance.deliver_message(name, payload)
        except MessageNotExpected as err:
            raise Invalid(str(err), {"name": [str(err)]}) from None
        audit.record(AuditKind.MESSAGE_RECEIVED, case_id=case_id, actor=actor, name=name,
                     payload=payload)
    return work.case
