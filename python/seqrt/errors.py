"""Exceptions raised by seqrt: one class per runtime status, plus the two
run-time failures callers most often handle (a token id outside the
vocabulary, a KV cache overflow).

Every exception carries the runtime's own message (``str(e)``) and its
status name (``e.status``, e.g. ``"SEQRT_ERROR_FORMAT"``). All derive from
:class:`Error`; each also derives from the closest built-in exception, so
``except OSError`` or ``except ValueError`` work as expected.
"""

import re

__all__ = [
    "Error", "FileError", "FormatError", "VersionError", "ChecksumError",
    "TargetError", "BindingError", "ArgumentError", "OutOfMemoryError",
    "ExecutionError", "TokenIdError", "CacheOverflowError",
]


class Error(RuntimeError):
    """A seqrt runtime error; ``status`` names the seqrt_status."""

    status = "SEQRT_ERROR"


class FileError(Error, OSError):
    """A file could not be opened, read or mapped (SEQRT_ERROR_IO)."""

    status = "SEQRT_ERROR_IO"


class FormatError(Error, ValueError):
    """A malformed artifact, metadata, GGUF or safetensors file."""

    status = "SEQRT_ERROR_FORMAT"


class VersionError(Error):
    """An unsupported artifact format version."""

    status = "SEQRT_ERROR_VERSION"


class ChecksumError(Error, ValueError):
    """Artifact contents that do not match their checksum."""

    status = "SEQRT_ERROR_CHECKSUM"


class TargetError(Error):
    """An artifact built for another target or host."""

    status = "SEQRT_ERROR_TARGET"


class BindingError(Error, KeyError):
    """A missing parameter, a parameter mismatch or an unbound parameter."""

    status = "SEQRT_ERROR_BINDING"

    def __str__(self):  # KeyError would quote the message
        return RuntimeError.__str__(self)


class ArgumentError(Error, ValueError):
    """A bad argument: unknown entry, wrong input count, dtype or shape."""

    status = "SEQRT_ERROR_ARGUMENT"


class OutOfMemoryError(Error, MemoryError):
    """The runtime ran out of memory."""

    status = "SEQRT_ERROR_MEMORY"


class ExecutionError(Error):
    """The generated code reported an error while running."""

    status = "SEQRT_ERROR_EXECUTION"


class TokenIdError(Error, IndexError):
    """A token id (or another index) outside its range.

    Raised by sessions before they call (``status`` SEQRT_ERROR_ARGUMENT)
    and by entry calls whose code reported it (SEQRT_ERROR_EXECUTION,
    __seq_status 1)."""


class CacheOverflowError(Error):
    """More tokens than the KV cache holds.

    Raised by sessions before they call (SEQRT_ERROR_ARGUMENT) and by entry
    calls whose code reported a write past the cache (SEQRT_ERROR_EXECUTION,
    __seq_status 2)."""


_BY_STATUS = {
    1: FileError, 2: FormatError, 3: VersionError, 4: ChecksumError,
    5: TargetError, 6: BindingError, 7: ArgumentError, 8: OutOfMemoryError,
    9: ExecutionError,
}
_STATUS_NAMES = {
    cls: cls.status for cls in _BY_STATUS.values()
}


def exception_for(status, message, kind=""):
    """The exception for a failed seqrt call (used by the native module).

    ``kind`` is what the binding found out about a session error
    ("token", "cache"); an execution error's code status is the
    ``(__seq_status N)`` the runtime puts in its message."""
    cls = _BY_STATUS.get(status, Error)
    # The runtime's message ends "(__seq_status N)", or continues with
    # ": <the code's message>" (op, location, values).
    code = re.search(r"\(__seq_status (\d+)\)(?::|$)", message)
    code = int(code.group(1)) if status == 9 and code else None
    if kind == "token" or code == 1:
        cls = TokenIdError
    elif kind == "cache" or code == 2:
        cls = CacheOverflowError
    error = cls(message)
    error.status = _STATUS_NAMES.get(_BY_STATUS.get(status), "SEQRT_ERROR")
    return error
