"""``python -m errorwire.inbox`` / ``errorwire-inbox``: serve the local inbox."""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="errorwire-inbox",
        description="A local receiver for errorwire's Rollbar, Raygun and Bugsnag reports.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8484, help="port to listen on")
    parser.add_argument(
        "--db", default=None, help="SQLite file for reports (default: ./errorwire-inbox.sqlite3)"
    )
    args = parser.parse_args(argv)
    try:
        from errorwire.inbox.app import ENV_VARS, PATHS
        from errorwire.inbox.server import DEFAULT_DB, serve
    except ImportError as missing:
        print(f"errorwire-inbox: {missing}", file=sys.stderr)
        return 2
    base = f"http://{args.host}:{args.port}"
    print(f"errorwire inbox: {base}/  (reports in {args.db or DEFAULT_DB})")
    print("Point errorwire at it:")
    for vendor, path in PATHS.items():
        print(f"  export {ENV_VARS[vendor]}={base}{path}")
    serve(db=args.db or DEFAULT_DB, host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
