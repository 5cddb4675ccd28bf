"""Markdown to safe HTML, once per card, shared by the deck and the PDF.

Python-Markdown renders tables, fenced code (highlighted by Pygments with class names, so
one stylesheet colours code on cards and on paper), quotes and images after the lists are
normalised (exporter.lists). nh3 then keeps only harmless markup: no scripts, styles,
frames, event handlers, `<link>` or `file:` URLs. Images are resolved here for both
writers: a local image inside the source's folder gets a content-hash name the writers
serve it under; anything else local is refused with a warning; remote images stay
references and are never fetched.
"""

from __future__ import annotations

import hashlib
import html as htmllib
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import markdown
import nh3
from pygments.formatters import HtmlFormatter

from .lists import BULLET, normalise_lists
from .fences import next_fence
from .model import Card, Diagnostic, Image, Location
from .style import CODE_CLASS

EXTENSIONS = ["tables", "fenced_code", "codehilite"]

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"align", "colspan", "rowspan", "style"},
    "th": {"align", "colspan", "rowspan", "style"},
    "ol": {"start"},
}
# `file` passes nh3 only so the filter below can refuse it with a warning.
URL_SCHEMES = {"http", "https", "mailto", "file"}
REMOTE = re.compile(r"^(https?:)?//", re.IGNORECASE)
IMG_TAG = re.compile(r"<img\b[^>]*>")
IMG_SRC = re.compile(r'\bsrc="([^"]*)"')
IMG_ALT = re.compile(r'\balt="([^"]*)"')
TABLE_ALIGN_STYLE = re.compile(r"^text-align: (left|right|center);?$")


class _LanguageFormatter(HtmlFormatter):
    """Pygments HTML that records the language: `<code class="language-python">`."""

    _stylesheets: dict = {}  # (style, class prefix) -> Pygments' token-to-class tables

    def __init__(self, lang_str: str = "", **options):
        super().__init__(**options)
        self.lang_str = lang_str

    def _create_stylesheet(self):
        """Codehilite makes a formatter per code block and Pygments rebuilds its tables for each
        (0.7 ms a block); they depend only on the style, and nothing changes them afterwards."""
        key = (self.style, self.classprefix)
        if key not in self._stylesheets:
            super()._create_stylesheet()
            self._stylesheets[key] = (self.ttype2class, self.class2style)
        self.ttype2class, self.class2style = self._stylesheets[key]

    def _wrap_code(self, source):
        yield 0, f'<code class="{self.lang_str}">'
        yield from source
        yield 0, "</code>"


def new_markdown() -> markdown.Markdown:
    md = markdown.Markdown(
        extensions=EXTENSIONS,
        extension_configs={"codehilite": {
            "css_class": CODE_CLASS, "guess_lang": False, "pygments_formatter": _LanguageFormatter,
            "lang_prefix": "language-",
        }},
        output_format="html",
    )
    md.parser.blockprocessors["olist"].LAZY_OL = False  # a list written from `5.` starts at 5
    return md


class Renderer:
    """Renders a document's cards; keep one per process (Markdown set-up is not free)."""

    def __init__(self) -> None:
        self.markdown = new_markdown()

    def to_html(self, text: str) -> str:
        self.markdown.reset()
        return self.markdown.convert(normalise_lists(guard_long_paragraphs(text)))

    def inline(self, text: str) -> str:
        if not MARKDOWN_SYNTAX.search(text):
            return htmllib.escape(text, quote=False)  # plain text: skip Markdown's full pipeline
        html = self.to_html(text)
        if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
            html = html[3:-4]
        return html

    def render_card(self, card: Card, base: Path) -> ImageResolver:
        """Fill the card's HTML and images; the returned resolver holds diagnostics and paths tried."""
        images = ImageResolver(card, base)
        if guard_long_paragraphs(card.answer) is not card.answer:
            images.diagnostics.append(Diagnostic(
                card.location, f"answer has a paragraph over {MAX_PARAGRAPH:,} characters; it is shown as plain text",
                "break it into paragraphs or a list"))
        card.question_html = sanitize(self.inline(card.question), images)
        card.answer_html = sanitize(self.to_html(card.answer), images)
        images.take_alt_texts(card.question_html + card.answer_html)
        card.images = images.images
        return images


MARKDOWN_SYNTAX = re.compile(r"[*_`\[\]<>&\\!#|~]|^\s*(?:[-+>]|\d+[.)])\s|  $")
MAX_PARAGRAPH = 20_000  # Python-Markdown's inline patterns go quadratic on huge paragraphs


