"""Uncaught exceptions of real scripts (subprocesses): the report arrives before the
process is gone, Python's traceback and exit status stay what they were."""

from __future__ import annotations

import functools
import subprocess
import time
from pathlib import Path
from typing import Callable

import pytest

import errorwire
from tests.hooks.hook_payloads import (
    VENDORS,
    breadcrumbs,
    bugsnag_unhandled,
    context,
    custom,
    innermost_function,
    one_per_vendor,
    run_script,
    titles,
)
from tests.receiver import Received, Receiver, Reply, accepted
from tests.reports import vendor_tags

RunJob = Callable[[str], subprocess.CompletedProcess[str]]


@pytest.fixture
def run_job(receiver: Receiver, tmp_path: Path) -> RunJob:
    """``run_script`` in this test's folder against its receiver."""
    return functools.partial(run_script, receiver, tmp_path)


MAIN_THREAD_DIES = """
import errorwire
errorwire.init()
errorwire.add_breadcrumb("import started")

def load_rows():
    raise ValueError("row 7 is not a number")

load_rows()
"""


def test_the_main_thread_dying_is_reported_as_unhandled_and_python_still_prints_it(
    receiver: Receiver, run_job: RunJob
) -> None:
    done = run_job(MAIN_THREAD_DIES)

    assert done.returncode == 1
    assert done.stderr.count("Traceback (most recent call last)") == 1, done.stderr
    assert done.stderr.rstrip().endswith("ValueError: row 7 is not a number"), done.stderr
    payloads = one_per_vendor(receiver)  # arrived before the process ended
    assert titles(receiver) == ["ValueError: row 7 is not a number"] * 3
    assert bugsnag_unhandled(payloads["bugsnag"]) is True
    for vendor in VENDORS:
        assert innermost_function(vendor, payloads[vendor]) == "load_rows"
        assert breadcrumbs(vendor, payloads[vendor]) == ["import started"]


def test_the_report_of_a_dying_main_thread_waits_out_a_slow_receiver(
    receiver: Receiver, run_job: RunJob
) -> None:
    def slow(item: Received) -> Reply:
        return accepted(item.vendor, stall=0.5)

    receiver.responder = slow
    started = time.monotonic()
    done = run_job(MAIN_THREAD_DIES)
    took = time.monotonic() - started

    assert done.returncode == 1, done.stderr
    one_per_vendor(receiver)
    assert "not delivered" not in done.stderr
    print(f"exit with a receiver answering in 0.5 s took {took:.2f} s")


