"""The one error type the exporter raises for bad input or an unusable environment."""

from __future__ import annotations

from pathlib import Path

from .model import Diagnostic, Location, Severity


class NotesError(Exception):
    """A user-facing problem: printed as one line `file:line: message — hint`, exit 1."""

    def __init__(self, location: Location | Path | str, message: str, hint: str = ""):
        if not isinstance(location, Location):
            location = Location(Path(location), 1)
        self.location = location
        self.message = message
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        return str(self.diagnostic)

    def __reduce__(self):  # survive the trip back from a worker process
        return (type(self), (self.location, self.message, self.hint))

    @property
    def diagnostic(self) -> Diagnostic:
        return Diagnostic(self.location, self.message, self.hint, Severity.ERROR)


def unexpected(location: Location | Path, what: str, error: BaseException) -> NotesError:
    """A failure that is not the input's fault, still one line (and other sources still build)."""
    detail = str(error).splitlines()[0][:200] if str(error) else ""
    return NotesError(location, f"{what} failed: {type(error).__name__}{': ' + detail if detail else ''}",
                      "this is a bug in notes-export: please report it with the notes file")
