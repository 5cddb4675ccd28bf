"""The Anki writer: a rendered Document becomes `<out>/<stem>.apkg` (genanki), updating in place.

Decks
    A root deck named after the document's title (or `deck_name`), one subdeck per topic,
    `Title::01 Databases`. Anki lists subdecks by name and gathers new cards deck by deck,
    so the zero-padded prefix keeps the topics in document order (`order_prefix=False`
    drops it). Every card's new-queue position (`due`) is its document index. Deck ids are
    derived from the deck names (Anki itself maps imported decks by name).

Note type (a compatibility contract)
    One note type, `MODEL_ID`, fields `FIELDS`, one template `TEMPLATE_NAME`. Anki treats
    a changed field list or template count as another note type: it adds a "… +" type and
    never updates the existing notes again. Never change these; tests/test_deck.py pins
    them. CSS and template *text* may change: the note type's `mod` is bumped then, and
    Anki updates the type in place.

Identity
    A note's GUID is `genanki.guid_for(card.identity)`. Two cards with one GUID raise a
    NotesError naming both places (Anki would import both and corrupt them next time).

The mod rule (what an update changes and what it preserves)
    Anki updates an existing note only when the incoming note's `mod` is newer, in whole
    seconds. genanki stamps every note with the build time, which overwrites edits made in
    Anki on notes we did not change and loses a change built within the same second as
    the previous build. So this writer reads the previous package at the output path and,
    per GUID, compares the note's content (all fields and tags):

    * unchanged note  -> keeps the `mod` it had in the previous package, so Anki reports
      it as a duplicate and leaves the collection's copy (and any edits made there) alone;
    * changed or new  -> `stamp = max(now, newest mod in the previous package + 1)`,
      strictly newer than anything we ever wrote, so Anki updates it even when two builds
      fall within one second. Review history is kept either way (Anki never touches
      scheduling of existing cards on import).

    The note type follows the same rule (kept `mod` while its CSS/templates are unchanged).
    Without a previous package (first build, or the output folder was cleaned) every note
    is stamped `now`: importing that package updates every note, overwriting edits made
    in Anki. Fields hold nothing that moves when unrelated text moves (no line numbers),
    so editing one answer changes one note.

    What Anki does not do on re-import: move cards of existing notes to another deck,
    delete notes whose question was removed from the source (DeckResult.removed counts
    them), or reposition existing new cards.

Media
    Images with a local `.path` are packed under their content-hash `.media_name`, the
    name the rendered HTML already uses. Remote images stay remote references.

Safety
    Every HTML field is checked once more before Anki's webview sees it. The renderer's
    output is already nh3-clean, so a cheap check (one compiled regex and a tag-balance
    scan, ~10 µs a field) first proves a field is in that form: only allow-listed tags
    with allow-listed attributes, http(s)/mailto or relative URLs, text-align styles,
    escaped text, no comments, every tag closed in order. Such a field is kept as it is
    (nh3 would return it unchanged); any other (HTML built by hand, a renderer bug) passes
    nh3 with the renderer's policy: no script, style, iframe, event handlers or `file:`.
    The package is written atomically (exporter.output.atomic_path).

Speed
    genanki re-reads and re-writes the collection's deck and note-type JSON once per deck
    (quadratic in subdecks) and inserts rows one at a time, so this writer uses genanki
    for the collection's schema and the deck and note-type JSON only, and writes the notes
    and cards itself in two `executemany` calls (the rows genanki would write, column for
    column). The previous package is compared field by field, without hashing. The
    package is deflated at level 1: four times faster than the default, ~20% larger.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import sqlite3
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import genanki
import nh3
from genanki.apkg_col import APKG_COL
from genanki.apkg_schema import APKG_SCHEMA

from . import render
from .errors import NotesError
from .model import Card, CardKind, Diagnostic, Document, Location, Severity, Topic
from .output import atomic_path
from .style import stylesheet, template_text

# --- the compatibility contract: never change these (see the module docstring) --------
MODEL_ID = 1_733_050_417
MODEL_NAME = "notes-export Q/A"
FIELDS = ("Question", "Answer", "Context", "Number", "Kind", "Source")
TEMPLATE_NAME = "Card"
# ---------------------------------------------------------------------------------------

NOTES_TAG = "section-notes"  # tag for cards made from a section's/topic's own content
CONTEXT_SEPARATOR = " › "
URL_SCHEMES = {"http", "https", "mailto"}  # never `file:` (the renderer lets it reach its own filter)


@dataclass(frozen=True)
class DeckResult:
    path: Path
    deck_name: str  # the root deck
    subdecks: tuple[str, ...]  # full names, in document order
    note_count: int
    media_count: int
    new: int  # notes not in the previous package
    changed: int  # notes whose content differs from the previous package (stamped newer)
    unchanged: int  # notes that kept their previous mod (Anki leaves them alone)
    removed: int  # notes of the previous package that are gone (Anki keeps them)
    stamp: int  # the mod given to new and changed notes
    previous_read: bool  # whether a previous package was found and read
    warnings: tuple[Diagnostic, ...] = field(default=())  # also appended to document.diagnostics


@dataclass(frozen=True)
class _Note:
    guid: str
    fields: tuple[str, ...]
    tags: str  # Anki's column format: " tag1 tag2 "
    mod: int
    due: int


@dataclass
class _Deck:
    id: int
    name: str
    description: str = ""
    notes: list[_Note] = field(default_factory=list)


def write_deck(document: Document, out_dir: Path, *, order_prefix: bool = True,
               deck_name: str | None = None) -> DeckResult:
    """Write `<out_dir>/<document.stem>.apkg` atomically; see the module docstring."""
    target = Path(out_dir) / f"{document.stem}.apkg"
    diagnostics: list[Diagnostic] = []
    previous = _read_previous(target, diagnostics)
    now = int(time.time())
    stamp = max(now, previous.newest_mod + 1, previous.model_mod + 1)

    # the root name may nest on purpose ("Uni::BDS M6"); a topic's "::" may not
    root = "::".join(filter(None, (_deck_name(part) for part in
                                   (deck_name if deck_name is not None else document.title).split("::"))))
    root = root or document.stem
    spec = model_spec()
    model_mod = previous.model_mod if previous.model_digest == _model_digest(spec) else stamp

    decks = {root: _Deck(deck_id(root), root, html.escape(f"Made by notes-export from {document.path.name}"))}
    subdecks: list[str] = []
    seen: dict[str, Card] = {}
    media: dict[str, Path] = {}
    counts = {"new": 0, "changed": 0, "unchanged": 0}
    kept: list[tuple[str, str, Topic, Card]] = []  # (deck in the previous package, deck now, topic, card)
    width = max(2, len(str(len(document.topics))))
    for position, topic in enumerate(document.topics):
        if not topic.cards:
            continue
        prefix = f"{position + 1:0{width}d} " if order_prefix else ""
        title = _subdeck_title(topic)
        name = f"{root}::{prefix}{title}"
        if name not in decks:
            decks[name] = _Deck(deck_id(name), name)
            subdecks.append(name)
        for card in topic.cards:
            guid = genanki.guid_for(card.identity)
            if guid in seen:
                other = seen[guid]
                raise NotesError(card.location,
                                 f"two cards would be one Anki note: this one and {other.location}",
                                 "give one of them its own explicit id, e.g. `{#my-id}` at the end of the heading")
            seen[guid] = card
            fields = note_fields(card, document)
            tags = note_tags(card)
            before = previous.notes.get(guid)
            if guid in previous.deck_of:
                kept.append((previous.deck_of[guid], name, topic, card))
            if before is None:
                counts["new"] += 1
                mod = stamp
            elif before[1:] != _content(fields, tags):
                counts["changed"] += 1
                mod = stamp
            else:
                counts["unchanged"] += 1
                mod = before[0]
            decks[name].notes.append(_Note(guid, fields, f" {' '.join(tags)} ", mod, card.index))
            for image in card.images:
                if image.path is None or not image.media_name:
                    continue
                if not Path(image.path).is_file():
                    diagnostics.append(Diagnostic(image.location, f"image not found: {image.src}",
                                                  "it is left out of the deck"))
                    continue
                media.setdefault(image.media_name, Path(image.path))

    _write_package(target, _model(spec), model_mod, list(decks.values()), media, now)
    diagnostics += _moved_cards(kept) + _removed_notes(previous, seen.keys(), document.path)
    document.diagnostics.extend(diagnostics)  # where the CLI looks for warnings
    return DeckResult(
        path=target, deck_name=root, subdecks=tuple(subdecks), note_count=len(seen),
        media_count=len(media), new=counts["new"], changed=counts["changed"],
        unchanged=counts["unchanged"], removed=len(previous.notes.keys() - seen.keys()),
        stamp=stamp, previous_read=previous.found, warnings=tuple(diagnostics))


def _moved_cards(kept: list[tuple[str, str, Topic, Card]]) -> list[Diagnostic]:
    """Anki never moves the cards of an existing note to another deck on import. A subdeck
    renamed (a retitled topic, or a topic added above it renumbers the prefixes) would split
    its topic in two, and a question moved (with an explicit id) stays in its old deck."""
    by_deck: dict[str, list[tuple[str, Topic, Card]]] = {}
    for old, new, topic, card in kept:
        by_deck.setdefault(old, []).append((new, topic, card))
    notes = []
    for old, now in by_deck.items():
        successor, where = _successor(old, now)
        if successor != old:
            notes.append(Diagnostic(where, f"subdeck {old!r} is now {successor!r}: Anki keeps the cards it has "
                                    "in the old deck and puts new ones in the new",
                                    f"rename {old!r} to {successor!r} in Anki before importing", Severity.NOTE))
        notes += [Diagnostic(card.location, f"question {card.question[:60]!r} moved from {old!r} to {new!r}: "
                             "Anki keeps its card in the old deck", "move it in Anki's browser (Change Deck)",
                             Severity.NOTE)
                  for new, _, card in now if new != successor]
    notes.sort(key=lambda d: d.location.line)
    return notes


def _successor(old: str, now: list[tuple[str, Topic, Card]]) -> tuple[str, Location]:
    """The deck `old` became, and its topic's heading: the deck of the topic with the same
    title (with or without the order prefix), else the one most of its cards went to."""
    old_title = old.rsplit("::", 1)[-1]
    for new, topic, _ in now:
        if _subdeck_title(topic) in (old_title, _PREFIX.sub("", old_title, count=1)):
            return new, topic.location
    counts = Counter(new for new, _, _ in now)
    new = max(counts, key=counts.__getitem__)
    return new, next(topic.location for deck, topic, _ in now if deck == new)


def _removed_notes(previous: "_Previous", kept, source: Path) -> list[Diagnostic]:
    gone = [guid for guid in previous.notes if guid not in kept]
    if not gone:
        return []
    questions = [_TAGS.sub("", previous.notes[guid][1].split("\x1f", 1)[0]) for guid in gone]
    shown = "; ".join(html.unescape(q)[:60] for q in questions[:3]) + ("; …" if len(gone) > 3 else "")
    return [Diagnostic(Location(source, 1), f"{len(gone)} {'note is' if len(gone) == 1 else 'notes are'} no longer "
                       f"in the notes: {shown}", "Anki keeps them and their review history; delete them in Anki's "
                       "browser if you no longer want them", Severity.NOTE)]


# --- fields, tags, names ------------------------------------------------------------------

def note_fields(card: Card, document: Document) -> tuple[str, ...]:
    """The note's fields, in the order of FIELDS."""
    question = sanitize(card.question_html) if card.question_html else html.escape(card.question)
    context = list(card.context)
    if context and context[-1].strip() == card.question.strip():
        context.pop()  # a notes card is prompted by its own heading: don't say it twice
    return (
        question,
        sanitize(card.answer_html),
        CONTEXT_SEPARATOR.join(html.escape(part) for part in context),
        html.escape(card.number or ""),
        CardKind(card.kind).value,
        html.escape(document.path.name),
    )


