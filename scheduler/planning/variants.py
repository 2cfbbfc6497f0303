"""Which words an item goes out with: variants and templates take turns, and a text never repeats itself.

This is the one text chooser: the planner (for every planned post) and the queue (``insert``, ``swap``,
``shuffle``, the daemon's re-wording after a duplicate) both call :func:`word`, so the same item on the same
channel after the same previous post gets the same wording everywhere.

An item's options on a channel are, in order: its variants usable on the channel's kind (general ones and
ones written for that kind, by id), then the campaign's templates. Each share takes the option after the one
used last time on the channel, and skips any option that renders to exactly the previous text there or that
cannot be rendered (a :class:`~content_library.rendering.RenderError`: too long for the platform whatever is
cut, a broken placeholder). When no option gives a new text (a single template, say), the built-in
:data:`FALLBACK_TEMPLATES` are tried, so a lone template alternates with a fallback. Rendering itself, and
fitting the platform's length, is :func:`content_library.rendering.render_post`'s job.
"""

import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from content_library.rendering import RenderError, render_post
from content_library.snapshot import ItemSnapshot
from scheduler.config import CampaignConfig
from scheduler.planning.attribution import ENTRY_MARK, unfilled, with_content

FALLBACK_TEMPLATES = ("{title}: {summary} {url}", "{summary} {url}", "{title} {url}")


@cache
def template_key(template: str) -> str:
    """The name a template's posts are recorded under: a short hash of its text, so moving the template in
    config.yaml keeps its history (rotation, what was learned about it) and editing its text starts a new one.
    Twelve hex digits: a campaign has a handful of templates, and a clash would only merge two tallies."""
    return hashlib.sha256(template.encode()).hexdigest()[:12]


def known_templates(campaigns: Iterable[CampaignConfig]) -> dict[str, str]:
    """The text of each template key that the campaigns' templates and the built-in fallbacks give posts."""
    templates = [template for campaign in campaigns for template in campaign.templates]
    return {template_key(template): template for template in (*templates, *FALLBACK_TEMPLATES)}


def wording_label(variant_id: int | None, template: str | None, templates: Mapping[str, str]) -> str:
    """How people are told which wording a post had: ``variant 11``, ``template "{title} {url}"`` (its text
    from ``templates``, :func:`known_templates`), ``template 1a2b3c4d5e6f (no longer in config)``, or
    ``templates`` for a post whose template is not known (recorded before templates were, or a person's words)."""
    if variant_id is not None:
        return f"variant {variant_id}"
    if template is None:
        return "templates"
    return (
        f'template "{templates[template]}"' if template in templates else f"template {template} (no longer in config)"
    )


def option_key(variant_id: int | None, template: str | None) -> tuple[str, object] | None:
    """The rotation key of a recorded post (its variant id, else its template key); None for one whose
    wording is unknown (a person's own words, or a post recorded before templates were)."""
    if variant_id is not None:
        return ("variant", variant_id)
    return ("template", template) if template is not None else None


@dataclass(frozen=True)
class TextOption:
    """A way to word an item: a variant's text (with its id) or a template (variant_id None)."""

    template: str
    variant_id: int | None = None

    @property
    def template_key(self) -> str | None:
        """The template's :func:`template_key`; None for a variant."""
        return template_key(self.template) if self.variant_id is None else None

    @property
    def key(self) -> tuple[str, object]:
        """What rotation remembers of the option (:func:`option_key` gives the same for a recorded post)."""
        return (
            ("variant", self.variant_id) if self.variant_id is not None else ("template", template_key(self.template))
        )


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
    avoid: Collection[str] = (),
    prefer: Callable[[TextOption], float] | None = None,
) -> ChosenText | None:
    """The next option after ``previous_key`` whose text differs from ``previous_text`` (and from every text
    in ``avoid``); None if nothing renders to a new, non-empty text (the item cannot be posted here now).
    With ``prefer`` (a learning campaign's draws) the options are tried best first instead of in turn."""
    start = next((index + 1 for index, option in enumerate(options) if option.key == previous_key), 0)
    rotation = [*options[start:], *options[:start]]
    if prefer is not None:
        rotation.sort(key=prefer, reverse=True)
    written = {option.template for option in options}
    rotation.extend(TextOption(template) for template in FALLBACK_TEMPLATES if template not in written)
    last = unfilled(previous_text) if previous_text is not None else None
    refused = {unfilled(text) for text in avoid}
    for option in rotation:
        try:
            text = render(option.template)
        except RenderError:
            continue
        if text.strip() and text != last and text not in refused:
            return ChosenText(text, option)
    return None


def post_id(channel: str, item_id: int, at: datetime) -> str:
    """The ``{post_id}`` of a post's UTM values: the same for the same post however it was made."""
    return f"{channel}-{item_id}-{at:%Y%m%d%H%M}"


def word(
    item: ItemSnapshot,
    *,
    channel: str,
    kind: str,
    campaign_name: str | None,
    campaign: CampaignConfig | None,
    at: datetime,
    previous_key: tuple[str, object] | None,
    previous_text: str | None,
    avoid: Collection[str] = (),
    prefer: Callable[[TextOption], float] | None = None,
) -> ChosenText | None:
    """The wording of ``item`` for a post on ``channel`` (of platform ``kind``) at ``at``: its variants for
    that kind, then the campaign's templates, then the built-in fallbacks, rotated past the option used last
    time and skipping any that cannot be rendered for the platform. A post outside any campaign has no
    templates, hashtags or UTM values of its own; a campaign's UTM values gain ``utm_content``, the entry id
    (:mod:`scheduler.planning.attribution`)."""
    context = {
        "channel": channel,
        "campaign": campaign_name or "manual",
        "post_id": post_id(channel, item.id, at),
        "entry_id": ENTRY_MARK,  # the queue writes the id in: scheduler.planning.attribution
    }

    def render(template: str) -> str:
        return render_post(
            item,
            template,
            channel_kind=kind,
            hashtags=campaign.hashtags if campaign else (),
            utm=with_content(campaign.utm) if campaign and campaign.utm else None,
            utm_context=context,
        )

    return choose_text(
        text_options(item, kind, campaign.templates if campaign else ()),
        previous_key=previous_key,
        previous_text=previous_text,
        render=render,
        avoid=avoid,
        prefer=prefer,
    )
