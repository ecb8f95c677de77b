"""Errors services raise; the web and API layers turn them into HTTP answers."""
from typing import Any


class ServiceError(Exception):
    """Base class: `status` is the HTTP status, `code` a stable machine-readable name."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: Any = None):
        super().__init__(message)
        self.message = message
        self.details = details if details is not None else []


class Unauthorized(ServiceError):
    """No valid credentials: sign in or send a token."""

    status, code = 401, "unauthorized"


class Forbidden(ServiceError):
    """Signed in, but the role may not do this."""

    status, code = 403, "forbidden"


class NotFound(ServiceError):
    """Does not exist, or belongs to another company (ids leak nothing)."""

    status, code = 404, "not_found"


class Conflict(ServiceError):
    """Changed meanwhile: completed, claimed or moved on by someone else."""

    status, code = 409, "conflict"


class Invalid(ServiceError):
    """Input that fails validation; `details` maps fields to messages or lists problems."""

    status, code = 422, "invalid"


class TooManyAttempts(ServiceError):
    """Too many sign-in attempts: `retry_after` says how many seconds to wait."""

    status, code = 429, "too_many_requests"

    def __init__(self, message: str, retry_after: int, details: Any = None):
        super().__init__(message, details)
        self.retry_after = retry_after
