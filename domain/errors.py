"""Domain errors: the web edge maps each family to one HTTP status."""


class DomainError(Exception):
    """Base class for every rule the domain refuses to break."""

    code = "domain_error"

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFoundError(DomainError):
    """The thing asked for does not exist (HTTP 404)."""

    code = "not_found"


class IllegalTransitionError(DomainError):
    """The command does not fit the item's current state (HTTP 409)."""

    code = "illegal_transition"


class ConflictError(DomainError):
    """The thing exists already or was changed concurrently (HTTP 409)."""

    code = "conflict"


class InvalidValueError(DomainError):
    """A value breaks a domain rule, e.g. an unknown department (HTTP 422)."""

    code = "invalid_value"


class AccessDeniedError(DomainError):
    """The actor may not do this to this item (HTTP 403)."""

    code = "forbidden"


class AuthenticationError(DomainError):
    """Credentials or a query code do not match (HTTP 403)."""

    code = "authentication_failed"
