"""Domain errors; app.py turns each into one HTTP status and a JSON body."""


def aws_error_code(error: Exception) -> str:
    """DynamoDB's error code, or the exception's name for botocore's own errors (a timeout has no response)."""
    return (getattr(error, "response", None) or {}).get("Error", {}).get("Code") or type(error).__name__


class ZhidaError(Exception):
    """Base of every error a caller can cause; carries a stable code and, where known, the field."""

    status = 400
    code = "bad_request"
    retry_after: int | None = None  # seconds, sent as the Retry-After header

    def __init__(self, message: str, field: str | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details  # extra JSON fields for the error body, e.g. the current revision


class InvalidInput(ZhidaError):
    """A parameter or body value is missing or malformed."""

    status = 400
    code = "invalid_input"


class NotFound(ZhidaError):
    """The thing asked for does not exist, or the caller may not know that it does."""

    status = 404
    code = "not_found"


class ConfigurationError(Exception):
    """The deployment is misconfigured (not the caller's fault)."""


class Unauthorized(ZhidaError):
    """No valid credentials were sent for something that needs them."""

    status = 401
    code = "unauthorized"


class Forbidden(ZhidaError):
    """The caller is known but their role or department may not do this."""

    status = 403
    code = "forbidden"


class RateLimited(ZhidaError):
    """Too many requests from one client in the current window."""

    status = 429
    code = "rate_limited"


class TooManyAttempts(ZhidaError):
    """Too many unknown or revoked keys from one client: every key it sends is refused until the window ends."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, field="Authorization")
        self.retry_after = retry_after


class PayloadTooLarge(ZhidaError):
    """The request body is larger than any valid request."""

    status = 413
    code = "payload_too_large"


class Conflict(ZhidaError):
    """The change does not fit the article's current state or revision; nothing was written."""

    status = 409
    code = "conflict"


class PreconditionRequired(ZhidaError):
    """An edit came without the If-Match header that says which revision it was based on."""

    status = 428
    code = "precondition_required"

    @classmethod
    def if_match(cls) -> "PreconditionRequired":
        """The one wording, whether the route's guard or the editorial service notices it first."""
        return cls(
            "send If-Match with the revision your edit is based on (the ETag of the draft you loaded)", field="If-Match"
        )


class NotReady(ZhidaError):
    """The latest version still has lint problems, so it cannot go to review or live yet."""

    status = 409
    code = "has_problems"


class Unavailable(ZhidaError):
    """Something the request needs (the identity provider's keys) cannot be reached just now: retry shortly."""

    status = 503
    code = "unavailable"
    retry_after = 5
