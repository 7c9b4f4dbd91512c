"""The problems a reader of the archive reports: one line for the user each, and an exit status for scripts."""

from __future__ import annotations


class ArchiveError(Exception):
    """A problem a user can act on; `exit_code` tells scripts which kind."""

    exit_code = 3


class ArchiveMissing(ArchiveError):
    pass


class SchemaMismatch(ArchiveError):
    pass


class NotFound(ArchiveError):
    exit_code = 4


class BadInput(ArchiveError):
    exit_code = 2
