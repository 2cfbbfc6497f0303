"""X's own conformance suite (twitter-text), run against evertide's public counting functions.

The cases in ``tests/data/conformance/twitter-text/`` are upstream's, unedited (see the README there). Each
one checks :func:`post_length`, :func:`fits` and :func:`link_spans` for channel kind ``"x"``, never the
twitter-text port directly, so the suite keeps holding whatever evertide counts with.
"""

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import regex
import yaml

from content_library.text_length import CHANNEL_LIMITS, fits, link_spans, post_length

DATA = Path(__file__).parent / "data" / "conformance" / "twitter-text"
V3 = json.loads((DATA / "config" / "v3.json").read_text(encoding="utf-8"))
VALIDATE = yaml.safe_load((DATA / "conformance" / "validate.yml").read_text(encoding="utf-8"))["tests"]
EXTRACT = yaml.safe_load((DATA / "conformance" / "extract.yml").read_text(encoding="utf-8"))["tests"]
V2_SECTION, V3_SECTION = "WeightedTweetsCounterTest", "WeightedTweetsWithDiscountedEmojiCounterTest"

# twitter-text's own runners check the V2_SECTION with config/v2.json, where an emoji counts as the sum of
# its code points. X counts with v3 (config/v3.json: an emoji sequence counts 2), under which the other
# cases of that section mean the same. These two texts are in the V3_SECTION too, with their v3 counts.
V2_ONLY = (
    "Count a mix of single byte single word, and double word unicode characters",
    "Count unicode emoji chars outside the basic multilingual plane with skin tone modifiers",
)
V2_ONLY_REASON = f"v2 rule (an emoji counts per code point); X counts with v3, checked by the same text in {V3_SECTION}"

# What the link-count check below assumes of the text around a case's links: nothing that v3 would read
# as an emoji sequence, and nothing that X's NFC or line-ending normalisation would change.
EMOJI_PART = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}\p{Emoji_Modifier}\u20e3\ufe0f]")


def weighted_case(section: str, case: dict[str, Any]) -> Any:
    v2_only = section == V2_SECTION and case["description"] in V2_ONLY
    marks = [pytest.mark.skip(reason=V2_ONLY_REASON)] if v2_only else []
    return pytest.param(case["text"], case["expected"], id=f"{section}: {case['description']}", marks=marks)


WEIGHTED_CASES = [weighted_case(section, case) for section in (V2_SECTION, V3_SECTION) for case in VALIDATE[section]]
URL_CASES = [pytest.param(case["text"], case["expected"], id=case["description"]) for case in EXTRACT["urls"]]


def v3_weight(text: str) -> int:
    """``text`` weighed code point by code point with config/v3.json's ranges (no links, no emoji)."""
    scaled = sum(
        next((r["weight"] for r in V3["ranges"] if r["start"] <= ord(char) <= r["end"]), V3["defaultWeight"])
        for char in text
    )
    return scaled // V3["scale"]


@pytest.mark.parametrize(("text", "expected"), WEIGHTED_CASES)
def test_weighted_length_and_validity_are_xs(text: str, expected: dict[str, Any]) -> None:
    assert post_length(text, "x") == expected["weightedLength"]
    assert fits(text, "x") == expected["valid"]  # no case is empty, which fits() lets pass and X refuses


@pytest.mark.parametrize(("text", "expected"), URL_CASES)
def test_the_links_x_finds_are_evertides_and_count_23_each(text: str, expected: list[str]) -> None:
    spans = link_spans(text, "x")
    assert [text[start:end] for start, end in spans] == expected
    inside = {position for start, end in spans for position in range(start, end)}
    around = "".join(char for position, char in enumerate(text) if position not in inside)
    plain = not EMOJI_PART.search(around) and unicodedata.is_normalized("NFC", text) and "\r" not in text
    assert plain, "this case needs more than v3's code point weights to check; extend v3_weight"
    assert post_length(text, "x") == v3_weight(around) + V3["transformedURLLength"] * len(expected)


def test_v2_only_cases_are_checked_under_v3() -> None:
    v2_texts = {case["description"]: case["text"] for case in VALIDATE[V2_SECTION]}
    v3_texts = {case["text"] for case in VALIDATE[V3_SECTION]}
    assert all(v2_texts[description] in v3_texts for description in V2_ONLY)


def test_xs_limit_is_v3s() -> None:
    assert CHANNEL_LIMITS["x"] == V3["maxWeightedTweetLength"]
