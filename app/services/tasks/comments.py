"""Comments on cases."""
from app.extensions import db
from app.models import User
from app.models.enums import AuditKind
from app.models.web import Comment
from app.services import audit
from app.services.errors import Invalid
from app.services.identity.access import get_case
from app.services.runtime.unit_of_work import transaction

MAX_COMMENT = 5000


def add_comment(actor: User, case_id: int, body: str) -> Comment:
    """Add a comment to a case the actor may see; it also lands in the audit trail."""
    case = get_case(actor, case_id)
    body = (body or "").strip()
    if not body:
        raise Invalid("the comment is empty", {"body": ["write something first"]})
    if len(body) > MAX_COMMENT:
        raise Invalid("the comment is too long", {"body": [f"at most {MAX_COMMENT} characters"]})
    comment = Comment(case_id=case.id, author_id=actor.id, body=body)
    with transaction():
        db.session.add(comment)
        audit.record(AuditKind.COMMENT_ADDED, case_id=case.id, actor=actor, excerpt=body[:80])
    return comment
