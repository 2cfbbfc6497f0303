"""How ``library check-links`` shows each item's link: a table row and a JSON object with stable keys.

The title, link, detail and card come from outside (a feed, a page): the table prints them through
:mod:`scheduler.outside_text`, as every cell; the JSON keeps them as stored.
"""

from typing import Any

from content_library.link_health import LinkReport, is_checkable
from scheduler.daemon.links_job import Checked


def _link_state(report: LinkReport) -> tuple[str, str]:
    """The link's last verdict and its detail; ``skipped`` for a reserved name, ``unchecked`` before a check."""
    if report.check is not None:
        return report.check.state, report.check.detail or ""
    if not is_checkable(report.url):
        return "skipped", "a reserved example name: never checked"
    return "unchecked", "not checked yet"


def link_json(report: LinkReport, checked: Checked | None) -> dict[str, Any]:
    check = report.check
    state, detail = _link_state(report)
    card = None
    if check is not None and (check.card_title or check.card_description or check.card_image):
        card = {"title": check.card_title, "description": check.card_description, "image": check.card_image}
    return {
        "item_id": report.item_id,
        "title": report.title,
        "url": report.url,
        "status": report.item_status,
        "status_reason": report.status_reason,
        "state": state,
        "http_status": check.http_status if check else None,
        "detail": detail,
        "failures": check.failures if check else 0,
        "checked_at": check.checked_at if check else None,
        "next_check_at": check.next_check_at if check else None,
        "card": card,
        "checked_now": checked is not None,
        "cancelled_posts": checked.cancelled if checked else 0,
    }


def link_row(report: LinkReport, checked: Checked | None) -> tuple[Any, ...]:
    check = report.check
    state, detail = _link_state(report)
    if report.item_status != "active":
        detail = f"{detail}; item {report.item_status}"
    if checked is not None and checked.cancelled:
        detail = f"{detail}; {checked.cancelled} queued post(s) cancelled"
    when = f"{check.checked_at:%Y-%m-%d %H:%MZ}" if check else "-"
    http = check.http_status if check and check.http_status else "-"
    card = check.card_title if check and check.card_title else None
    return (report.item_id, state, http, when, (report.title, report.url, detail, card))
