"""A script with errorwire, no web framework: a nightly job that fails four ways.

    python example_apps/nightly_job.py     # vendors from ROLLBAR_*, RAYGUN_*, BUGSNAG_*

- ``errorwire.init()`` (``excepthooks=True``, the default) reports what ends the main
  thread or a thread uncaught; Python still prints the traceback and the exit
  status stays 1. The report is delivered before the process is gone.
- ``@errorwire.monitor("nightly-job.prices")`` reports what escapes the function,
  with that name as its context, and re-raises it.
- ``errorwire.integrations.asyncio.install()`` reports what reaches the loop's
  exception handler: here a task that failed and that nobody awaited.

``nox -s demo`` runs it against the local inbox.
"""

from __future__ import annotations

import asyncio
import threading

import errorwire
from errorwire.integrations import asyncio as errorwire_asyncio


@errorwire.monitor("nightly-job.prices")
async def refresh_prices() -> None:
    await asyncio.sleep(0)
    raise ConnectionError("the price feed closed the connection")


async def warm_cache() -> None:
    raise TimeoutError("cache server did not answer")


async def async_steps() -> None:
    errorwire_asyncio.install()
    asyncio.get_running_loop().create_task(warm_cache())  # never awaited
    try:
        await refresh_prices()
    except ConnectionError:
        print("prices: skipped (the monitor reported why)")


def rotate_logs() -> None:
    raise PermissionError("/var/log/nightly is read-only")


def import_rows() -> None:
    raise ValueError("row 7: 'abc' is not a number")


def main() -> None:
    errorwire.init()
    errorwire.add_breadcrumb("nightly job started", category="job")
    asyncio.run(async_steps())
    thread = threading.Thread(target=rotate_logs, name="log-rotation")
    thread.start()
    thread.join()
    import_rows()  # uncaught: the job ends here, with Python's traceback and status 1


if __name__ == "__main__":
    main()
