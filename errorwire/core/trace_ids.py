"""The OpenTelemetry trace a report belongs to: the trace id and span id of the span
recording when the error was captured, so a report links to its trace.

Only where the app itself uses OpenTelemetry: the API is looked up in ``sys.modules``,
never imported (an app without it pays one dictionary lookup per report, and nothing on
the happy path). A span that is not recording (no SDK, sampled out) gives nothing.
"""

from __future__ import annotations

import sys
from typing import Dict

API_MODULE = "opentelemetry.trace"


def current_trace() -> Dict[str, str]:
    """``{"trace_id": 32 hex digits, "span_id": 16 hex digits}``, or ``{}``."""
    api = sys.modules.get(API_MODULE)
    if api is None:
        return {}
    try:
        span = api.get_current_span()
        if not span.is_recording():
            return {}
        context = span.get_span_context()
        if not context.is_valid:
            return {}
        return {"trace_id": f"{context.trace_id:032x}", "span_id": f"{context.span_id:016x}"}
    except Exception:  # an odd OpenTelemetry: the report goes without its trace
        return {}
