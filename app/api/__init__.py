"""The JSON API under /api/v1."""
from app.api import management, openapi, routes  # noqa: F401  (register the views)
from app.api.core import bp

__all__ = ["bp"]
