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
from markdown.inlinepatterns import HTML_RE, HtmlInlineProcessor
from markdown.inlinepatterns import InlineProcessor as InlinePattern
from markdown.treeprocessors import InlineProcessor
from markdown.util import BLOCK_LEVEL_ELEMENTS, AtomicString
from pygments.formatters import HtmlFormatter
from pygments.token import Token

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

    def format_unencoded(self, tokensource, outfile):
        super().format_unencoded(_hash_comments(tokensource), outfile)


def _hash_comments(tokens):
    """A `# …` line its lexer cannot read (notebook cells put comments above JSON or an HTTP
    request) is a comment, not a run of error tokens coloured like keywords."""
    in_comment = line_start = True
    for kind, value in tokens:
        if line_start:
            in_comment = kind is Token.Error and value == "#"
        if in_comment and "\n" in value:
            head, _, tail = value.partition("\n")
            yield Token.Comment.Single, head
            yield Token.Text.Whitespace, "\n"
            in_comment, line_start = False, True
            if tail:
                yield kind, tail
                line_start = tail.endswith("\n")
            continue
        yield (Token.Comment.Single if in_comment else kind), value
        line_start = value.endswith("\n") or (line_start and not value.strip(" \t"))


# The strings one of which a text must contain for each of Python-Markdown's inline patterns to match.
INLINE_TRIGGERS = {
    "backtick": ("`",), "escape": ("\\",), "reference": ("[",), "link": ("[",), "image_link": ("[",),
    "image_reference": ("[",), "short_reference": ("[",), "short_image_ref": ("[",), "autolink": ("<",),
    "automail": ("<",), "linebreak": ("  \n",), "html": ("<",), "entity": ("&",), "em_strong": ("*", "_"),
    "em_strong2": ("_",), "not_strong": ("*", "_"), "math": ("\\",),
}


class _QuickInline(InlineProcessor):
    """Python-Markdown's inline pass, minus the work on text no inline pattern can match.

    The stock pass tries all 14 patterns on every text node, one Python call each, and most
    text in notes ("Store data in tables") has none of the characters any pattern needs:
    that was a third of the time spent in Markdown. Such text is returned as it is, which is
    what the stock pass returns for it. Any pattern not in INLINE_TRIGGERS (an extension's)
    turns the shortcut off.
    """

    def __init__(self, md: markdown.Markdown):
        super().__init__(md)
        names = [item.name for item in md.inlinePatterns._priority]
        self.trigger: re.Pattern[str] | None = None
        if all(name in INLINE_TRIGGERS for name in names):
            needed = sorted({text for name in names for text in INLINE_TRIGGERS[name]})
            self.trigger = re.compile("|".join(map(re.escape, needed)))

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if self.trigger is not None and not self.trigger.search(data):
            return data
        return super()._InlineProcessor__handleInline(data, patternIndex)


# Names of real HTML elements: `<b>` in notes is markup (nh3 keeps it or removes it), while
# `List<String>`, `Map<K, V>` or `docker run <image>` are text and must reach the card as written.
HTML_ELEMENTS = ALLOWED_TAGS | set(BLOCK_LEVEL_ELEMENTS) | set(
    "applet area audio base bdi bdo blink body button cite data datalist dfn dialog embed font form frame "
    "frameset head html iframe input label link map marquee meta meter noscript object param picture q rp rt "
    "ruby samp script select slot source style svg template textarea time title track var video wbr".split())
TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")


class _HtmlOrText(HtmlInlineProcessor):
    """Python-Markdown's raw inline HTML, for real HTML elements only; other `<…>` stays text."""

    def handleMatch(self, m: re.Match[str], data: str):
        name = TAG_NAME.match(m.group(1))
        if name and name[1].lower() not in HTML_ELEMENTS:
            return None, None, None
        return super().handleMatch(m, data)


class _Math(InlinePattern):
    """`\\(…\\)` and `\\[…\\]` kept as written, backslashes included, for Anki's MathJax
    (Markdown would read `\\(` as an escaped bracket and drop the backslash)."""

    def handleMatch(self, m: re.Match[str], data: str):
        return AtomicString(m.group(0)), m.start(0), m.end(0)


