"""The JSON API under /api/v1."""
from app.api import (  # noqa: F401  (register the views)
    audits,
    checklist,
    documents,
    inbox,
    management,
    membership,
    notifications,
    openapi,
    portfolio,
    routes,
)
from app.api.core import bp

__all__ = ["bp"]
