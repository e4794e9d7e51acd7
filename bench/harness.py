"""What every benchmark shares: servers under gunicorn, load from ``wrk``, figures with their goals.

A figure is measured against its ceiling in the same run: the server under test and a bare one
under the same gunicorn settings are loaded at the same time, three runs, so that whatever else
runs on a shared machine weighs on both alike. A ratio is of requests per CPU-second of each
server's workers (``ratios``): what their rates would be with the cores to themselves, and steady
on a shared machine, where the rates ``wrk`` sees (printed beside) are not. The load comes from
``wrk``, a native load generator (Debian's ``wrk``; ``make bench`` installs it), fast enough to
saturate a bare Flask endpoint on two cores, which a Python client is not: it would measure
itself. Every figure prints its min /
median / max, its goal and the load average; ``exit_code()`` is non-zero when one missed its goal.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import requests

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
RUNS = 3


@dataclass(frozen=True)
class Workers:
    """Gunicorn's worker settings: the same for a server and its ceiling."""

    workers: int = 2
    worker_class: str = "sync"
    threads: int = 1

    def __str__(self) -> str:
        threads = f" ({self.threads} threads)" if self.threads > 1 else ""
        return f"gunicorn {self.workers} x {self.worker_class}{threads}"


@contextmanager
def gunicorn(
    target: str, pythonpath: Path, env: Mapping[str, str], workers: Any = Workers()
) -> Iterator[str]:
    """Gunicorn serving ``target`` on a free loopback port until the block ends; its base URL.

    ``workers`` has ``workers``, ``worker_class`` and ``threads`` (``Workers``, or parsed
    arguments). Its log is printed if the block fails.
    """
    tmp = env["BENCH_TMP"]
    log_path = Path(tmp) / f"gunicorn-{target.partition(':')[0]}-{time.monotonic_ns()}.log"
    with (
        socket.create_server(("127.0.0.1", 0), backlog=2048) as listener,
        open(log_path, "wb") as log,
    ):
        command = [
            str(GUNICORN),
            "--workers", str(workers.workers),
            "--worker-class", workers.worker_class,
            "--threads", str(workers.threads),
            "--bind", f"fd://{listener.fileno()}",
            "--pythonpath", str(pythonpath),
            "--graceful-timeout", "5",
            "--log-level", "warning",
            target,
        ]  # fmt: skip
        proc = subprocess.Popen(
            command,
            pass_fds=(listener.fileno(),),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=tmp,
        )
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    _MASTERS[url] = proc.pid
    try:
        yield url
    except BaseException:
        print(log_path.read_text(errors="replace")[-4000:], file=sys.stderr)
        raise
    finally:
        _MASTERS.pop(url, None)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


#: Each running server's gunicorn master, by base URL (``cpu_seconds``).
_MASTERS: dict[str, int] = {}


def cpu_seconds(url: str) -> float:
    """CPU time (user and system) the workers of the server at ``url`` have used so far."""
    master = _MASTERS["/".join(url.split("/", 3)[:3])]  # the base URL
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    total = 0
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:  # a worker that just exited
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def sandbox_service_env(tmp: str, **settings: str) -> dict[str, str]:
    """The environment of the service in sandbox mode with a store of its own in ``tmp``: this
    process's environment without its ``FLEXITI_`` settings, then ``settings`` (``FLEXITI_…``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLEXITI_")}
    env.update(
        BENCH_TMP=tmp,
        FLEXITI_ENVIRONMENT="sandbox",
        FLEXITI_STORE_URL=f"sqlite:///{Path(tmp) / 'flexiti.sqlite3'}",
        FLEXITI_INSTANCE_PATH=str(Path(tmp) / "instance"),
        **settings,
    )
    return env


def wait_up(url: str, timeout: float = 30.0) -> None:
    """Gunicorn binds at once, but the first answer waits for a worker to import the app."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url + "/", timeout=5)  # any answer, even a 404, means a worker is up
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


# -- wrk ----------------------------------------------------------------------------------------


