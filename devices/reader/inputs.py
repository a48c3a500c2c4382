"""Where tokens come from: a keyboard-wedge scanner types a line per scan.

The scanner shows up as a keyboard; point `input.source` at the terminal it types into (or pipe
it to stdin). Each non-empty line is one scan.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

MAX_LINE = 512  # a pass is 120 characters; anything much longer is noise, not a pass


def scans(source: str) -> Iterator[str]:
    """Tokens read line by line from `source` ("stdin" or a file path) until it ends."""
    if source == "stdin":
        yield from _lines(sys.stdin)
        return
    with Path(source).open(errors="replace") as stream:
        yield from _lines(stream)


def _lines(stream: TextIO) -> Iterator[str]:
    while True:
        line = stream.readline(MAX_LINE + 1)
        if not line:
            return
        if len(line) > MAX_LINE and not line.endswith("\n"):
            while (rest := stream.readline(MAX_LINE)) and not rest.endswith("\n"):
                pass  # skip the rest of an overlong line
            continue
        # Only the line ending goes: a space is a base45 character and can start a pass.
        if token := line.rstrip("\r\n"):
            yield token