def note_tags(card: Card) -> list[str]:
    """`Topic::Section::Subsection` (spaces made underscores), plus NOTES_TAG for notes cards."""
    parts = [_tag_part(part) for part in (card.topic, *card.sections)]
    parts = [part for part in parts if part]
    tags = ["::".join(parts)] if parts else []
    if card.kind is CardKind.NOTES:
        tags.append(NOTES_TAG)
    return tags


def sanitize(fragment: str) -> str:
    """The renderer's nh3 policy once more; a no-op on the renderer's output.

    A fragment already in the sanitized form (the renderer's output) is returned after one
    regex match and a tag-balance check; anything else passes nh3.
    """
    if _SANITIZED.fullmatch(fragment) and render.nesting(fragment) is not None:
        return fragment
    return nh3.clean(fragment, tags=render.ALLOWED_TAGS, attributes=render.ALLOWED_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, attribute_filter=_attribute_filter,
                     link_rel="noopener noreferrer", strip_comments=True)


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "style":
        return value if render.TABLE_ALIGN_STYLE.match(value) else None
    return value


def _sanitized_form() -> re.Pattern[str]:
    """A regex matching only HTML that is safe as it stands, in the form nh3 writes it.

    Text is escaped (`&amp; &lt; &gt; &nbsp;`, no raw `<>&` or no-break space); every tag
    is an allowed one with allowed attributes only, values double-quoted and escaped; URLs
    are relative (no `:` before the first `/?#`) or http(s)/mailto; styles are the
    renderer's text-align ones; `<a>` ends with nh3's rel. No comments, no other markup.
    """
    text = r"(?:[^<>&\xa0]++|&(?:amp|lt|gt|nbsp);)*+"
    value = r'"(?:[^"<>&\xa0]++|&(?:amp|quot|nbsp);)*+"'
    url = (r'"(?:(?:https?|mailto):(?:[^"<>&\xa0]++|&amp;)*+'
           r'|(?:[^"<>&\xa0:/?#]++|&amp;)*+(?:[/?#](?:[^"<>&\xa0]++|&amp;)*+)?+)"')
    special = {"href": url, "src": url, "style": r'"text-align: (?:left|right|center);?"'}

    def opening(tags: list[str], end: str = ">") -> str:
        names = set().union(*(render.ALLOWED_ATTRIBUTES.get(key, set()) for key in ("*", tags[0])))
        attributes = "|".join(f"{name}={special.get(name, value)}" for name in sorted(names))
        return f"<(?:{'|'.join(tags)})(?: (?:{attributes}))*+{end}"

    by_attributes: dict[frozenset[str], list[str]] = {}
    for tag in sorted(render.ALLOWED_TAGS - {"a"}):
        by_attributes.setdefault(frozenset(render.ALLOWED_ATTRIBUTES.get(tag, ())), []).append(tag)
    openings = [opening(tags) for tags in by_attributes.values()]
    openings.append(opening(["a"], ' rel="noopener noreferrer">'))
    closing = f"</(?:{'|'.join(sorted(render.ALLOWED_TAGS - render.VOID_TAGS))})>"
    return re.compile(f"{text}(?:(?:{'|'.join(openings)}|{closing}){text})*+")