def test_a_thread_dying_is_reported_with_its_name_and_the_program_goes_on(
    receiver: Receiver, run_job: RunJob
) -> None:
    done = run_job(
        """
        import threading
        import errorwire
        errorwire.init()

        def import_batch():
            errorwire.set_person(id="cron")
            raise KeyError("customer_id")

        worker = threading.Thread(target=import_batch, name="importer-1")
        worker.start()
        worker.join()
        print("main goes on")
        """,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout == "main goes on\n"
    assert "Exception in thread importer-1" in done.stderr
    assert "KeyError: 'customer_id'" in done.stderr
    payloads = one_per_vendor(receiver)
    assert titles(receiver) == ["KeyError: 'customer_id'"] * 3
    assert bugsnag_unhandled(payloads["bugsnag"]) is True
    assert payloads["rollbar"]["data"]["person"]["id"] == "cron"
    for vendor in VENDORS:
        assert custom(vendor, payloads[vendor])["thread"] == "importer-1"
        assert innermost_function(vendor, payloads[vendor]) == "import_batch"


def test_the_hooks_that_were_there_before_still_run_once_however_often_init_is_called(
    receiver: Receiver, run_job: RunJob
) -> None:
    done = run_job(
        """
        import sys, threading
        import errorwire

        def own_hook(kind, exc, tb):
            print("own hook:", kind.__name__, file=sys.stderr)
            sys.__excepthook__(kind, exc, tb)

        def own_thread_hook(args):
            print("own thread hook:", args.exc_type.__name__, file=sys.stderr)

        sys.excepthook = own_hook
        threading.excepthook = own_thread_hook
        errorwire.init()
        errorwire.init(environment="staging")
        errorwire.init(environment="production")

        def fail():
            raise LookupError("in a thread")

        worker = threading.Thread(target=fail)
        worker.start()
        worker.join()
        raise ValueError("in the main thread")
        """,
    )

    assert done.returncode == 1
    assert done.stderr.count("own thread hook: LookupError") == 1, done.stderr
    assert done.stderr.count("own hook: ValueError") == 1, done.stderr
    assert done.stderr.count("Traceback (most recent call last)") == 1, done.stderr
    assert (
        titles(receiver)
        == ["LookupError: in a thread"] * 3 + ["ValueError: in the main thread"] * 3
    )


def test_excepthooks_false_leaves_both_hooks_alone(receiver: Receiver, run_job: RunJob) -> None:
    done = run_job(
        """
        import sys, threading
        import errorwire
        pythons = sys.excepthook, threading.excepthook
        errorwire.init(excepthooks=False)
        print(sys.excepthook is pythons[0], threading.excepthook is pythons[1])
        errorwire.capture_message("alive")

        worker = threading.Thread(target=lambda: 1 / 0, name="t")
        worker.start()
        worker.join()
        raise ValueError("not reported")
        """,
    )

    assert done.stdout == "True True\n"
    assert done.returncode == 1
    assert "Exception in thread t" in done.stderr and "ZeroDivisionError" in done.stderr
    assert "ValueError: not reported" in done.stderr
    assert titles(receiver) == ["alive"] * 3


def test_a_later_init_with_excepthooks_false_puts_the_previous_hooks_back(
    receiver: Receiver, run_job: RunJob
) -> None:
    done = run_job(
        """
        import sys, threading
        import errorwire
        pythons = sys.excepthook, threading.excepthook
        errorwire.init()
        print(sys.excepthook is pythons[0], threading.excepthook is pythons[1])
        errorwire.init(excepthooks=False)
        print(sys.excepthook is pythons[0], threading.excepthook is pythons[1])
        errorwire.capture_message("alive")
        raise ValueError("not reported")
        """,
    )

    assert done.stdout == "False False\nTrue True\n"
    assert done.returncode == 1 and "ValueError: not reported" in done.stderr
    assert titles(receiver) == ["alive"] * 3


def test_ctrl_c_sys_exit_and_ignored_classes_are_not_reported(
    receiver: Receiver, run_job: RunJob
) -> None:
    done = run_job(
        """
        import sys, threading
        import errorwire
        # Without the default ignores: the hooks themselves leave Ctrl-C and exit() out.
        errorwire.init(ignore=["LookupError"], default_ignores=False)
        errorwire.capture_message("alive")
        for target in (lambda: sys.exit(3), lambda: {}["missing"]):
            worker = threading.Thread(target=target)
            worker.start()
            worker.join()
        raise KeyboardInterrupt
        """,
    )

    assert done.returncode != 0
    assert "KeyboardInterrupt" in done.stderr
    assert "KeyError: 'missing'" in done.stderr  # Python still prints the ignored one
    assert titles(receiver) == ["alive"] * 3


def test_an_exception_a_monitor_reported_is_not_reported_again_by_the_excepthook(
    receiver: Receiver, run_job: RunJob
) -> None:
    done = run_job(
        """
        import errorwire
        errorwire.init()

        @errorwire.monitor("nightly-import")
        def main():
            raise ValueError("bad row")

        main()
        """,
    )

    assert done.returncode == 1
    assert done.stderr.rstrip().endswith("ValueError: bad row")
    payloads = one_per_vendor(receiver)
    assert bugsnag_unhandled(payloads["bugsnag"]) is True
    for vendor in VENDORS:
        assert "monitor:nightly-import" in vendor_tags(vendor, payloads[vendor])
        if vendor != "raygun":
            assert context(vendor, payloads[vendor]) == "nightly-import"


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_excepthooks_must_be_a_bool(value: object) -> None:
    with pytest.raises(errorwire.ConfigError, match="excepthooks"):
        errorwire.init(excepthooks=value)