def wrk_path() -> str:
    """The ``wrk`` binary, or a clear exit saying how to install it."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: `make bench` installs it (apt-get install -y wrk)")
    return found


@dataclass(frozen=True)
class Load:
    """What one ``wrk`` run measured."""

    rate: float  # requests per second
    p50: float  # seconds
    p99: float
    requests: int
    bad: int  # non-2xx/3xx answers and socket errors
    cpu: float = 0.0  # the server's CPU seconds per request

    def with_cpu(self, seconds: float) -> Load:
        return replace(self, cpu=seconds / max(1, self.requests))

    def __str__(self) -> str:
        bad = f", {self.bad} bad" if self.bad else ""
        return (
            f"{self.rate:7.0f} req/s  p50 {self.p50 * 1000:6.2f} ms  "
            f"p99 {self.p99 * 1000:6.2f} ms  server CPU {self.cpu * 1e6:6.0f} us/request{bad}"
        )


_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _seconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> Load:
    """A ``Load`` from ``wrk --latency``'s report."""
    # wrk leaves the latencies out when its histogram is empty (a run of very slow answers).
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", output, re.M))
    total = re.search(r"^\s+(\d+) requests in", output, re.M)
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    if not (total and rate):
        raise ValueError(f"wrk's report was not understood:\n{output}")
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    bad = int(non_2xx.group(1)) if non_2xx else 0
    if errors:  # a read error is the server closing a connection, which sync workers do
        bad += int(errors.group(1)) + int(errors.group(3)) + int(errors.group(4))
    return Load(
        rate=float(rate.group(1)),
        p50=_seconds(percentiles["50"]) if "50" in percentiles else math.nan,
        p99=_seconds(percentiles["99"]) if "99" in percentiles else math.nan,
        requests=int(total.group(1)),
        bad=bad,
    )


@dataclass(frozen=True)
class Target:
    """What ``wrk`` sends: one request, or bodies taken in turn (a POST each)."""

    url: str
    method: str = "GET"
    bodies: Sequence[bytes] = ()
    headers: Mapping[str, str] = field(default_factory=dict)

    def script(self, folder: Path) -> Path | None:
        """A Lua script for ``wrk -s`` when the request is not a plain GET."""
        if self.method == "GET" and not self.bodies and not self.headers:
            return None
        headers = {"Content-Type": "application/json", **self.headers} if self.bodies else {}
        lines = [f"wrk.method = {json.dumps(self.method)}"]
        lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
        if self.bodies:
            data = folder / f"bodies-{time.monotonic_ns()}.jsonl"
            data.write_bytes(b"".join(body.replace(b"\n", b" ") + b"\n" for body in self.bodies))
            lines += [
                "local bodies = {}",
                f"for line in io.lines({json.dumps(str(data))}) do bodies[#bodies + 1] = line end",
                "local n = 0",
                "function setup(thread) n = n + 1; thread:set('offset', n * 7919) end",
                "function init(args) i = offset end",
                "function request()",
                "  i = i + 1",
                "  return wrk.format(nil, nil, nil, bodies[i % #bodies + 1])",
                "end",
            ]
        path = folder / f"wrk-{time.monotonic_ns()}.lua"
        path.write_text("\n".join(lines) + "\n")
        return path


def wrk(target: Target, *, seconds: float = 3.0, connections: int = 8, threads: int = 2) -> Load:
    """Load ``target`` for ``seconds`` from ``connections`` connections; what ``wrk`` saw."""
    [load] = _wrk_at_once([target], seconds=seconds, connections=connections, threads=threads)
    return load


def _wrk_at_once(
    targets: Sequence[Target], *, seconds: float, connections: int, threads: int
) -> list[Load]:
    """One ``wrk`` per target, all running at the same time."""
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder:
        cpu_before = [cpu_seconds(target.url) for target in targets]
        procs = []
        for target in targets:
            script = target.script(Path(folder))
            command = [wrk_path(), "--latency", f"-t{threads}", f"-c{connections}"]
            command += [f"-d{seconds:g}s", *(["-s", str(script)] if script else []), target.url]
            procs.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True))  # fmt: skip
        outputs = [proc.communicate(timeout=seconds + 60) for proc in procs]
        cpu = [cpu_seconds(t.url) - before for t, before in zip(targets, cpu_before, strict=True)]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        if proc.returncode != 0:
            raise RuntimeError(f"wrk failed: {err or out}")
    return [parse_wrk(out).with_cpu(used) for (out, _), used in zip(outputs, cpu, strict=True)]