def guard_long_paragraphs(text: str) -> str:
    """Escape paragraphs too long for Markdown's inline patterns; return `text` itself if none."""
    if len(text) <= MAX_PARAGRAPH:
        return text
    lines = text.split("\n")
    out: list[str] = []
    paragraph: list[str] = []
    fence: str | None = None
    changed = False

    def flush() -> None:
        nonlocal changed
        if sum(len(line) + 1 for line in paragraph) > MAX_PARAGRAPH:
            out.extend(["", f'<p class="plain">{htmllib.escape(" ".join(paragraph))}</p>', ""])
            changed = True
        else:
            out.extend(paragraph)
        paragraph.clear()

    for line in lines:
        if fence is not None:
            out.append(line)
            fence = next_fence(line, fence)
            continue
        fence = next_fence(line, None)
        if fence is not None:
            flush()
            out.append(line)
        elif not line.strip():
            flush()
            out.append(line)
        else:
            if BULLET.match(line):  # each list item is inlined on its own
                flush()
            paragraph.append(line)
    flush()
    return "\n".join(out) if changed else text


def sanitize(html: str, images: "ImageResolver") -> str:
    # The filter resolves images, checks styles and refuses file: links; HTML with neither
    # images nor styles needs it only for file: links, which nh3 drops by itself once `file`
    # is not an allowed scheme. That spares nh3 a Python call per attribute.
    lowered = html.lower()
    needs_filter = "<img" in lowered or "style" in lowered
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES if needs_filter else URL_SCHEMES - {"file"},
        attribute_filter=images.filter if needs_filter else None,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


class ImageResolver:
    """nh3 attribute filter that resolves `<img src>` and drops unsafe attribute values."""

    def __init__(self, card: Card, base: Path):
        self.card = card
        self.base = base
        self.images: list[Image] = []
        self.diagnostics: list[Diagnostic] = []
        self.tried: list[Path] = []  # every local path looked up, found or not

    def filter(self, tag: str, attribute: str, value: str) -> str | None:
        if attribute == "style":
            return value if TABLE_ALIGN_STYLE.match(value) else None
        if tag == "img" and attribute == "src":
            return self.resolve(value)
        if attribute == "href" and urlsplit(value).scheme.lower() == "file":
            return None
        return value

    def resolve(self, src: str) -> str | None:
        image = Image(src=src, alt="", location=self.location_of(src))
        if REMOTE.match(src):
            self.images.append(image)
            return src
        path = self.local_path(src)
        if path is None:
            return None
        image.path = path
        image.media_name = media_name(path)
        self.images.append(image)
        return image.media_name

    def local_path(self, src: str) -> Path | None:
        parts = urlsplit(src)
        if parts.scheme or parts.netloc or src.startswith("/"):
            self.warn(src, "image is not a relative path", "put the image in the notes' folder and link it relatively")
            return None
        root = self.base.resolve()
        path = (root / unquote(parts.path)).resolve()
        self.tried.append(path)
        if not path.is_relative_to(root):
            self.warn(src, "image lies outside the notes' folder and is not included",
                      "copy it into the notes' folder")
            return None
        if not path.is_file():
            self.warn(src, "image not found", "check the file name, relative to the notes file")
            return None
        return path

    def take_alt_texts(self, html: str) -> None:
        """nh3 shows attributes one at a time: pair each image with its alt text afterwards."""
        alts = {}
        for tag in IMG_TAG.findall(html):
            src, alt = IMG_SRC.search(tag), IMG_ALT.search(tag)
            if src:
                alts.setdefault(htmllib.unescape(src[1]), htmllib.unescape(alt[1]) if alt else "")
        for image in self.images:
            image.alt = alts.get(image.media_name or image.src, "")

    def location_of(self, src: str) -> Location:
        card = self.card
        for offset, line in enumerate(card.answer.split("\n")):
            if src in line and offset < len(card.answer_lines):
                return Location(card.location.file, card.answer_lines[offset], card.location.unit)
        return card.location

    def warn(self, src: str, message: str, hint: str) -> None:
        self.diagnostics.append(Diagnostic(self.location_of(src), f"{message}: {src[:80]}", hint))


def media_name(path: Path) -> str:
    """A file name from the image's content: identical images share one, edits get a new one."""
    digest = hashlib.sha1(path.read_bytes()).hexdigest()[:16]
    return f"notes-{digest}{path.suffix.lower()}"


