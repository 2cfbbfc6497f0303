"""The text of a post: a template filled from a library item, shortened until its platform accepts it.

Pure: no clock, no I/O. Lengths are counted by :mod:`content_library.text_length` and placeholders checked by
:mod:`content_library.placeholders`, whose names are re-exported here so callers need one import.

Shortening keeps, in order of importance, every hashtag (dropped from the end only when nothing else
helps), then the title, then the summary: the summary is cut first and disappears altogether before the
title is touched, and each is cut only as far as the ones kept before it require. A cut falls on a
Unicode word boundary (UAX #29: between two CJK ideographs too, never inside an emoji or a grapheme),
never inside a URL, ``#hashtag`` or ``@mention`` written in the text; it drops trailing separators such as
``,`` or ``-`` and ends with ``…``. The item's URL and the template's own words are never cut: a template
too long even with an empty title, no summary and no hashtags is a :class:`RenderError`.
"""

from collections.abc import Callable, Mapping, Sequence
from urllib.parse import quote, unquote_plus

import regex

from content_library.placeholders import (
    PLACEHOLDERS,
    UTM_PLACEHOLDERS,
    RenderError,
    fields,
    unknown_placeholder_problem,
    unknown_placeholders,
)
from content_library.snapshot import ItemSnapshot
from content_library.text_length import BLUESKY_MAX_BYTES, CHANNEL_LIMITS, fits, link_spans, post_length

__all__ = [
    "CHANNEL_LIMITS",
    "PLACEHOLDERS",
    "UTM_PLACEHOLDERS",
    "RenderError",
    "add_utm",
    "fits",
    "post_length",
    "render_post",
    "unknown_placeholder_problem",
    "unknown_placeholders",
]

ELLIPSIS = "…"

_WORD_BOUNDARY = regex.compile(r"(?w)\b")
_HASHTAG_OR_MENTION = regex.compile(r"[#＃@＠][\w\p{M}]+")
_TRAILING_SEPARATORS = " ,;:.-–—([{/|·&"
_HORIZONTAL_SPACE = regex.compile(r"[ \t]+")
_EXTRA_BLANK_LINES = regex.compile(r"\n{3,}")

Pieces = list[tuple[str, str | None]]


def _parse(template: str, allowed: Sequence[str]) -> Pieces:
    """Split ``template`` into (literal text, placeholder name or None) pieces; any placeholder
    :func:`unknown_placeholders` reports is a :class:`RenderError`."""
    unknown = unknown_placeholders(template, allowed)
    if unknown:
        raise RenderError(
            unknown_placeholder_problem(unknown[0], allowed),
            hint="Fix the template in the config, or the variant's text (a literal brace is {{ or }}).",
        )
    return [(literal, field) for literal, field, _, _ in fields(template)]


def _substitute(pieces: Pieces, values: Mapping[str, str]) -> str:
    return "".join(literal + (values[field] if field is not None else "") for literal, field in pieces)


def _utm_value(value: str, context: Mapping[str, str]) -> str:
    try:
        return _substitute(_parse(value, tuple(context)), context).strip()
    except RenderError as error:
        raise RenderError(
            f"utm value {value!r}: {error.problem}",
            hint=f"Use only {', '.join('{' + name + '}' for name in UTM_PLACEHOLDERS)} in utm values.",
        ) from None


def add_utm(url: str, utm: Mapping[str, str], context: Mapping[str, str]) -> str:
    """``url`` with the campaign's UTM parameters; everything else in it is kept byte for byte.

    Keys without the ``utm_`` prefix get it (``source`` → ``utm_source``). Values may use the placeholders
    that ``context`` provides (``{channel}``, ``{campaign}``, ``{post_id}``, ``{entry_id}``); any other is a
    :class:`RenderError`. A parameter of the same name already in the URL (compared case-insensitively) is
    replaced where it stands, and repeats of it are removed, so applying this twice changes nothing; new
    parameters are appended in ``utm``'s order. A value that is empty once filled removes the parameter
    rather than posting ``utm_term=``.
    """
    wanted: dict[str, str] = {}
    for key, value in utm.items():
        name = key.strip()
        if not name.lower().startswith("utm_"):
            name = "utm_" + name
        filled = _utm_value(value, context)
        wanted[name.lower()] = f"{quote(name, safe='')}={quote(filled, safe='')}" if filled else ""

    base, hash_sign, fragment = url.partition("#")
    address, _, query = base.partition("?")
    pairs: list[str] = []
    placed: set[str] = set()
    for pair in query.split("&") if query else ():
        name = unquote_plus(pair.partition("=")[0]).lower()
        if name not in wanted:
            pairs.append(pair)
        elif name not in placed:
            placed.add(name)
            pairs.append(wanted[name])
    pairs.extend(pair for name, pair in wanted.items() if name not in placed)
    query = "&".join(pair for pair in pairs if pair)
    return address + ("?" + query if query else "") + hash_sign + fragment


def _squash(text: str | None) -> str:
    """A field's text on one line: feeds and editors leave newlines and runs of spaces in titles."""
    return " ".join((text or "").split())


def _fold(text: str) -> str:
    """Tidy the filled template: no runs of spaces, no space at a line's ends, at most one blank line."""
    lines = (_HORIZONTAL_SPACE.sub(" ", line).strip(" ") for line in text.replace("\r\n", "\n").split("\n"))
    return _EXTRA_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


