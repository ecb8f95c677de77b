"""Saved inbox views: a user's named filters and sort, reopened from the inbox."""
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.models.web import SavedFilter
from app.services.errors import Invalid, NotFound
from app.services.runtime.unit_of_work import transaction


def saved_filters(actor: User) -> list[SavedFilter]:
    """The actor's saved inbox views, by name."""
    return list(db.session.scalars(select(SavedFilter).where(SavedFilter.user_id == actor.id)
                                   .order_by(SavedFilter.name)))


def save_filter(actor: User, name: str, query: str) -> SavedFilter:
    """Save (or overwrite) a named inbox view given by its query string."""
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
    return saved


def delete_filter(actor: User, filter_id: int) -> None:
    """Forget one of the actor's saved views (another user's is not found)."""
    saved = db.session.get(SavedFilter, filter_id)
    if saved is None or saved.user_id != actor.id:
        raise NotFound(f"saved view {filter_id} not found")
    with transaction():
        db.session.delete(saved)
