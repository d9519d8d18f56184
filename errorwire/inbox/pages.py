"""Server-rendered HTML for the inbox: the group list and a report's detail.

No templates and no build step. Every value that came from a payload goes
through ``esc`` (payloads are untrusted: a request URL or an exception message
can hold markup).
"""

from __future__ import annotations

import html
import json
import time
from typing import Any, Dict, Iterable, List, Optional

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:10px 24px}
header a{color:#fff;text-decoration:none}
main{padding:16px 24px;max-width:1200px}
h1{font-size:20px;margin:8px 0}h2{font-size:16px;margin:20px 0 8px}
table{border-collapse:collapse;width:100%;background:#fff}
td,th{border-bottom:1px solid #e3e6ea;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef0f3;font-weight:600}
.count{font-weight:700;text-align:right}.muted{color:#6b7280}
.tag{display:inline-block;padding:0 6px;border-radius:4px;background:#e5e7eb;font-size:12px}
.rollbar{background:#dbeafe}.raygun{background:#fee2e2}.bugsnag{background:#dcfce7}
.exception{background:#fff;border:1px solid #e3e6ea;padding:8px 12px;margin:8px 0}
.frames{list-style:none;padding:0;margin:0}
.frame{border-top:1px solid #eef0f3;padding:4px 0}
.frame.library{color:#6b7280}.frame.in-project .where{font-weight:600}.app{background:#fde68a}
pre{background:#f3f4f6;padding:6px 8px;overflow:auto;margin:4px 0;font-size:12px}
.source .error-line{background:#fecaca;display:inline-block;min-width:100%}
summary{cursor:pointer}code{font-size:12px}
"""


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def when(stamp: Optional[float]) -> str:
    if stamp is None:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(stamp))


def page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        "<header><a href='/'><b>errorwire inbox</b></a> "
        "<span class=muted>local Rollbar / Raygun / Bugsnag receiver</span></header>"
        f"<main>{body}</main></body></html>"
    )


def _vendor(name: Any) -> str:
    return f"<span class='tag {esc(name)}'>{esc(name)}</span>"


def index_page(
    groups: List[Dict[str, Any]], rejections: Iterable[Dict[str, Any]], endpoints: Dict[str, str]
) -> str:
    rows = "".join(
        f"<tr class=group><td>{esc(when(g['last_seen']))}</td><td>{_vendor(g['vendor'])}</td>"
        f"<td><a href='/reports/{int(g['last_report_id'] or 0)}'>{esc(g['title'])}</a></td>"
        f"<td>{esc(g['framework'])}</td><td>{esc(g['environment'])}</td>"
        f"<td class=count>{int(g['count'])}</td>"
        f"<td class=muted>{esc(when(g['first_seen']))}</td></tr>"
        for g in groups
    )
    table = (
        "<table id=groups><tr><th>last seen (UTC)</th><th>vendor</th><th>error</th>"
        "<th>framework</th><th>environment</th><th>count</th><th>first seen (UTC)</th></tr>"
        f"{rows}</table>"
        if groups
        else "<p id=empty>No reports yet. Point errorwire at this inbox:</p>"
    )
    setup = "".join(
        f"<tr><td><code>{esc(var)}</code></td><td><code>{esc(url)}</code></td></tr>"
        for var, url in endpoints.items()
    )
    rejected = "".join(
        f"<tr><td>{esc(when(r['at']))}</td><td>{_vendor(r['vendor'])}</td>"
        f"<td>{int(r['status'])}</td><td>{esc(r['message'])}</td></tr>"
        for r in rejections
    )
    body = f"<h1>Error groups</h1>{table}"
    if rejected:
        body += (
            "<h2>Rejected requests</h2><table id=rejected><tr><th>at (UTC)</th><th>vendor</th>"
            f"<th>status</th><th>why</th></tr>{rejected}</table>"
        )
    body += f"<h2>Endpoints</h2><table id=endpoints>{setup}</table>"
    return page("errorwire inbox", body)


def report_page(full: Dict[str, Any], occurrences: List[Dict[str, Any]]) -> str:
    report: Dict[str, Any] = full["report"]
    group = full.get("group") or {}
    facts = [
        ("vendor", _vendor(full["vendor"])),
        ("environment", esc(full["environment"])),
        ("framework", esc(full["framework"])),
        ("level", esc(report.get("level"))),
        ("received (UTC)", esc(when(full["received_at"]))),
        ("grouping key", f"<code>{esc(report.get('grouping_key'))}</code>"),
        ("occurrences", f"{int(group.get('count') or 1)}"),
    ]
    if full.get("uuid"):
        facts.append(("uuid", f"<code>{esc(full['uuid'])}</code>"))
    body = f"<h1 id=title>{esc(full['title'])}</h1>" + _table("facts", facts)
    body += "<h2>Exception chain</h2><div id=exceptions>"
    for position, exc in enumerate(report.get("exceptions") or []):
        body += _exception(exc, position)
    if not report.get("exceptions"):
        body += f"<p class=message>no exception: a message, <q>{esc(report.get('message'))}</q></p>"
    body += "</div>"
    body += _section("Request", "request", _request(report.get("request")))
    body += _section("Person", "person", _mapping(report.get("person")))
    body += _section("Server", "server", _mapping(report.get("server")))
    others = "".join(
        f"<li><a href='/reports/{int(o['id'])}'>#{int(o['id'])}</a> "
        f"<span class=muted>{esc(when(o['received_at']))}</span></li>"
        for o in occurrences
    )
    body += f"<h2>Occurrences in this group</h2><ul id=occurrences>{others}</ul>"
    raw = json.dumps(full["raw"], indent=2, ensure_ascii=False, sort_keys=True)
    body += (
        "<h2>Raw payload</h2><details id=raw-payload><summary>the JSON as received"
        f" (pretty-printed)</summary><pre id=raw>{esc(raw)}</pre></details>"
    )
    return page(f"{full['title']} - errorwire inbox", body)


def _exception(exc: Dict[str, Any], position: int) -> str:
    label = "raised" if position == 0 else "caused by / during"
    frames = "".join(_frame(f) for f in exc.get("frames") or [])
    return (
        f"<div class=exception><div><span class=muted>{label}</span> "
        f"<b class=exception-class>{esc(exc.get('class'))}</b>: "
        f"<span class=exception-message>{esc(exc.get('message'))}</span></div>"
        "<div class=muted>Traceback (most recent call last)</div>"
        f"<ol class=frames>{frames}</ol></div>"
    )


def _frame(frame: Dict[str, Any]) -> str:
    in_project = bool(frame.get("in_project"))
    kind = "in-project" if in_project else "library"
    marker = "<span class='tag app' title='in-project frame'>app</span> " if in_project else ""
    line = f":{esc(frame.get('line'))}" if frame.get("line") is not None else ""
    where = (
        f"{marker}<span class=where><code class=file>{esc(frame.get('file'))}{line}</code>"
        f" in <code class=method>{esc(frame.get('method'))}</code></span>"
    )
    if not frame.get("source"):
        return f"<li class='frame {kind}'>{where}</li>"
    lines = "".join(
        f"<span class={'error-line' if current else 'context-line'}>"
        f"{esc(number if number is not None else ''):>5} {esc(text)}</span>\n"
        for number, text, current in frame["source"]
    )
    # Library frames start folded: the app's own frames are what a reader looks for.
    unfolded = " open" if in_project else ""
    return (
        f"<li class='frame {kind}'><details{unfolded}><summary>{where}</summary>"
        f"<pre class=source>{lines}</pre></details></li>"
    )


def _request(request: Optional[Dict[str, Any]]) -> str:
    if not request:
        return ""
    head = (
        f"<p><b class=request-method>{esc(request.get('method'))}</b> "
        f"<code class=request-url>{esc(request.get('url'))}</code></p>"
    )
    parts = [("client ip", esc(request.get("client_ip")))]
    for name in ("headers", "query", "form"):
        value = request.get(name)
        if value:
            parts.append((name, _mapping(value) if isinstance(value, dict) else esc(value)))
    body = request.get("body")
    if body not in (None, "", {}):
        text = body if isinstance(body, str) else json.dumps(body, indent=2, ensure_ascii=False)
        parts.append(("body", f"<pre>{esc(text)}</pre>"))
    return head + _table("request-fields", parts)


def _mapping(values: Optional[Dict[str, Any]]) -> str:
    if not values:
        return ""
    rows = [
        (esc(k), esc(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)))
        for k, v in values.items()
    ]
    return _table(None, rows)


def _table(table_id: Optional[str], rows: List[tuple[str, str]]) -> str:
    ident = f" id={table_id}" if table_id else ""
    cells = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f"<table{ident}>{cells}</table>"


def _section(title: str, ident: str, content: str) -> str:
    shown = content or "<p class=muted>not sent</p>"
    return f"<h2>{esc(title)}</h2><div id={ident}>{shown}</div>"
