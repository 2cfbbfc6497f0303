"""`utm_content` carries the queue entry id: the text in the queue is the one that goes out, and it still fits."""

from functools import cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from content_library.placeholders import UTM_PLACEHOLDERS
from content_library.snapshot import ItemSnapshot
from content_library.text_length import fits, post_length
from scheduler.config import CampaignConfig
from scheduler.planning.attribution import ENTRY_MARK, unfilled, with_entry_id
from scheduler.planning.variants import ChosenText, choose_text, text_options, word
from tests.cli import Cli
from tests.queue_helpers import T0
from tests.test_planning_texts import one_item_config

LONG = ItemSnapshot(id=7, title="Ünïcode title " * 40, url="https://example.org/a/long/path", summary="Words " * 80)


def test_every_queued_post_links_with_its_own_entry_id(tmp_path: Path) -> None:
    cli = Cli(tmp_path)  # campaign help: utm source and campaign
    cli("db", "upgrade")
    for name in ("reset", "invite"):
        cli("library", "add", "--title", f"How to {name}", "--url", f"https://help.example.com/{name}")
    cli("queue", "fill", "--days", "3")
    entries = cli.json("queue", "list")
    assert entries
    for entry in entries:
        assert entry["text"].endswith(f"?utm_source=outbox&utm_campaign=help&utm_content={entry['id']}")
    first, second = entries[0]["id"], entries[1]["id"]
    cli("queue", "swap", str(first), str(second))  # a re-rendered text gets its entry's id too
    assert all(f"utm_content={e['id']}" in e["text"] for e in cli.json("queue", "list"))


def worded(campaign: CampaignConfig) -> ChosenText | None:
    """The long item's first wording on x-main by ``campaign``."""
    return word(
        LONG,
        channel="x-main",
        kind="x",
        campaign_name="k",
        campaign=campaign,
        at=T0,
        previous_key=None,
        previous_text=None,
    )


def test_a_campaigns_own_utm_content_wins() -> None:
    campaign = one_item_config(utm={"source": "x", "utm_content": "{post_id}"}).campaigns["k"]
    chosen = worded(campaign)
    assert chosen is not None and ENTRY_MARK not in chosen.text and "utm_content=x-main-7-" in chosen.text


def test_every_placeholder_the_config_allows_in_utm_values_is_filled() -> None:
    utm = {name: "{" + name + "}" for name in UTM_PLACEHOLDERS}
    campaign = one_item_config(utm=utm).campaigns["k"]
    chosen = worded(campaign)
    assert chosen is not None and "{" not in chosen.text
    assert (
        "utm_channel=x-main" in chosen.text
        and "utm_campaign=k" in chosen.text
        and "utm_post_id=x-main-7-" in chosen.text
    )
    assert f"utm_entry_id={ENTRY_MARK}" in chosen.text


@cache
def fitted(kind: str) -> str:
    """The long item rendered to fit ``kind``, with the place for the entry id."""
    campaign = one_item_config(utm={"source": "{channel}"}, templates=["{title} {summary} {url}"]).campaigns["k"]
    chosen = word(
        LONG, channel="c", kind=kind, campaign_name="k", campaign=campaign, at=T0, previous_key=None, previous_text=None
    )
    assert chosen is not None and f"utm_content={ENTRY_MARK}" in chosen.text
    return chosen.text


@settings(max_examples=60, deadline=None)
@given(entry_id=st.integers(min_value=1, max_value=10**14 - 1), kind=st.sampled_from(["x", "mastodon", "bluesky"]))
def test_the_id_never_makes_a_fitted_text_longer(entry_id: int, kind: str) -> None:
    text = fitted(kind)
    filled = with_entry_id(text, entry_id)
    assert f"utm_content={entry_id}" in filled
    assert fits(filled, kind) and post_length(filled, kind) <= post_length(text, kind)
    assert unfilled(filled) == text


def test_the_wording_posted_last_time_is_recognised_through_its_entry_id() -> None:
    campaign = one_item_config(utm={"source": "s"}, templates=["{title} {url}"]).campaigns["k"]
    options = text_options(LONG, "mastodon", campaign.templates)

    def render(template: str) -> str:
        chosen = word(
            LONG,
            channel="c",
            kind="mastodon",
            campaign_name="k",
            campaign=campaign,
            at=T0,
            previous_key=None,
            previous_text=None,
        )
        assert chosen is not None
        return chosen.text if template == "{title} {url}" else template.replace("{url}", "u")

    last = with_entry_id(render("{title} {url}"), 41)
    chosen = choose_text(options, previous_key=None, previous_text=last, render=render)
    assert chosen is not None and chosen.option.template != "{title} {url}"
    refused = choose_text(options, previous_key=None, previous_text=None, render=render, avoid=(last,))
    assert refused is not None and refused.option.template != "{title} {url}"


def test_only_a_link_s_query_values_get_the_entry_id() -> None:
    """Found in review: an item whose title or link path said "evertide-entry" had it replaced by the id too,
    and its link pointed at another page."""
    from scheduler.planning.attribution import with_entry_id

    text = "evertide-entry: https://h.example/evertide-entry/x?utm_campaign=c-evertide-entry&utm_content=evertide-entry"
    assert (
        with_entry_id(text, 35) == "evertide-entry: https://h.example/evertide-entry/x?utm_campaign=c-35&utm_content=35"
    )
