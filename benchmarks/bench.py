"""errorwire against the bare app and the vendors' own SDKs, in one run.

    nox -s bench            (or: python benchmarks/bench.py [--quick])

Every (framework, variant) app lives in its own process, driven in-process (no
HTTP server in between). Rounds are interleaved: each round runs every variant
once, so drift in the machine hits all variants alike. Prints a table and writes
benchmarks/RESULTS.md and benchmarks/RESULTS.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from importlib import metadata
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from apps import FRAMEWORKS, VARIANTS  # noqa: E402

ERROR_BLOCKS = 3
BURST_RUNS = 5


def _cpu_split() -> Tuple[Set[int], Set[int]]:
    """Subjects on one CPU, the sink (and the driver) on the others. Subjects run one at a
    time; on a VM, one vCPU can be twice as slow as the other for a while (a neighbour on
    the host), and a variant that happened to land there would look twice as slow."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return set(), set()
    if len(cpus) < 2:
        return set(), set()
    return {cpus[0]}, set(cpus[1:])


def pin(pid: int, cpus: Set[int]) -> None:
    if cpus:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(pid, cpus)


SUBJECT_CPUS, SINK_CPUS = _cpu_split()
TARGETS = {
    "happy_ratio": 0.98,  # to the floor variant, not the bare app
    "error_added_us": 150.0,
    "burst_ratio": 0.70,
    "rss_mib": 8.0,
    "locals_ratio": 2.0,
    "instructions_over_floor": 3000,
}
INSTRUCTIONS = HERE / "INSTRUCTIONS.json"
"""Written by ``python benchmarks/instructions.py --json benchmarks/INSTRUCTIONS.json``
(valgrind; minutes): RESULTS.md shows it, with the commit it was counted on."""


class Sink:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "sink.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        pin(self.proc.pid, SINK_CPUS)
        assert self.proc.stdout is not None
        self.url = f"http://127.0.0.1:{self.proc.stdout.readline().strip()}"

    def stall(self, seconds: float) -> None:
        request = urllib.request.Request(f"{self.url}/stall?seconds={seconds}", b"", method="POST")
        urllib.request.urlopen(request, timeout=5).read()

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


class Subject:
    def __init__(
        self,
        framework: str,
        variant: str,
        sink: str,
        storm_control: bool = True,
        hash_seed: Optional[int] = None,
    ) -> None:
        self.name = f"{framework}/{variant}"
        extra = [] if storm_control else ["no-storm-control"]
        env = dict(os.environ)
        if hash_seed is not None:  # the same seed for every variant of a round: paired
            env["PYTHONHASHSEED"] = str(hash_seed)
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "runner.py"), framework, variant, sink, *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=str(HERE),
            env=env,
        )
        pin(self.proc.pid, SUBJECT_CPUS)
        self.ready = self._read().get("ready", False)

    def _read(self) -> Dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            return {"error": f"{self.name} exited ({self.proc.wait()})"}
        answer: Dict[str, Any] = json.loads(line)
        return answer

    def ask(self, **command: Any) -> Dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        answer = self._read()
        if "error" in answer:
            print(f"  ! {self.name} {command['op']}: {answer['error']}", file=sys.stderr)
        return answer

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def interleaved(subjects: Dict[str, Subject], rounds: int, **command: Any) -> Dict[str, list]:
    """Every subject once per round, in a shuffled order each round."""
    results: Dict[str, list] = {name: [] for name in subjects}
    for _ in range(rounds):
        order = list(subjects)
        random.shuffle(order)
        for name in order:
            answer = subjects[name].ask(**command)
            if "error" not in answer:
                results[name].append(answer)
    return results


