"""Item lists written by people: CSV, YAML and JSON files.

All three carry the same keys, one item per row (CSV, with a header row) or per mapping (a YAML or JSON list):

=============  ===============================================================================================
``title``      required
``url``        an absolute http(s) link; tracking parameters are removed. Leave it out for tips and FAQs.
``guid``       the file's own stable id for the item, if it has one
``summary``    plain text
``category``   e.g. ``swift``; empty means the importer's default
``kind``       e.g. ``article``, ``faq``, ``tip``; empty means the importer's default
``tags``       a list (YAML/JSON), or one text separated by ``|`` (or by commas when there is no ``|``)
``variants``   message texts: a list (YAML/JSON), or one text separated by ``|``
``expires``    an ISO date or datetime. A date means "may be posted through that day": the item expires at the
               following midnight UTC. A datetime without a zone is UTC.
``max_shares`` a whole number above 0
``priority``   a whole number (higher is posted sooner)
``image``      an absolute http(s) link to a JPEG, PNG, WebP or GIF that campaigns with ``attach_image: true``
               post with the item; kept exactly as written
=============  ===============================================================================================

The format is recognised by content (:func:`detect_format`), never by file name. Validation is all or
nothing: :func:`read_rows` checks every row and raises :class:`~content_library.errors.ImportRejected` listing
every bad row (line or item number, key, what is wrong) before anything is imported. An empty CSV value or a
YAML ``null`` means "not given".
"""

import codecs
import csv
import io
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

import yaml

from content_library.drafts import ItemDraft
from content_library.errors import ImportRejected
from content_library.integers import LARGEST_INTEGER
from content_library.placeholders import RenderError, unknown_placeholder_problem, unknown_placeholders
from content_library.sniffing import SNIFF_BYTES, looks_like_feed, looks_like_json_feed, looks_like_xml
from content_library.urls import canonical_url, is_web_url, url_key

Format = Literal["feed", "csv", "yaml", "json"]
_YAML_MAPPING_LINE = re.compile(rb"^[A-Za-z_][\w -]*:(\s|$)")
_PLACE = re.compile(r"(?:line|item) (\d+):")
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Bad(ValueError):
    """One value that does not validate; the message says what was expected."""


@dataclass(frozen=True)
class _Row:
    where: str
    values: Mapping[str, Any]


def detect_format(data: bytes) -> Format:
    """``feed`` for XML in any encoding (see :mod:`content_library.sniffing`) and for a JSON Feed, ``json`` for
    another JSON document,
    ``yaml`` for a YAML list, else ``csv``."""
    if looks_like_xml(data) or looks_like_feed(data) or looks_like_json_feed(data):
        return "feed"
    head = data[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"[", b"{"):
        return "json"
    first_line = head.split(b"\n", 1)[0].rstrip()
    if first_line.startswith((b"-", b"#", b"%YAML")) or _YAML_MAPPING_LINE.match(first_line):
        return "yaml"
    return "csv"


# -- values ----------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Bad(f"expected text, got {_shown(value)}")
    return str(value).strip()


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def _url(value: Any) -> str:
    text = _text(value)
    if not is_web_url(text):
        raise _Bad(f"{text!r} is not an absolute http(s) URL")
    return canonical_url(text)


def _image(value: Any) -> str:
    """A picture's link, checked like ``url`` but not rewritten: a signed CDN link breaks when a parameter goes."""
    text = _text(value).strip()
    if not is_web_url(text):
        raise _Bad(f"{text!r} is not an absolute http(s) URL")
    return text


def _texts(value: Any, separators: str) -> tuple[str, ...]:
    if isinstance(value, list):
        parts = [_text(part) for part in value]
    else:
        text = _text(value)
        separator = next((s for s in separators if s in text), None)
        parts = text.split(separator) if separator else [text]
    return tuple(dict.fromkeys(part.strip() for part in parts if part.strip()))


def _variants(texts: tuple[str, ...]) -> tuple[str, ...]:
    """Variant texts, refused when one uses a placeholder rendering does not fill: it could never be posted."""
    for text in texts:
        try:
            unknown = unknown_placeholders(text)
        except RenderError as error:
            raise _Bad(f"{text!r}: {error.problem}") from None
        if unknown:
            raise _Bad(unknown_placeholder_problem(unknown[0]))
    return texts


def _whole_number(value: Any, *, minimum: int | None = None) -> int:
    expected = "a whole number" if minimum is None else f"a whole number of at least {minimum}"
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise _Bad(f"expected {expected}, got {_shown(value)}")
    try:
        number = int(value) if isinstance(value, int | float) else int(_text(value))
    except ValueError:
        raise _Bad(f"expected {expected}, got {_shown(value)}") from None
    if minimum is not None and number < minimum:
        raise _Bad(f"expected {expected}, got {number}")
    if abs(number) > LARGEST_INTEGER:  # the database holds no more
        raise _Bad(f"expected {expected} of at most {LARGEST_INTEGER:,} either way, got {_shown(value)}")
    return number


def _expiry(value: Any) -> datetime:
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            example = "an ISO date like 2026-12-31 or datetime like 2026-12-31T18:00:00+01:00"
            raise _Bad(f"expected {example}, got {text!r}") from None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value + timedelta(days=1), time(), tzinfo=UTC)
    raise _Bad(f"expected an ISO date or datetime, got {_shown(value)}")


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "title": _text,
    "url": _url,
    "guid": _text,
    "summary": _text,
    "category": _text,
    "kind": _text,
    "tags": lambda value: _texts(value, "|,"),
    "variants": lambda value: _variants(_texts(value, "|")),
    "expires": _expiry,
    "max_shares": lambda value: _whole_number(value, minimum=1),
    "priority": _whole_number,
    "image": _image,
}
KEYS = tuple(_CONVERTERS)


