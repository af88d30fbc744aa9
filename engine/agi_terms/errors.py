"""The engine's exception types: every refusal names the file (when there is one), the place and why."""

from __future__ import annotations


class AgiTermsError(Exception):
    """Base class of every error the engine raises on purpose.

    ``place`` is a path into the input (``events[3].cloud``), a position (``line 4, column 7``) or a
    rule reference; ``file`` is the file the input came from, when there is one.
    """

    def __init__(self, message: str, *, place: str = "", file: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.place = place
        self.file = file

    def in_file(self, file: str) -> AgiTermsError:
        """Return the same error attributed to ``file`` (keeps the type and the place)."""
        if self.file is None:
            self.file = file
        return self

    def at(self, prefix: str) -> AgiTermsError:
        """Return the same error with ``prefix`` put in front of its place (``events[2]`` + ``.cloud``)."""
        if not prefix:
            return self
        if not self.place:
            self.place = prefix
        elif self.place.startswith("["):
            self.place = prefix + self.place
        else:
            self.place = f"{prefix}.{self.place}"
        return self

    def one_line(self) -> str:
        """``FILE: PLACE: message`` with the parts that are known, on one line."""
        parts = [p for p in (self.file, self.place) if p]
        text = " ".join(self.message.split())
        return ": ".join([*parts, text])

    def __str__(self) -> str:
        return self.one_line()


class InputError(AgiTermsError):
    """Input that the engine refuses: a bad scenario, event, date, parameter or option."""


class EventOrderError(InputError):
    """An event dated before the previous event or before the agreement's start."""


class LifecycleError(InputError):
    """An event that the contract's current phase does not allow."""


class UnknownVersionError(InputError):
    """An agreement version that is not shipped (or not found in the given folder)."""


class UnknownParameterError(InputError):
    """A parameter name that the agreement version does not define."""


class RulebookError(AgiTermsError):
    """A rule file that does not load: it names the file, the rule id and the key."""


class BackendError(AgiTermsError):
    """A rules backend failed or is not available on this interpreter."""