def _hashtags(tags: Sequence[str]) -> list[str]:
    """``#Tag`` forms, in order, without blanks or repeats (compared case-insensitively)."""
    rendered: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        joined = "".join(tag.split())
        hashtag = joined if joined.startswith(("#", "＃")) else "#" + joined
        if len(hashtag) > 1 and hashtag.casefold() not in seen:
            seen.add(hashtag.casefold())
            rendered.append(hashtag)
    return rendered


def _shortenings(text: str, channel_kind: str) -> list[str]:
    """Every allowed form of ``text``, shortest first: empty, each cut with ``…``, then ``text`` whole.

    Links are the ones ``channel_kind``'s platform finds (on X, bare domains too), so no cut falls inside one.
    """
    uncuttable = [*link_spans(text, channel_kind), *(match.span() for match in _HASHTAG_OR_MENTION.finditer(text))]
    inside_uncuttable = {position for start, end in uncuttable for position in range(start + 1, end)}
    cuts: list[str] = []
    for boundary in _WORD_BOUNDARY.finditer(text):
        end = boundary.start()
        while end and text[end - 1] in _TRAILING_SEPARATORS:
            end -= 1
        is_new = not cuts or len(cuts[-1]) != end
        if end > 0 and boundary.start() < len(text) and end not in inside_uncuttable and is_new:
            cuts.append(text[:end])
    return ["", *(kept + ELLIPSIS for kept in cuts), text] if text else [""]


def _longest_fitting(forms: Sequence[str], fits_with: Callable[[str], bool]) -> str:
    """The longest of ``forms`` (ordered shortest first, the first known to fit) that fits.

    A binary search: a longer form is never shorter on a platform, except in rare cut-off-URL corner
    cases where the search may settle for a shorter form than possible — it still always fits.
    """
    low, high = 0, len(forms) - 1
    if fits_with(forms[high]):
        return forms[high]
    while high - low > 1:
        middle = (low + high) // 2
        if fits_with(forms[middle]):
            low = middle
        else:
            high = middle
    return forms[low]


def _overflow(text: str, channel_kind: str) -> str:
    length, limit = post_length(text, channel_kind), CHANNEL_LIMITS[channel_kind]
    if limit is not None and length <= limit and channel_kind == "x":
        return "it contains U+FFFE, U+FEFF or U+FFFF, which X refuses at any length"
    if limit is not None and length <= limit:
        return f"{len(text.encode('utf-8'))} bytes, over the platform's {BLUESKY_MAX_BYTES}-byte cap"
    return f"it counts {length} where {channel_kind} allows {limit}"


def render_post(
    item: ItemSnapshot,
    template: str,
    *,
    channel_kind: str,
    hashtags: Sequence[str] = (),
    utm: Mapping[str, str] | None = None,
    utm_context: Mapping[str, str] | None = None,
) -> str:
    """Fill ``template`` from ``item`` and shorten it until ``channel_kind``'s platform accepts it.

    ``template`` is a campaign template such as ``"{title} {url} {hashtags}"`` or a variant's text, using
    any of ``{title} {summary} {url} {hashtags} {category} {kind}``. The URL gets the UTM parameters
    (:func:`add_utm`, filled from ``utm_context``); ``hashtags`` become ``#Tag`` with spaces removed (a
    leading ``#`` is kept, repeats dropped). Fields are put on one line each; the template's own line
    breaks are kept, with runs of spaces and blank lines folded, so an empty field leaves no gap.

    See the module docstring for the order in which parts give way. Raises :class:`RenderError`, naming
    the template and the channel kind, for an unknown placeholder or a template that cannot fit.
    """
    try:
        pieces = _parse(template, PLACEHOLDERS)
        url = (item.url or "").strip()
        if url and utm:
            url = add_utm(url, utm, utm_context or {})
    except RenderError as error:
        raise RenderError(error.problem, template=template, channel_kind=channel_kind, hint=error.hint) from None
    fixed = {"url": url, "category": _squash(item.category), "kind": _squash(item.kind)}
    full_title, full_summary, all_tags = _squash(item.title), _squash(item.summary), _hashtags(hashtags)

    def compose(title: str, summary: str, tags: Sequence[str]) -> str:
        values = {**fixed, "title": title, "summary": summary, "hashtags": " ".join(tags)}
        return _fold(_substitute(pieces, values))

    def fits_with(title: str, summary: str, tags: Sequence[str]) -> bool:
        return fits(compose(title, summary, tags), channel_kind)

    if fits_with(full_title, full_summary, all_tags):
        return compose(full_title, full_summary, all_tags)
    kept = next((count for count in range(len(all_tags), -1, -1) if fits_with("", "", all_tags[:count])), None)
    if kept is None:
        bare = compose("", "", ())
        raise RenderError(
            f"too long even with no title, summary or hashtags ({_overflow(bare, channel_kind)})",
            template=template,
            channel_kind=channel_kind,
            hint=f"Shorten the template's own text or the item's URL, or write a shorter variant for {channel_kind}.",
        )
    tags = all_tags[:kept]
    title = _longest_fitting(_shortenings(full_title, channel_kind), lambda form: fits_with(form, "", tags))
    summary = ""
    if title == full_title:
        summary = _longest_fitting(_shortenings(full_summary, channel_kind), lambda form: fits_with(title, form, tags))
    return compose(title, summary, tags)
