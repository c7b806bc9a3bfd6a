"""One error hierarchy: every failure a user can cause is a DsagenError with a one-line message.

The CLI catches DsagenError at the top, prints the message in red on stderr and exits with
``exit_code``. Anything else escaping is a bug in dsagen, not in the user's input.
"""

from __future__ import annotations

from pathlib import Path


class DsagenError(Exception):
    """Base class: a user-facing, one-line message and an exit code (2 = bad input)."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def located(path: str | Path | None, line: int | None = None, field: str | None = None) -> str:
    """Format the 'file:line: field' prefix shared by all input errors."""
    parts = []
    if path is not None:
        parts.append(str(path) + (f":{line}" if line else ""))
    if field:
        parts.append(f"field '{field}'")
    return ", ".join(parts)


class InputError(DsagenError):
    """Bad input in a file the user wrote: names file, line, field, expected and found."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        prefix = located(path, line, field)
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field


class InputErrors(DsagenError):
    """Several input errors found in one pass (every bad field, every bad file), so a user fixes
    them all at once instead of one run per mistake. Each stays one line."""

    def __init__(self, errors: list[DsagenError]) -> None:
        super().__init__("\n".join(e.message for e in errors))
        self.errors = errors


def raise_all(errors: list[DsagenError]) -> None:
    """Raise nothing, the one error, or all of them together."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InputErrors(errors)


class LibraryError(InputError):
    """The clause library or a template is malformed (a bug in legal content, not in a partner)."""


class PartnerError(InputError):
    """A partner parameter file does not satisfy the template's schema."""


class TemplateRenderError(InputError):
    """Jinja text in a clause or template failed to render."""


class DocumentError(InputError):
    """A DOCX given to dsagen cannot be read safely (not a DOCX, corrupt, encrypted, zip bomb)."""


class OutputError(DsagenError):
    """An output cannot be written (exists without --force, folder not writable, path escapes)."""


class RegistryError(DsagenError):
    """The registry database cannot be opened, migrated or written."""


class DeviationsFound(DsagenError):
    """Not a failure of dsagen: the compared or linted document deviates (exit code 1)."""

    exit_code = 1