def error_summary(raw: Dict[str, list]) -> Dict[str, Dict[str, float]]:
    """Median and p99 per variant, and what each adds to the bare app's.

    ``raw`` holds one answer per variant and round. The added median is the median
    over rounds of (variant's median - bare's median) in the same round: paired, so
    a round in which the machine as a whole was slow moves both alike. Where a round
    ran in blocks, its median is that of the fastest block (interference only slows).
    """
    out: Dict[str, Dict[str, float]] = {}
    for name, answers in raw.items():
        samples = [s / 1000 for answer in answers for s in answer["samples_ns"]]
        if samples:
            out[name] = {
                "median_us": statistics.median(samples),
                "p99_us": percentile(samples, 0.99),
            }
    bare = out.get("bare")
    for name, row in out.items():
        if bare:
            diffs = [
                (_round_median(ours) - _round_median(base)) / 1000
                for ours, base in zip(raw[name], raw["bare"])
                if ours["samples_ns"] and base["samples_ns"]
            ]
            row["added_median_us"] = statistics.median(diffs) if diffs else 0.0
            row["added_p99_us"] = row["p99_us"] - bare["p99_us"]
    return out


def _round_median(answer: Dict[str, Any]) -> float:
    best = answer.get("best_block_median_ns")
    return float(best) if best else float(statistics.median(answer["samples_ns"]))