def side_by_side(
    targets: Mapping[str, Target], *, runs: int = RUNS, seconds: float = 3.0, warm: float = 1.0
) -> dict[str, list[Load]]:
    """Every target loaded at the same time, ``runs`` times; a short unmeasured load first.

    Loaded together, the servers share the machine's cores alike whatever else runs on it (the
    scheduler gives each busy process its turn), so the ratio of their rates is the ratio of
    what a request costs each, steady even when the machine's load is not.
    """
    named = list(targets.items())
    every = [target for _, target in named]
    _wrk_at_once(every, seconds=warm, connections=8, threads=1)
    loads: dict[str, list[Load]] = {name: [] for name in targets}
    for _ in range(runs):
        done = _wrk_at_once(every, seconds=seconds, connections=8, threads=1)
        for (name, _), load in zip(named, done, strict=True):
            loads[name].append(load)
    for name, measured in loads.items():
        if any(load.bad for load in measured):
            raise SystemExit(f"{name}: some requests failed: {[str(load) for load in measured]}")
    return loads


def ratios(loads: Mapping[str, list[Load]], ours: str, ceiling: str) -> list[float]:
    """Requests per CPU-second of ``ours`` over ``ceiling``'s, run by run: the ratio of their
    rates on a machine where the servers have the cores to themselves.

    The rates ``wrk`` saw are printed too, but on a shared machine they drift with whatever else
    runs; the CPU time each server's workers spent per request does not.
    """
    return [b.cpu / a.cpu for a, b in zip(loads[ours], loads[ceiling], strict=True)]


def rate_ratios(loads: Mapping[str, list[Load]], ours: str, ceiling: str) -> list[float]:
    """Requests per second of ``ours`` over ``ceiling``, run by run, as ``wrk`` saw them."""
    pairs = zip(loads[ours], loads[ceiling], strict=True)
    return [a.rate / b.rate if b.rate else math.nan for a, b in pairs]  # nan: the ceiling stalled


def print_loads(loads: Mapping[str, list[Load]], ours: str = "", ceiling: str = "") -> None:
    """Each run's load, and the ratio of the rates ``wrk`` saw (``ours`` over ``ceiling``)."""
    for name, done in loads.items():
        for n, load in enumerate(done, 1):
            print(f"    {name:<14} run {n}: {load}")
    if ours and ceiling:
        shown = " / ".join(f"{r:.2f}" for r in sorted(rate_ratios(loads, ours, ceiling)))
        print(f"    requests per second, {ours} / {ceiling}: {shown}")


# -- figures ------------------------------------------------------------------------------------


@dataclass
class Figures:
    """The figures one benchmark printed, and whether each met its goal."""

    missed: list[str] = field(default_factory=list)

    def figure(
        self,
        name: str,
        values: Sequence[float],
        *,
        at_least: float | None = None,
        at_most: float | None = None,
        unit: str = "",
        digits: int = 2,
    ) -> bool:
        """Print ``name``'s min / median / max, its goal and the load average; True if met.

        The goal holds for the median of the runs: one run on a shared machine may be unlucky.
        """
        middle = statistics.median(values)
        ok = (at_least is None or middle >= at_least) and (at_most is None or middle <= at_most)
        goal = f">= {at_least:g}" if at_least is not None else f"<= {at_most:g}"
        shown = " / ".join(f"{v:.{digits}f}" for v in (min(values), middle, max(values)))
        print(
            f"{name}: {shown}{unit} (min / median / max of {len(values)}; goal {goal}{unit}) "
            f"{'OK' if ok else 'MISSED'}  [load average {load_average()}]",
            flush=True,
        )
        if not ok:
            self.missed.append(name)
        return ok

    def exit_code(self) -> int:
        if self.missed:
            print("missed: " + "; ".join(self.missed))
        return 1 if self.missed else 0


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def timed(action: Callable[[], Any]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


__all__ = [
    "BENCH_DIR",
    "ROOT",
    "RUNS",
    "Figures",
    "Load",
    "Target",
    "Workers",
    "gunicorn",
    "load_average",
    "parse_wrk",
    "print_loads",
    "rate_ratios",
    "ratios",
    "side_by_side",
    "timed",
    "wait_up",
    "wrk",
]
