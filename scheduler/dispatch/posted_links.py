"""The link a post carries, for the channels that send it beside the text (the file outbox's and the webhook's
``url``): the item's link as the text has it, with the campaign's ``utm`` parameters and the entry id in
``utm_content``, so a click through whatever consumes them is counted for this post (``metrics import``).

The text is the one that goes out (the queue filled the entry id in), so its link is read from it rather than
built again from the campaign, which may have changed since. A link is the item's when it names the same page
(:func:`~content_library.urls.url_key`, which ignores tracking parameters and a trailing slash). A text without
it (a template without ``{url}``, a person's edit) leaves the item's own link, untagged: nothing in the post
says which visit it would be.
"""

from content_library.text_length import link_spans
from content_library.urls import url_key


def posted_link(text: str, item_url: str, channel_kind: str) -> str:
    """The first link in ``text`` (found as ``channel_kind``'s platform finds links) naming ``item_url``'s page,
    as written; else ``item_url``."""
    page = url_key(item_url)
    for start, end in link_spans(text, channel_kind):
        if url_key(text[start:end]) == page:
            return text[start:end]
    return item_url
