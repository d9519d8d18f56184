"""Where the release pieces go on the existing pages: errors across vendors and the
releases at the top of the index, a report's details before its occurrences."""

from __future__ import annotations

from typing import Any, Dict

from errorwire.inbox.details import details_of
from errorwire.inbox.release_pages import details_sections, errors_section, releases_section
from errorwire.inbox.releases import ReleaseLog, errors_across_vendors
from errorwire.inbox.store import Store


def with_releases(html: str, store: Store, releases: ReleaseLog) -> str:
    deploys = releases.deploys()
    top = errors_section(errors_across_vendors(store, deploys))
    top += releases_section(deploys, releases.per_release())
    return html.replace("<main>", "<main>" + top, 1)


def with_details(html: str, full: Dict[str, Any]) -> str:
    raw = full.get("raw")
    details = details_of(str(full.get("vendor")), raw if isinstance(raw, dict) else {})
    marker = "<h2>Occurrences in this group</h2>"
    if marker not in html:
        return html.replace("</main>", details_sections(details) + "</main>", 1)
    return html.replace(marker, details_sections(details) + marker, 1)
