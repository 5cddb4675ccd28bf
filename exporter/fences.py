"""Markdown code fences, followed line by line the same way by every part that must skip code."""

from __future__ import annotations

import re

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def next_fence(line: str, fence: str | None) -> str | None:
    """The fence still open after `line` (None: outside code). `fence` is the one open before it."""
    match = FENCE.match(line)
    if fence is None:
        return match[1] if match else None
    closes = match and match[1][0] == fence[0] and len(match[1]) >= len(fence) and not line.strip()[len(match[1]):]
    return None if closes else fence
