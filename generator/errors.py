"""The one base of every stage's "this poster cannot be made".

A build catches it per poster: the poster fails with the message and the others go
on. When the fault is in one field of the campaign file, ``field`` names it (a path
such as ``("messages", "call", "lo")``) and the build puts the file, line and column
in front of the message.
"""

from __future__ import annotations

Field = tuple[str | int, ...]  # a path into the campaign file, e.g. ("messages", "call", "lo")


class PosterFailure(Exception):
    """This poster cannot be made; the message says which text or resource and why."""

    def __init__(self, message: str, field: Field | None = None) -> None:
        super().__init__(message)
        self.field = field  # the campaign field at fault, when one is
