"""Saved inbox views: a user's named filters and sort, reopened from the inbox; a view can be
shared with its owner's role, whose other members then see it in their list too."""
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import User
from app.models.web import SavedFilter
from app.services.errors import Invalid, NotFound
from app.services.runtime.unit_of_work import transaction


def saved_filters(actor: User) -> list[SavedFilter]:
    """The actor's saved inbox views and those shared with their role, by name."""
    return list(db.session.scalars(
        select(SavedFilter).options(joinedload(SavedFilter.owner))
        .where(or_(SavedFilter.user_id == actor.id, SavedFilter.shared_role == actor.role))
        .order_by(SavedFilter.name, SavedFilter.id)))


def save_filter(actor: User, name: str, query: str, shared: bool = False) -> SavedFilter:
    """Save (or overwrite) a named inbox view given by its query string; `shared` offers it to
    everyone of the actor's role."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise Invalid("the view needs a name", {"name": ["1 to 80 characters"]})
    if len(query) > 1000:
        raise Invalid("the view is too long to save", {"query": ["at most 1000 characters"]})
    with transaction():
        saved = db.session.scalar(select(SavedFilter).where(SavedFilter.user_id == actor.id,
                                                            SavedFilter.name == name))
        if saved is None:
            saved = SavedFilter(user_id=actor.id, name=name)
            db.session.add(saved)
        saved.query = query.lstrip("?")
        saved.shared_role = actor.role if shared else None
    return saved


def delete_filter(actor: User, filter_id: int) -> None:
    """Forget one of the actor's saved views (another user's, shared or not, is not found)."""
    saved = db.session.get(SavedFilter, filter_id)
    if saved is None or saved.user_id != actor.id:
        raise NotFound(f"saved view {filter_id} not found")
    with transaction():
        db.session.delete(saved)