def _given(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _draft(row: _Row, problems: list[str]) -> ItemDraft | None:
    """The draft of one row, or None after adding each of its problems to ``problems``."""
    fields: dict[str, Any] = {}
    bad: list[str] = []
    for key, value in row.values.items():
        if key not in _CONVERTERS:
            bad.append(f"{row.where}: {key}: unknown key (allowed: {', '.join(KEYS)})")
        elif _given(value):
            try:
                fields[key] = _CONVERTERS[key](value)
            except _Bad as error:
                bad.append(f"{row.where}: {key}: {error}")
    if not _given(row.values.get("title")):
        bad.append(f"{row.where}: title: missing (every item needs a title)")
    problems.extend(bad)
    if bad:
        return None
    expires = fields.pop("expires", None)
    fields = {key: value for key, value in fields.items() if value != ""}
    return ItemDraft(expires_at=expires, **fields)


# -- formats ---------------------------------------------------------------------------------------------


_MARKED = (  # a byte order mark names its encoding (UTF-32's first, since UTF-16LE's is its prefix)
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode(data: bytes, source_name: str) -> str:
    """UTF-8 (with or without a byte order mark), or UTF-16 / UTF-32 with one: Excel's "Unicode text"."""
    encoding = next((name for mark, name in _MARKED if data.startswith(mark)), "utf-8-sig")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problem = f"line {line}: the file is not UTF-8 text (byte {data[error.start]:#04x}); save it as UTF-8"
        raise ImportRejected(source_name, [problem]) from None


def _csv_rows(text: str, problems: list[str]) -> list[_Row]:
    first_line = text.split("\n", 1)[0]
    delimiter = next((d for d in (",", ";", "\t") if d in first_line), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[_Row] = []
    last_line = 0
    try:
        for record in reader:
            start, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = [name.strip().lower() for name in record]
                _check_header(header, f"line {start}", problems)
                continue
            where = f"line {start}"
            if len(record) > len(header):
                problems.append(f"{where}: {len(record)} values but the header has {len(header)} columns")
                continue
            values = dict(zip(header, record, strict=False))
            rows.append(_Row(where, {key: value for key, value in values.items() if key in _CONVERTERS}))
    except csv.Error as error:
        problems.append(f"line {reader.line_num}: not valid CSV ({error})")
    return rows


def _check_header(header: list[str], where: str, problems: list[str]) -> None:
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        problems.append(f"{where}: the header repeats column(s) {', '.join(duplicates)}")
    for name in header:
        if name not in _CONVERTERS:
            problems.append(f"{where}: {name!r}: unknown column (allowed: {', '.join(KEYS)})")
    if "title" not in header:
        problems.append(f"{where}: there is no title column (every item needs a title)")


def _yaml_rows(text: str, problems: list[str]) -> list[_Row]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        document = loader.construct_document(node) if node is not None else []
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problems.append(f"{where}not valid YAML ({error.problem or error.context})")
        return []
    except yaml.YAMLError as error:
        problems.append(f"not valid YAML ({error})")
        return []
    finally:
        loader.dispose()
    if not isinstance(document, list):
        problems.append(f"expected a list of items (each starting with `- title:`), got {_shown(document)}")
        return []
    lines = [item.start_mark.line + 1 for item in node.value]
    return _mapping_rows(document, [f"line {line}" for line in lines], problems)


def _json_rows(text: str, problems: list[str]) -> list[_Row]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        problems.append(f"line {error.lineno}: not valid JSON ({error.msg})")
        return []
    if not isinstance(document, list):
        problems.append(f"expected a JSON list of objects, got {_shown(document)}")
        return []
    return _mapping_rows(document, [f"item {n}" for n in range(1, len(document) + 1)], problems)


def _mapping_rows(document: list[Any], places: list[str], problems: list[str]) -> list[_Row]:
    rows = []
    for where, entry in zip(places, document, strict=True):
        if isinstance(entry, dict):
            rows.append(_Row(where, {str(key).strip().lower(): value for key, value in entry.items()}))
        else:
            problems.append(f"{where}: expected a mapping of keys (title, url, …), got {_shown(entry)}")
    return rows


def _check_duplicates(rows: list[tuple[_Row, ItemDraft]], problems: list[str]) -> None:
    seen: dict[tuple[str, str], str] = {}
    for row, draft in rows:
        for key, value in (("url", draft.url and url_key(draft.url)), ("guid", draft.guid)):
            if value is None:
                continue
            first = seen.setdefault((key, value), row.where)
            if first != row.where:
                problems.append(f"{row.where}: {key}: the same {key} as {first}")


def _position(problem: str) -> int:
    """The line or item number a problem names (0 for the file as a whole), to list problems in file order."""
    found = _PLACE.match(problem)
    return int(found.group(1)) if found else 0


def read_rows(data: bytes, *, source_name: str) -> list[ItemDraft]:
    """The drafts of a CSV, YAML or JSON item list; ImportRejected lists every bad row if any row is bad."""
    kind = detect_format(data)
    if kind == "feed":
        raise ImportRejected(source_name, ["this is an RSS/Atom feed, not a CSV, YAML or JSON item list"])
    text = _decode(data, source_name)
    problems: list[str] = []
    readers = {"csv": _csv_rows, "yaml": _yaml_rows, "json": _json_rows}
    rows = readers[kind](text, problems)
    drafted = [(row, draft) for row in rows if (draft := _draft(row, problems)) is not None]
    _check_duplicates(drafted, problems)
    if problems:
        raise ImportRejected(source_name, sorted(problems, key=_position))
    return [draft for _, draft in drafted]
