"""The inbox's release pieces of HTML: errors across vendors (one row per grouping
key, the vendors as badges, the deploy each was first seen after), the deploys as
markers, sessions and error rate per release, and a report's details (details.py)."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from errorwire.inbox.pages import esc, when

MAX_LOCALS_FRAMES = 10


def _badges(vendors: List[str]) -> str:
    return "".join(f"<span class='tag {esc(v)} vendor-badge'>{esc(v)}</span> " for v in vendors)


def _deploy_label(deploy: Optional[Dict[str, Any]]) -> str:
    if deploy is None:
        return "<span class=muted>before any deploy</span>"
    return (
        f"<span class=deploy-marker title='deploy'>&#9650;</span> "
        f"<code>{esc(deploy['revision'])}</code>"
    )


def errors_section(rows: List[Dict[str, Any]]) -> str:
    if not rows:
        return ""
    cells = "".join(
        f"<tr class=error-row><td><a href='/reports/{int(r['last_report_id'] or 0)}'>"
        f"{esc(r['title'])}</a></td><td class=vendors>{_badges(r['vendors'])}</td>"
        f"<td class=count>{int(r['count'] or 0)}</td>"
        f"<td class=muted>{esc(when(r['first_seen']))}</td>"
        f"<td class=after-deploy>{_deploy_label(r['after_deploy'])}</td></tr>"
        for r in rows
    )
    return (
        "<h1>Errors across vendors</h1><table id=errors><tr><th>error</th><th>vendors</th>"
        "<th>count</th><th>first seen (UTC)</th><th>first seen after deploy</th></tr>"
        f"{cells}</table>"
    )


def releases_section(deploys: List[Dict[str, Any]], releases: List[Dict[str, Any]]) -> str:
    if not deploys and not releases:
        return ""
    html = ""
    if deploys:
        rows = "".join(
            f"<tr class=deploy><td><span class=deploy-marker>&#9650;</span> "
            f"{esc(when(d['received_at']))}</td><td><span class='tag {esc(d['vendor'])}'>"
            f"{esc(d['vendor'])}</span></td><td><code>{esc(d['revision'])}</code></td>"
            f"<td>{esc(d['environment'])}</td><td class=deploy-status>{esc(d['status'])}</td>"
            f"<td>{esc(d['user'])}</td><td>{esc(d['comment'])}</td></tr>"
            for d in deploys
        )
        html += (
            "<h2>Deploys</h2><table id=deploys><tr><th>at (UTC)</th><th>vendor</th>"
            "<th>revision</th><th>environment</th><th>status</th><th>by</th><th>comment</th>"
            f"</tr>{rows}</table>"
        )
    if releases:
        rows = "".join(
            f"<tr class=release><td><code>{esc(r['version'])}</code></td>"
            f"<td class=sessions>{int(r['sessions'])}</td><td class=errors>{int(r['errors'])}</td>"
            f"<td class=error-rate>{_rate(r['error_rate'])}</td></tr>"
            for r in releases
        )
        html += (
            "<h2>Releases</h2><table id=releases><tr><th>version</th><th>sessions</th>"
            f"<th>errors</th><th>errors per session</th></tr>{rows}</table>"
        )
    return html


def _rate(rate: Optional[float]) -> str:
    return "<span class=muted>no sessions</span>" if rate is None else f"{rate:.1%}"


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return esc(text)


def _pairs(table_class: str, values: Dict[str, Any]) -> str:
    cells = "".join(f"<tr><th>{esc(k)}</th><td>{_value(v)}</td></tr>" for k, v in values.items())
    return f"<table class={table_class}>{cells}</table>"


NOT_SENT = "<p class=muted>not sent</p>"


def details_sections(details: Dict[str, Any]) -> str:
    """Breadcrumbs, tags, context, metadata sections, frame locals, notes: each shown,
    or said to be absent."""
    context, notes = details["context"], details["notes"]
    sections = (
        ("Breadcrumbs", "breadcrumbs", _breadcrumbs(details["breadcrumbs"])),
        ("Tags", "tags", "".join(_tag(t) for t in details["tags"])),
        ("Context", "context", f"<code>{esc(context)}</code>" if context else ""),
        ("Metadata", "metadata", _metadata(details["metadata"])),
        ("Frame locals", "locals", _frame_locals(details["locals"])),
        ("Notes", "notes", _pairs("notes", notes) if notes else ""),
    )
    return "".join(
        f"<h2>{title}</h2><div id={element_id}>{inner or NOT_SENT}</div>"
        for title, element_id, inner in sections
    )


def _tag(tag: Any) -> str:
    return f"<span class='tag report-tag'>{esc(tag)}</span> "


def _breadcrumbs(crumbs: List[Dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr class=breadcrumb><td class=muted>{esc(_when_any(c['at']))}</td>"
        f"<td>{esc(c['category'])}</td><td>{esc(c['level'])}</td>"
        f"<td class=breadcrumb-message>{esc(c['message'])}</td>"
        f"<td>{_value(c['data']) if c['data'] else ''}</td></tr>"
        for c in crumbs
    )
    if not rows:
        return ""
    return (
        "<table><tr><th>at</th><th>category</th><th>level</th><th>message</th><th>data</th>"
        f"</tr>{rows}</table>"
    )


def _metadata(metadata: Dict[str, Any]) -> str:
    return "".join(
        f"<h3 class=metadata-section>{esc(name)}</h3>"
        + (_pairs("metadata", value) if isinstance(value, dict) else f"<p>{_value(value)}</p>")
        for name, value in metadata.items()
    )


def _frame_locals(frame_locals: Dict[str, Any]) -> str:
    return "".join(
        f"<h3 class=locals-frame><code>{esc(label)}</code></h3>"
        + (_pairs("locals", values) if isinstance(values, dict) else _value(values))
        for label, values in list(frame_locals.items())[:MAX_LOCALS_FRAMES]
    )


def _when_any(stamp: Any) -> str:
    if isinstance(stamp, (int, float)):
        return when(stamp / 1000 if stamp > 10**11 else stamp)
    return str(stamp or "")