MATH_RE = r"\\\((.+?)\\\)|\\\[(.+?)\\\]"


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
    md.inlinePatterns.register(_HtmlOrText(HTML_RE, md), "html", 90)  # the stock one's name and priority
    md.inlinePatterns.register(_Math(MATH_RE, md), "math", 185)  # before `escape` (180) eats the backslash
    md.treeprocessors.register(_QuickInline(md), "inline", 20)
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
        images.in_question = True  # an image in the heading is reported at the heading's line
        card.question_html = sanitize(self.inline(card.question), images)
        images.in_question = False
        card.answer_html = sanitize(self.to_html(card.answer), images)
        depth = nesting(card.answer_html) or 0
        if depth > MAX_NESTING:  # layout engines recurse once per level: WeasyPrint fails near 150
            card.answer_html = f'<pre class="plain">{htmllib.escape(card.answer)}</pre>'
            images.images.clear()
            images.diagnostics.append(Diagnostic(
                card.location, f"answer nests {depth} levels deep (quotes, lists or HTML); it is shown as plain text",
                f"flatten it to at most {MAX_NESTING} levels"))
        images.diagnostics += long_code_lines(card)
        images.take_alt_texts(card.question_html + card.answer_html)
        card.images = images.images
        return images


MARKDOWN_SYNTAX = re.compile(r"[*_`\[\]<>&\\!#|~]|^\s*(?:[-+>]|\d+[.)])\s|  $")
MAX_PARAGRAPH = 20_000  # Python-Markdown's inline patterns go quadratic on huge paragraphs
MAX_NESTING = 64  # elements inside one another in an answer (lists stop at 12 levels: exporter.lists)
MAX_PRINTED_CODE_LINE = 5_000  # characters of one code line the PDF shows (the deck keeps all)
VOID_TAGS = {"br", "col", "hr", "img"}
SANITIZED_TAG = re.compile(r"<(/?)([a-z0-9]+)")  # nh3 writes names in lower case


def nesting(fragment: str) -> int | None:
    """How deep the fragment's elements nest; None if its tags do not close in order."""
    open_tags: list[str] = []
    deepest = 0
    for closing, name in SANITIZED_TAG.findall(fragment):
        if name in VOID_TAGS:
            continue
        if not closing:
            open_tags.append(name)
            deepest = max(deepest, len(open_tags))
        elif not open_tags or open_tags.pop() != name:
            return None
    return None if open_tags else deepest


def long_code_lines(card: Card) -> list[Diagnostic]:
    """Code lines too long for the PDF to show whole (it cuts them)."""
    if len(card.answer) <= MAX_PRINTED_CODE_LINE:
        return []
    found = []
    fence: str | None = None
    for offset, line in enumerate(card.answer.split("\n")):
        inside = fence is not None
        fence = next_fence(line, fence)
        if inside and fence is not None and len(line) > MAX_PRINTED_CODE_LINE:
            where = card.answer_lines[offset] if offset < len(card.answer_lines) else card.location.line
            found.append(Diagnostic(Location(card.location.file, where, card.location.unit),
                                    f"code line of {len(line):,} characters: the PDF shows its first "
                                    f"{MAX_PRINTED_CODE_LINE:,}",
                                    "break it into shorter lines (the deck keeps it whole)"))
    return found


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
        self.in_question = False

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
        path = self.local_path(src, image)
        if path is None:
            return None
        image.path = path
        self.images.append(image)
        return image.media_name

    def local_path(self, src: str, image: Image) -> Path | None:
        """The image's file inside the notes' folder (naming `image` by its content), else None and a warning."""
        parts = urlsplit(src)
        if parts.scheme or parts.netloc or src.startswith("/"):
            self.warn(src, "image is not a relative path", "put the image in the notes' folder and link it relatively")
            return None
        root = self.base.resolve()
        try:
            path = (root / unquote(parts.path)).resolve()
            self.tried.append(path)
            if not path.is_relative_to(root):
                self.warn(src, "image lies outside the notes' folder and is not included",
                          "copy it into the notes' folder")
                return None
            if not path.is_file():
                self.warn(src, "image not found", "check the file name, relative to the notes file")
                return None
            image.media_name = media_name(path)
        except (OSError, ValueError, RuntimeError) as error:  # a name too long, a NUL, a symlink loop
            self.warn(src, f"image cannot be read ({type(error).__name__}: {error})", "check the file name")
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
        """The answer line that links `src` (as a link target first, then anywhere in the line)."""
        card = self.card
        if self.in_question:
            return card.location
        lines = card.answer.split("\n")[:len(card.answer_lines)]
        as_target = (f"({src}", f'"{src}"', f"'{src}'", f"={src}")
        for found in (lambda line: any(t in line for t in as_target), lambda line: src in line):
            for offset, line in enumerate(lines):
                if found(line):
                    return Location(card.location.file, card.answer_lines[offset], card.location.unit)
        return card.location

    def warn(self, src: str, message: str, hint: str) -> None:
        self.diagnostics.append(Diagnostic(self.location_of(src), f"{message}: {src[:80]}", hint))


def media_name(path: Path) -> str:
    """A file name from the image's content: identical images share one, edits get a new one."""
    digest = hashlib.sha1(path.read_bytes()).hexdigest()[:16]
    return f"notes-{digest}{path.suffix.lower()}"


