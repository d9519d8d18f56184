"""Write RESULTS.md again from RESULTS.json and INSTRUCTIONS.json (no measuring): for
instruction counts finished after ``nox -s bench``."""

from __future__ import annotations

import json
import sys

from bench import HERE, INSTRUCTIONS, render


def main() -> int:
    results = json.loads((HERE / "RESULTS.json").read_text())
    if INSTRUCTIONS.exists():
        results["instructions"] = json.loads(INSTRUCTIONS.read_text())
    (HERE / "RESULTS.md").write_text(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
