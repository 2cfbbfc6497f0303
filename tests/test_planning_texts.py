"""Rule 6: wording rotates over variants and templates, never repeats itself, and fits the platform."""

from datetime import UTC, datetime

from hypothesis import given, settings

from content_library.snapshot import ItemSnapshot, VariantSnapshot
from content_library.text_length import fits
from scheduler.config import Config
from scheduler.planning import InMemoryCandidates, PastShare, PlanInputs, plan
from tests.planning_rules import check_texts
from tests.strategies import Setup, setups

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def one_item_config(**campaign: object) -> Config:
    return Config.model_validate(
        {
            "channels": {"x-main": {"kind": "x"}},
            "campaigns": {"k": {"channels": ["x-main"], "posts_per_day": 1, "repeat_after": "12h", **campaign}},
        }
    )


@settings(max_examples=60, deadline=None)
@given(setups(feasible=False))
def test_a_text_never_repeats_the_items_previous_text_on_the_channel_and_always_fits(setup: Setup) -> None:
    result = setup.plan()
    check_texts(setup.config, result, setup.history, setup.fixed)


def test_variants_for_the_channel_kind_then_templates_take_turns() -> None:
    item = ItemSnapshot(
        id=1,
        title="Reset your password",
        url="https://help.example/reset",
        summary="Three steps.",
        variants=(
            VariantSnapshot(11, "Locked out? {url}"),
            VariantSnapshot(12, "Only for Mastodon {url}", channel_kind="mastodon"),
            VariantSnapshot(13, "Forgot it again? {url}", channel_kind="x"),
        ),
    )
    result = plan(PlanInputs.of(one_item_config()), InMemoryCandidates([item]), now=NOW, days=4)
    assert [p.variant_id for p in result.posts] == [11, 13, None, 11]
    assert [p.text for p in result.posts][:3] == [
        "Locked out? https://help.example/reset",
        "Forgot it again? https://help.example/reset",
        "Reset your password https://help.example/reset",
    ]


def test_a_lone_template_alternates_with_a_built_in_fallback() -> None:
    item = ItemSnapshot(id=1, title="Reset your password", url="https://help.example/reset", summary="Three steps.")
    result = plan(
        PlanInputs.of(one_item_config(templates=["{title} {url}"])), InMemoryCandidates([item]), now=NOW, days=4
    )
    texts = [p.text for p in result.posts]
    assert (
        texts
        == [
            "Reset your password https://help.example/reset",
            "Reset your password: Three steps. https://help.example/reset",
        ]
        * 2
    )


def test_rotation_continues_from_the_history_and_never_repeats_the_last_published_text() -> None:
    item = ItemSnapshot(
        id=1,
        title="Reset your password",
        url="https://help.example/reset",
        variants=(VariantSnapshot(11, "Locked out? {url}"), VariantSnapshot(12, "Help: {url}")),
    )
    history = [
        PastShare(
            "x-main",
            1,
            datetime(2026, 5, 20, tzinfo=UTC),
            "UTC",
            variant_id=11,
            text="Locked out? https://help.example/reset",
        )
    ]
    result = plan(PlanInputs.of(one_item_config()), InMemoryCandidates([item]), now=NOW, days=1, history=history)
    assert [p.variant_id for p in result.posts] == [12]


def test_long_items_are_shortened_to_fit_and_utm_and_hashtags_are_applied() -> None:
    item = ItemSnapshot(id=7, title="A title " * 40, url="https://example.org/long", summary="Words " * 100)
    config = one_item_config(
        hashtags=["evergreen"],
        utm={"source": "{channel}", "content": "{post_id}"},
        templates=["{title} — {summary} {url} {hashtags}"],
    )
    result = plan(PlanInputs.of(config), InMemoryCandidates([item]), now=NOW, days=1)
    (post,) = result.posts
    assert fits(post.text, "x") and "#evergreen" in post.text
    assert f"utm_source=x-main&utm_content=x-main-7-{post.at:%Y%m%d%H%M}" in post.text


def test_rotation_continues_after_the_template_that_worded_the_last_share() -> None:
    """Found in review: a template-worded share was remembered as "no option", so the next share started the
    templates over from the first one instead of taking the one after it."""
    from scheduler.planning.variants import template_key

    item = ItemSnapshot(id=1, title="Reset your password", url="https://help.example/reset")
    templates = ["A {url}", "B {url}", "C {url}"]
    history = [
        PastShare(
            "x-main", 1, datetime(2026, 5, 20, tzinfo=UTC), "UTC", text="B https://help.example/reset",
            template_key=template_key("B {url}"),
        )
    ]  # fmt: skip
    config = PlanInputs.of(one_item_config(templates=templates))
    [post] = plan(config, InMemoryCandidates([item]), now=NOW, days=1, history=history).posts
    assert post.text == "C https://help.example/reset"
    assert (post.variant_id, post.template_key) == (None, template_key("C {url}"))


def test_a_template_keeps_its_key_when_the_templates_are_reordered_and_fallbacks_have_one_too() -> None:
    from scheduler.planning.variants import FALLBACK_TEMPLATES, template_key

    item = ItemSnapshot(id=1, title="Reset your password", url="https://help.example/reset", summary="Three steps.")
    keys = [
        plan(PlanInputs.of(one_item_config(templates=t)), InMemoryCandidates([item]), now=NOW, days=1).posts[0]
        for t in (["{title} {url}", "B {url}"], ["B {url}", "{title} {url}"])
    ]
    assert {post.template_key: post.text for post in keys} == {
        template_key("{title} {url}"): "Reset your password https://help.example/reset",
        template_key("B {url}"): "B https://help.example/reset",
    }
    lone = plan(
        PlanInputs.of(one_item_config(templates=["{title} {url}"])), InMemoryCandidates([item]), now=NOW, days=2
    ).posts
    assert [post.template_key for post in lone] == [template_key("{title} {url}"), template_key(FALLBACK_TEMPLATES[0])]
    assert len(template_key("{title} {url}")) == 12 and template_key("B {url}") != template_key("{title} {url}")
