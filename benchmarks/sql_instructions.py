"""CPU instructions per SQL query under valgrind: what ``sql_breadcrumbs`` adds to each
query of Django (``connection.execute_wrapper``) and SQLAlchemy (engine events).

Same method as instructions.py: ``SHORT`` and ``LONG`` queries after the same warm-up,
the difference over ``LONG - SHORT`` is one query's cost. Variants: ``bare`` (errorwire
not watching), ``off`` (watching, ``sql_breadcrumbs=False``), ``on`` (breadcrumbs made).

    python benchmarks/sql_instructions.py              # both libraries
"""

from __future__ import annotations

import gc
import os
import re
import subprocess
import sys
from typing import Any, Callable

SHORT, LONG, WARMUP = 200, 2200, 300
QUERY = "SELECT 1"


def django_query(variant: str) -> Callable[[], Any]:
    import django
    from django.conf import settings

    settings.configure(
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        INSTALLED_APPS=[],
    )
    django.setup()
    from django.db import connection

    if variant != "bare":
        from errorwire.integrations import sql

        connection.ensure_connection()
        sql.watch_django()
    cursor = connection.cursor()
    return lambda: cursor.execute(QUERY)


def sqlalchemy_query(variant: str) -> Callable[[], Any]:
    import sqlalchemy

    engine = sqlalchemy.create_engine("sqlite://")
    if variant != "bare":
        from errorwire.integrations import sql

        sql.watch_engine(engine)
    conn = engine.connect()
    return lambda: conn.exec_driver_sql(QUERY)


def run_queries(library: str, variant: str, count: int) -> None:
    import errorwire

    errorwire.init(sql_breadcrumbs=variant == "on")
    query = (django_query if library == "django" else sqlalchemy_query)(variant)
    for _ in range(WARMUP):
        query()
    gc.collect()
    gc.freeze()
    for _ in range(count):
        query()


def instructions(library: str, variant: str, count: int) -> int:
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no",
               "--cachegrind-out-file=/dev/null", sys.executable, __file__, "--child",
               library, variant, str(count)]  # fmt: skip
    env = {**os.environ, "PYTHONHASHSEED": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"{library}/{variant} failed:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def per_query(library: str, variant: str) -> int:
    short, long = instructions(library, variant, SHORT), instructions(library, variant, LONG)
    return (long - short) // (LONG - SHORT)


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        run_queries(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return 0
    print("| library | bare | watched, off | watched, on | added by breadcrumbs |")
    print("|---|---|---|---|---|")
    for library in sys.argv[1:] or ["django", "sqlalchemy"]:
        bare, off, on = (per_query(library, v) for v in ("bare", "off", "on"))
        print(f"| {library} | {bare:,} | {off - bare:+,} | {on - bare:+,} | {on - off:+,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