_SANITIZED = _sanitized_form()
_COLONS = re.compile(r":{2,}")
_TAGS = re.compile(r"<[^>]*>")
_PREFIX = re.compile(r"^\d+ ")  # the order prefix, `01 `
_TAG_BLANKS = re.compile(r"[\s\"]+")
_NAME_CONTROLS = re.compile(r"[\x00-\x1f]")
_NAME_BLANKS = re.compile(r"\s+")


def deck_id(name: str) -> int:
    """A fixed id for a deck name: positive, below 2**53 (JSON-safe), never Anki's 1."""
    digest = hashlib.sha256(f"notes-export deck\x00{name}".encode()).digest()
    return (1 << 40) + int.from_bytes(digest[:8], "big") % (1 << 52)


def _subdeck_title(topic: Topic) -> str:
    return _deck_name(_COLONS.sub(":", topic.title)) or "Untitled"


def _tag_part(text: str) -> str:
    return _TAG_BLANKS.sub("_", _COLONS.sub(":", text).strip()).strip("_:")


def _deck_name(text: str) -> str:
    # control characters and surrounding or repeated blanks are not allowed in Anki's names
    return _NAME_BLANKS.sub(" ", _NAME_CONTROLS.sub(" ", text)).strip()


def _content(fields, tags) -> tuple[str, str]:
    """What decides whether a note changed: all fields, and the set of tags."""
    return "\x1f".join(fields), " ".join(sorted(set(tags)))


