"""Which words an item goes out with: variants and templates take turns, and a text never repeats itself.

An item's options on a channel are, in order: its variants usable on the channel's kind (general ones and
ones written for that kind, by id), then the campaign's templates. Each share takes the option after the one
used last time on the channel, and skips any option that renders to exactly the previous text there or that
cannot be rendered (a :class:`~content_library.rendering.RenderError`: too long for the platform whatever is
cut, a broken placeholder). When no option gives a new text (a single template, say), the built-in
:data:`FALLBACK_TEMPLATES` are tried, so a lone template alternates with a fallback. Rendering itself, and
fitting the platform's length, is :func:`content_library.rendering.render_post`'s job.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from content_library.rendering import RenderError
from content_library.snapshot import ItemSnapshot

FALLBACK_TEMPLATES = ("{title}: {summary} {url}", "{summary} {url}", "{title} {url}")


@dataclass(frozen=True)
class TextOption:
    """A way to word an item: a variant's text (with its id) or a template (variant_id None)."""

    template: str
    variant_id: int | None = None

    @property
    def key(self) -> tuple[str, object]:
        return ("variant", self.variant_id) if self.variant_id is not None else ("template", self.template)


def text_options(item: ItemSnapshot, channel_kind: str, templates: Sequence[str]) -> list[TextOption]:
    options = [
        TextOption(variant.text, variant.id) for variant in sorted(item.variants_for(channel_kind), key=lambda v: v.id)
    ]
    options.extend(TextOption(template) for template in dict.fromkeys(templates))
    return options


@dataclass(frozen=True)
class ChosenText:
    text: str
    option: TextOption


def choose_text(
    options: Sequence[TextOption],
    *,
    previous_key: tuple[str, object] | None,
    previous_text: str | None,
    render: Callable[[str], str],
) -> ChosenText | None:
    """The next option after ``previous_key`` whose text differs from ``previous_text``; None if nothing
    renders to a new, non-empty text (the item cannot be posted on this channel now)."""
    start = next((index + 1 for index, option in enumerate(options) if option.key == previous_key), 0)
    rotation = [*options[start:], *options[:start]]
    written = {option.template for option in options}
    rotation.extend(TextOption(template) for template in FALLBACK_TEMPLATES if template not in written)
    for option in rotation:
        try:
            text = render(option.template)
        except RenderError:
            continue
        if text.strip() and text != previous_text:
            return ChosenText(text, option)
    return None
