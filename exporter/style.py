"""The one stylesheet both writers use: shared content rules + Pygments colours + a per-output part.

`content.css` styles rendered answers (lists, tables, code, quotes, images) for both the
deck and the PDF; `card.css` and `pdf.css` add what only one output needs. Code colours
come from one Pygments style so a snippet looks the same on a card and on paper.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from pygments.formatters import HtmlFormatter

CODE_STYLE = "friendly"  # light, print-safe; legible in greyscale
NIGHT_CODE_STYLE = "monokai"  # Anki's night mode (the `nightMode` class on the card)
CODE_CLASS = "highlight"  # the wrapper class render.py gives highlighted code


def template_text(name: str) -> str:
    return resources.files("exporter").joinpath("templates", name).read_text(encoding="utf-8")


@cache
def pygments_css(style: str = CODE_STYLE, scope: str | tuple[str, ...] = f".{CODE_CLASS}") -> str:
    return HtmlFormatter(style=style).get_style_defs(scope)


@cache
def stylesheet(target: str) -> str:
    """The full CSS for `target` ("deck" or "pdf")."""
    parts = [template_text("content.css"), pygments_css()]
    if target == "deck":
        # Anki desktop and AnkiMobile mark night mode `nightMode`, AnkiDroid `night_mode`
        parts.append(pygments_css(NIGHT_CODE_STYLE, (f".nightMode .{CODE_CLASS}", f".night_mode .{CODE_CLASS}")))
        parts.append(template_text("card.css"))
    elif target == "pdf":
        parts.append(template_text("pdf.css"))
    else:
        raise ValueError(f"unknown stylesheet target {target!r}")
    return "\n".join(parts)