# --- the note type ------------------------------------------------------------------------

def model_spec() -> dict:
    """What Anki will see of the note type, minus its mod."""
    return {
        "name": MODEL_NAME,
        "fields": [name for name in FIELDS],
        "templates": [{"name": TEMPLATE_NAME, "qfmt": template_text("card_front.html"),
                       "afmt": template_text("card_back.html")}],
        "css": stylesheet("deck"),
    }


def _model(spec: dict) -> genanki.Model:
    return genanki.Model(MODEL_ID, spec["name"], fields=[{"name": name} for name in spec["fields"]],
                         templates=[dict(t) for t in spec["templates"]], css=spec["css"])


def _model_digest(spec: dict) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


# --- the previous package -----------------------------------------------------------------

@dataclass
class _Previous:
    found: bool = False
    notes: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # guid -> (mod, *_content)
    deck_of: dict[str, str] = field(default_factory=dict)  # guid -> the deck its first card was in
    newest_mod: int = 0
    model_mod: int = 0
    model_digest: str = ""


def _read_previous(target: Path, diagnostics: list[Diagnostic]) -> _Previous:
    if not target.exists():
        return _Previous()
    try:
        with zipfile.ZipFile(target) as archive:
            names = set(archive.namelist())
            member = next((n for n in ("collection.anki21", "collection.anki2") if n in names), None)
            if member is None:
                raise ValueError("no collection inside")
            data = archive.read(member)
        db = sqlite3.connect(":memory:")
        try:
            db.deserialize(data)
            previous = _Previous(found=True)
            for guid, mod, flds, tags in db.execute("SELECT guid, mod, flds, tags FROM notes"):
                previous.notes[guid] = (int(mod), flds, " ".join(sorted(set(tags.split()))))
            models_json, decks_json = db.execute("SELECT models, decks FROM col").fetchone()
            names = {int(did): deck.get("name", "") for did, deck in json.loads(decks_json).items()}
            for guid, did in db.execute("SELECT notes.guid, MIN(cards.did) FROM notes JOIN cards "
                                        "ON cards.nid = notes.id GROUP BY notes.id"):
                if did in names:
                    previous.deck_of[guid] = names[did]
        finally:
            db.close()
        previous.newest_mod = max((mod for mod, *_ in previous.notes.values()), default=0)
        model = json.loads(models_json).get(str(MODEL_ID))
        if model:
            previous.model_mod = int(model.get("mod", 0))
            previous.model_digest = _model_digest({
                "name": model.get("name"),
                "fields": [f.get("name") for f in model.get("flds", [])],
                "templates": [{"name": t.get("name"), "qfmt": t.get("qfmt"), "afmt": t.get("afmt")}
                              for t in model.get("tmpls", [])],
                "css": model.get("css"),
            })
        return previous
    except (OSError, zipfile.BadZipFile, sqlite3.Error, ValueError, KeyError, TypeError) as exc:
        diagnostics.append(Diagnostic(
            Location(target, 1), f"cannot read the previous package ({exc})",
            "every note is stamped as changed: importing it overwrites edits made in Anki"))
        return _Previous()


