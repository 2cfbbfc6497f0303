"""The placeholders a template may use, and the one way every place that takes a template checks it.

Apart from :mod:`content_library.rendering` so that checking the config's templates, as every command does when
it loads the config, costs no regex engine and no platform length tables.
"""

import string
from collections.abc import Sequence

from content_library.errors import EvertideError

PLACEHOLDERS = ("title", "summary", "url", "hashtags", "category", "kind")  # what render_post fills
# what a campaign's utm: values may use: the context the planner renders them with (scheduler.planning.variants)
UTM_PLACEHOLDERS = ("channel", "campaign", "post_id", "entry_id")


class RenderError(EvertideError):
    """A template that cannot be filled, or that cannot fit its platform whatever is cut."""

    def __init__(
        self, problem: str, *, template: str | None = None, channel_kind: str | None = None, hint: str = ""
    ) -> None:
        shown = template if template is None or len(template) <= 80 else template[:79] + "…"
        where = f"template {shown!r} for {channel_kind}: " if template is not None else ""
        super().__init__(where + problem, hint=hint)
        self.template = template
        self.channel_kind = channel_kind
        self.problem = problem


def fields(template: str) -> list[tuple[str, str | None, str | None, str | None]]:
    """``string.Formatter``'s pieces of ``template``; malformed braces are a :class:`RenderError`."""
    try:
        return list(string.Formatter().parse(template))
    except ValueError as error:
        raise RenderError(f"malformed braces ({error})", hint="Write a literal brace as {{ or }}.") from None


def unknown_placeholders(template: str, allowed: Sequence[str] = PLACEHOLDERS) -> list[str]:
    """The placeholders of ``template`` that are not ``allowed``, as written (``{sumary}``, ``{title:>9}``),
    each once, in order. Format specs, conversions and positional fields count as unknown: a template is
    plain text with named slots, not Python. Malformed braces (``{title``) are a :class:`RenderError`."""
    unknown: list[str] = []
    for _, field, spec, conversion in fields(template):
        if field is not None and (field not in allowed or spec or conversion):
            written = "{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            if written not in unknown:
                unknown.append(written)
    return unknown


def unknown_placeholder_problem(written: str, allowed: Sequence[str] = PLACEHOLDERS) -> str:
    """The sentence every place that checks a template uses for one unknown placeholder."""
    names = ", ".join("{" + name + "}" for name in allowed) or "none"
    return f"unknown placeholder {written}; the placeholders are {names}"