def error_path(subjects: Dict[str, Subject], rounds: int, n: int) -> Dict[str, Dict[str, float]]:
    """Rounds of alternating blocks, as in ``fresh_rounds`` but in the same processes and
    without a flush between blocks (a stalled receiver would take minutes to drain)."""
    raw: Dict[str, list] = {name: [] for name in subjects}
    for _ in range(rounds):
        samples: Dict[str, List[int]] = {name: [] for name in subjects}
        medians: Dict[str, List[float]] = {name: [] for name in subjects}
        for _ in range(ERROR_BLOCKS):
            for name, answers in interleaved(subjects, 1, op="errors", n=n // ERROR_BLOCKS).items():
                for answer in answers:
                    samples[name].extend(answer["samples_ns"])
                    medians[name].append(statistics.median(answer["samples_ns"]))
        for name in subjects:
            raw[name].append(
                {"samples_ns": samples[name], "best_block_median_ns": min(medians[name], default=0)}
            )
    out = error_summary(raw)
    for subject in subjects.values():
        subject.ask(op="flush", timeout=30.0)
    return out


def start_subjects(
    framework: str,
    variants: List[str],
    sink: Sink,
    storm_control: bool = True,
    hash_seed: Optional[int] = None,
) -> Dict[str, Subject]:
    subjects = {}
    for variant in variants:
        subject = Subject(framework, variant, sink.url, storm_control, hash_seed)
        if subject.ready:
            subjects[variant] = subject
        else:
            print(f"  ! {framework}/{variant} could not start; left out", file=sys.stderr)
            subject.close()
    return subjects


def close_all(subjects: Dict[str, Subject]) -> None:
    for subject in subjects.values():
        subject.close()


def fresh_rounds(framework: str, sink: Sink, args: argparse.Namespace) -> Dict[str, Any]:
    """Happy and error path, every variant in a new process each round: one process's
    luck (memory layout, a slow start) must not decide a variant's number.

    Within a round all variants share one hash seed and run the happy path in
    interleaved blocks; the round's ratio is of the medians of those blocks, and
    the reported ratio is the median of the rounds' ratios (paired, so a round
    where the whole machine was slow moves bare and the variant alike).
    """
    happy: Dict[str, List[float]] = {}
    ratios: Dict[str, List[float]] = {}
    floor_ratios: Dict[str, List[float]] = {}
    errors: Dict[str, list] = {}
    for _ in range(args.rounds):
        seed = random.randrange(1, 2**32)
        subjects = start_subjects(framework, args.variants, sink, False, seed)
        try:
            blocks = interleaved(subjects, args.happy_blocks, op="happy", n=args.happy_n)
            # The best block: interference (a busy host, the other vCPU's neighbour) only
            # ever slows a block down, so the fastest is the steadiest estimate.
            round_rps = {
                name: max(a["rps"] for a in answers) for name, answers in blocks.items() if answers
            }
            for name, value in round_rps.items():
                happy.setdefault(name, []).append(value)
                if "bare" in round_rps:
                    ratios.setdefault(name, []).append(value / round_rps["bare"])
                if "floor" in round_rps:
                    floor_ratios.setdefault(name, []).append(value / round_rps["floor"])
            # Three shorter blocks per variant, alternating, each followed by a flush:
            # every failure is measured with the queue empty of earlier rounds' reports.
            samples: Dict[str, List[int]] = {name: [] for name in subjects}
            medians: Dict[str, List[float]] = {name: [] for name in subjects}
            for _ in range(ERROR_BLOCKS):
                blocks = interleaved(subjects, 1, op="errors", n=args.error_n // ERROR_BLOCKS)
                for name, answers in blocks.items():
                    for answer in answers:
                        samples[name].extend(answer["samples_ns"])
                        medians[name].append(statistics.median(answer["samples_ns"]))
                for subject in subjects.values():
                    subject.ask(op="flush", timeout=30.0)
            for name, values in samples.items():
                errors.setdefault(name, []).append(
                    {"samples_ns": values, "best_block_median_ns": min(medians[name], default=0)}
                )
        finally:
            close_all(subjects)
    rps = {name: statistics.median(values) for name, values in happy.items() if values}
    return {
        "happy_rps": rps,
        "happy_ratio": {name: statistics.median(values) for name, values in ratios.items()},
        "happy_ratio_rounds": ratios,
        "happy_ratio_vs_floor": {
            name: statistics.median(values) for name, values in floor_ratios.items()
        },
        "error_path": error_summary(errors),
    }


def bench_framework(framework: str, sink: Sink, args: argparse.Namespace) -> Dict[str, Any]:
    result = fresh_rounds(framework, sink, args)
    ours = [v for v in args.variants if v in ("bare", "errorwire")]
    pair = start_subjects(framework, ours, sink, storm_control=False)
    try:
        sink.stall(0.02)
        result["error_path_stalled_sink"] = error_path(pair, args.rounds, args.error_n)
    finally:
        sink.stall(0.0)
        close_all(pair)
    runs = []
    for _ in range(BURST_RUNS):  # fresh processes each time: every burst starts cold
        pair = start_subjects(framework, ours, sink)  # storm control as shipped
        try:
            if "errorwire" in pair and "bare" in pair:
                runs.append(burst(pair, sink, args))
        finally:
            sink.stall(0.0)
            close_all(pair)
    if runs:
        # The run with the median ratio; the worst RSS growth and flush of all runs.
        median_run = sorted(runs, key=lambda run: run["ratio"])[len(runs) // 2]
        result["burst"] = {
            **median_run,
            "ratios": [run["ratio"] for run in runs],
            "rss_growth_mib": max(run["rss_growth_mib"] for run in runs),
            "flushed": all(run["flushed"] for run in runs),
        }
    return result


def burst(pair: Dict[str, Subject], sink: Sink, args: argparse.Namespace) -> Dict[str, Any]:
    """The bare app's burst right before and right after errorwire's (whose reports are
    flushed in between, so its worker is idle during the second): the machine's speed
    drifts by up to 2x within seconds here, and the mean of the two brackets it."""
    before = pair["bare"].ask(op="burst", n=args.burst_n, threads=8)
    sink.stall(0.05)
    ours = pair["errorwire"].ask(op="burst", n=args.burst_n, threads=8)
    sink.stall(0.0)
    drained = pair["errorwire"].ask(op="flush", timeout=120.0)
    after = pair["bare"].ask(op="burst", n=args.burst_n, threads=8)
    bare_rates = [r["errors_per_s"] for r in (before, after) if r.get("errors_per_s")]
    bare = statistics.mean(bare_rates) if bare_rates else None
    return {
        "bare_errors_per_s": bare,
        "bare_before_after": [before.get("errors_per_s"), after.get("errors_per_s")],
        "errorwire_errors_per_s": ours.get("errors_per_s"),
        "ratio": (ours.get("errors_per_s") or 0) / (bare or 1),
        "rss_growth_mib": (ours.get("rss_growth_kib") or 0) / 1024,
        "drain_seconds": drained.get("seconds"),
        "flushed": drained.get("flushed"),
        "stats": drained.get("stats"),
    }


def errorwire_costs(sink: Sink, args: argparse.Namespace) -> Dict[str, Any]:
    subject = Subject("flask", "errorwire", sink.url)
    try:
        costs = subject.ask(op="capture_breakdown", n=args.breakdown_n)
        delivery = subject.ask(op="delivery", n=args.delivery_n)
    finally:
        subject.close()
    return {"capture_breakdown_us": costs, "delivery": delivery}


def machine() -> Dict[str, Any]:
    versions = {}
    for name in (
        "errorwire",
        "flask",
        "django",
        "starlette",
        "sentry-sdk",
        "rollbar",
        "bugsnag",
        "urllib3",
    ):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
    ).stdout.strip()
    return {
        "commit": commit or None,
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def fmt(value: Optional[float], pattern: str = "{:.0f}") -> str:
    return "-" if value is None else pattern.format(value)


def render(results: Dict[str, Any]) -> str:
    lines = ["# errorwire benchmark results", ""]
    m = results["machine"]
    lines += [
        f"Machine: {m['cores']} cores, Python {m['python']}, {m['platform']}, {m['date']}"
        + (f", commit {m['commit']}" if m.get("commit") else "")
        + (f", load average {m['load_average']:.1f} at the start" if m.get("load_average") else "")
        + ".",
        "Packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v) + ".",
        f"Settings: {json.dumps(results['settings'])}.",
        "",
        "## Happy path (requests/s, median of rounds; a fresh process per variant and round, one hash seed per round, 7 interleaved blocks each, the best block counts; ratio: median of the rounds' paired ratios to the bare app)",
        "",
        "| framework | " + " | ".join(VARIANTS) + " |",
        "|---|" + "---|" * len(VARIANTS),
    ]
    for framework, data in results["frameworks"].items():
        cells = [
            f"{fmt(data['happy_rps'].get(v))} ({fmt(data['happy_ratio'].get(v), '{:.2f}')})"
            for v in VARIANTS
        ]
        lines.append(f"| {framework} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "floor: a middleware that only calls the app, added where errorwire's goes: what "
        "any integration costs at least on this driver.",
    ]
    for key, title in (
        (
            "error_path",
            "Error path: time added to a failing request (µs, median / p99, vs bare; the median "
            "pairs each round's fastest block with the bare app's, then takes the median over "
            "rounds; errorwire with storm control off, so every failure is a full report)",
        ),
        ("error_path_stalled_sink", "Error path with the receiver stalling 20 ms per request"),
    ):
        lines += [
            "",
            f"## {title}",
            "",
            "| framework | " + " | ".join(VARIANTS) + " |",
            "|---|" + "---|" * len(VARIANTS),
        ]
        for framework, data in results["frameworks"].items():
            rows = data.get(key, {})
            cells = [
                f"{fmt(rows[v].get('added_median_us'))} / {fmt(rows[v].get('added_p99_us'))}"
                if v in rows
                else "-"
                for v in VARIANTS
            ]
            lines.append(f"| {framework} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Burst: errors from 8 threads against a stalling receiver (errorwire vs bare, storm control on; the median of 5 runs, each in fresh processes, errorwire's burst between two of the bare app's whose mean it is compared with; RSS: the largest growth)",
        "",
    ]
    lines += [
        "| framework | errors/s bare | errors/s errorwire | ratio | peak RSS growth MiB | drain s | flushed |",
        "|---|---|---|---|---|---|---|",
    ]
    for framework, data in results["frameworks"].items():
        b = data.get("burst")
        if b:
            lines.append(
                f"| {framework} | {fmt(b['bare_errors_per_s'])} | {fmt(b['errorwire_errors_per_s'])} | "
                f"{fmt(b['ratio'], '{:.2f}')} | {fmt(b['rss_growth_mib'], '{:.1f}')} | "
                f"{fmt(b['drain_seconds'], '{:.2f}')} | {b['flushed']} |"
            )
    for framework, data in results["frameworks"].items():
        b = data.get("burst")
        if b and b.get("stats"):
            lines += ["", f"Counters after the {framework} burst: `{json.dumps(b['stats'])}`"]
    costs = results.get("errorwire", {})
    if costs:
        lines += [
            "",
            "## errorwire capture cost breakdown (µs, median)",
            "",
            "| step | µs |",
            "|---|---|",
        ]
        for step, value in costs.get("capture_breakdown_us", {}).items():
            if isinstance(value, (int, float)):
                lines.append(f"| {step.removesuffix('_us')} | {value:.1f} |")
        d = costs.get("delivery", {})
        lines += [
            "",
            f"Delivery: {fmt(d.get('reports_per_s'))} reports/s ({fmt(d.get('posts_per_s'))} HTTP posts/s) to a local keep-alive sink.",
            "",
            f"CPU per delivered report and vendor: {fmt(d.get('cpu_us_per_report_and_vendor'))} µs "
            f"({fmt(d.get('cpu_us_per_report'))} µs per report to all three vendors): the process's "
            "CPU time, all threads (the capture in the failing request, the worker's rendering, "
            "scrubbing, encoding, capping and sending), over distinct errors (no storm control): "
            "what an error storm of distinct errors costs the app.",
        ]
    counts = results.get("instructions")
    if counts:
        lines += [
            "",
            f"## CPU instructions per request (benchmarks/instructions.py, valgrind, commit {counts['commit']})",
            "",
            f"| framework | path | bare | floor | errorwire | over floor (target <= {TARGETS['instructions_over_floor']:,}) | over ready floor |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in counts["rows"]:
            overs = [over_spread(row, "floor"), over_spread(row, "floor-ready")]
            lines.append(
                f"| {row['framework']} | {row['path']} | {row['bare']:,} | {row['floor']:,} | "
                f"{row['errorwire']:,} | {overs[0]} | {overs[1]} |"
            )
    lines += locals_section(results)
    lines += ["", "## Targets", ""]
    for framework, data in results["frameworks"].items():
        ratio = data["happy_ratio"].get("errorwire")
        vs_floor = data.get("happy_ratio_vs_floor", {}).get("errorwire")
        added = data["error_path"].get("errorwire", {}).get("added_median_us")
        stalled = (
            data.get("error_path_stalled_sink", {}).get("errorwire", {}).get("added_median_us")
        )
        b = data.get("burst") or {}
        lines.append(
            f"- {framework}: happy ratio {fmt(ratio, '{:.3f}')} to bare, {fmt(vs_floor, '{:.3f}')} to the floor (target >= {TARGETS['happy_ratio']} to the floor), "
            f"error path +{fmt(added)} µs / stalled +{fmt(stalled)} µs (target <= {TARGETS['error_added_us']:.0f}), "
            f"burst ratio {fmt(b.get('ratio'), '{:.2f}')} (target >= {TARGETS['burst_ratio']}), "
            f"RSS +{fmt(b.get('rss_growth_mib'), '{:.1f}')} MiB (target <= {TARGETS['rss_mib']:.0f})"
            + over_floor(results, framework)
        )
        with_locals = locals_ratios(data)
        if with_locals:
            lines[-1] += (
                f", locals on {fmt(with_locals['added_ratio'], '{:.2f}')}x the time errorwire adds "
                f"without them (target <= {TARGETS['locals_ratio']:.0f})"
            )
    return "\n".join(lines) + "\n"


def over_spread(row: Dict[str, Any], floor: str) -> str:
    """errorwire's count over ``floor``'s (``floor`` or ``floor-ready``): medians, and with
    ``--layouts K`` the spread of the per-layout differences."""
    if floor not in row:
        return "n/a"
    over = f"{row['errorwire'] - row[floor]:+,}"
    spread = row.get(f"over_{floor.replace('-', '_')}_spread")
    if spread:
        over += f" ({spread[0]:+,} .. {spread[1]:+,} over {row['layouts']} layouts)"
    return over


def over_floor(results: Dict[str, Any], framework: str) -> str:
    """The Targets line's instructions part, when INSTRUCTIONS.json has the framework's /ok."""
    for row in (results.get("instructions") or {}).get("rows", []):
        if row["framework"] == framework and row["path"] == "/ok":
            added = row["errorwire"] - row["floor"]
            ready = row.get("floor-ready")
            text = f", instructions over the floor {added:+,} (target <= {TARGETS['instructions_over_floor']:,})"
            return text + (f", over the ready floor {row['errorwire'] - ready:+,}" if ready else "")
    return ""


def locals_ratios(data: Dict[str, Any]) -> Optional[Dict[str, float]]:
    """errorwire with include_locals against errorwire without, on the error path: the
    time each adds to the bare app's failing request, and the whole failing request."""
    rows = data.get("error_path", {})
    on, off = rows.get("errorwire-locals"), rows.get("errorwire")
    if not on or not off or not off.get("added_median_us") or not off.get("median_us"):
        return None
    return {
        "added_ratio": on["added_median_us"] / off["added_median_us"],
        "request_ratio": on["median_us"] / off["median_us"],
    }


def locals_section(results: Dict[str, Any]) -> List[str]:
    found = {f: locals_ratios(d) for f, d in results["frameworks"].items()}
    if not any(found.values()):
        return []
    lines = [
        "",
        "## Error path with locals on (include_locals=True; in-project frames' arguments and locals, the app's own failing route)",
        "",
        "| framework | errorwire adds µs | with locals adds µs | ratio of added | failing request µs without / with | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for framework, ratios in found.items():
        if not ratios:
            continue
        rows = results["frameworks"][framework]["error_path"]
        off, on = rows["errorwire"], rows["errorwire-locals"]
        lines.append(
            f"| {framework} | {fmt(off['added_median_us'])} | {fmt(on['added_median_us'])} | "
            f"{fmt(ratios['added_ratio'], '{:.2f}')} | {fmt(off['median_us'])} / {fmt(on['median_us'])} | "
            f"{fmt(ratios['request_ratio'], '{:.2f}')} |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer rounds and requests (smoke run)"
    )
    parser.add_argument("--frameworks", nargs="*", default=list(FRAMEWORKS))
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS))
    parser.add_argument("--out", default=str(HERE))
    args = parser.parse_args()
    args.rounds = 3 if args.quick else 7
    args.happy_n = 300 if args.quick else 2000
    args.happy_blocks = 3 if args.quick else 7
    args.error_n = 50 if args.quick else 300
    args.burst_n = 800 if args.quick else 10_000
    args.breakdown_n = 200 if args.quick else 2000
    args.delivery_n = 200 if args.quick else 800
    if "bare" not in args.variants:
        args.variants.insert(0, "bare")

    sink = Sink()
    results: Dict[str, Any] = {
        "machine": machine(),
        "settings": {k: v for k, v in vars(args).items() if k != "out"},
        "frameworks": {},
    }
    try:
        for framework in args.frameworks:
            print(f"== {framework}", file=sys.stderr)
            results["frameworks"][framework] = bench_framework(framework, sink, args)
        if "errorwire" in args.variants:
            results["errorwire"] = errorwire_costs(sink, args)
    finally:
        sink.close()
    if INSTRUCTIONS.exists():
        results["instructions"] = json.loads(INSTRUCTIONS.read_text())
    text = render(results)
    print(text)
    out = Path(args.out)
    (out / "RESULTS.md").write_text(text)
    (out / "RESULTS.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