# --- writing ------------------------------------------------------------------------------

def _write_package(target: Path, model: genanki.Model, model_mod: int, decks: list[_Deck],
                   media: dict[str, Path], now: int) -> None:
    """The collection genanki.Package would write for these decks, rows inserted in bulk."""
    ids = _ids(now)
    note_rows, card_rows = [], []
    for deck in decks:
        for note in deck.notes:
            note_id = next(ids)
            # notes: id guid mid mod usn tags flds sfld csum flags data
            note_rows.append((note_id, note.guid, MODEL_ID, note.mod, -1, note.tags, "\x1f".join(note.fields),
                              note.fields[model.sort_field_index], 0, 0, ""))
            for ord_ in _card_ords(model, note.fields):
                # cards: id nid did ord mod usn type queue due ivl factor reps lapses left odue odid flags data
                card_rows.append((next(ids), note_id, deck.id, ord_, note.mod, -1, 0, 0, note.due,
                                  0, 0, 0, 0, 0, 0, 0, 0, ""))
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(APKG_SCHEMA)
        db.executescript(APKG_COL)
        (decks_json,) = db.execute("SELECT decks FROM col").fetchone()
        all_decks = json.loads(decks_json)
        for deck in decks:
            all_decks[str(deck.id)] = genanki.Deck(deck.id, deck.name, deck.description).to_json()
        models = {str(MODEL_ID): model.to_json(model_mod, decks[-1].id)}  # genanki: the last deck's id
        db.execute("UPDATE col SET decks = ?, models = ?", (json.dumps(all_decks), json.dumps(models)))
        db.executemany("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?)", note_rows)
        db.executemany("INSERT INTO cards VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", card_rows)
        db.commit()
        collection = db.serialize()
    finally:
        db.close()
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("collection.anki2", collection)
        names = sorted(media)
        archive.writestr("media", json.dumps({str(i): name for i, name in enumerate(names)}))
        for i, name in enumerate(names):
            archive.write(media[name], str(i))


def _card_ords(model: genanki.Model, fields: tuple[str, ...]) -> list[int]:
    """The templates that make a card for these fields (genanki's rule for front/back types)."""
    return [ord_ for ord_, mode, required in model._req
            if (all if mode == "all" else any)(fields[i] for i in required)]


def _ids(now: int):
    """Note and card ids: millisecond-like, unique within the package (Anki remaps clashes)."""
    next_id = now * 1000
    while True:
        yield next_id
        next_id += 1
