"""Domain errors with stable codes.

`bot/` maps each code to a localized message; the code never changes once released, the wording may.
`params` carries the values a message needs (a zone name, a limit), never prose.
"""

from typing import Any


class DomainError(Exception):
    code: str = "error"

    def __init__(self, code: str | None = None, **params: Any) -> None:
        if code is not None:
            self.code = code
        self.params: dict[str, Any] = params
        super().__init__(f"{self.code} {params}" if params else self.code)


class ValidationError(DomainError):
    """Input that breaks a rule; nothing was changed."""


class NotFound(DomainError):
    """The thing asked for does not exist (or the caller may not know it exists)."""


class Forbidden(DomainError):
    """The caller may not act on this object."""


class Conflict(DomainError):
    """The action lost a race or no longer applies to the object's current state (a stale button)."""
