"""Exceptions raised by `stance`. All derive from :class:`StanceError`; each also derives from
the built-in exception a Python user would catch for that kind of failure."""

from typing import Optional


class StanceError(Exception):
    """Base of every error the library raises. ``path``, ``line`` and ``field`` name where an
    input went wrong when the library knows it (``None`` otherwise)."""

    path: Optional[str] = None
    line: Optional[int] = None
    field: Optional[str] = None


class InputError(StanceError, ValueError):
    """Bad input or settings: a malformed record (with ``path``, ``line``, ``field``), an unusable
    file, an unknown option or label, a target that is not in its text."""


class ModelError(StanceError, ValueError):
    """A model folder or weights file is missing, corrupt or inconsistent."""


class StanceFileNotFoundError(StanceError, FileNotFoundError):
    """A file the call names does not exist."""


class StanceIOError(StanceError, OSError):
    """A file could not be read or written."""


__all__ = [
    "StanceError",
    "InputError",
    "ModelError",
    "StanceFileNotFoundError",
    "StanceIOError",
]
