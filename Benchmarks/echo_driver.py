#!/usr/bin/env python3
"""Driver of the echo benchmark (stdlib only). Normally started by run-echo.sh.

For every scenario and every implementation it:
  1. starts `BIN server --port P` pinned to the server CPU, with the malloc
     counter preloaded (LD_PRELOAD) and MALLOC_COUNT_FILE set;
  2. waits until 127.0.0.1:P accepts a connection;
  3. starts `BIN client --port P --conns C --depth D --size S --warmup W
     --seconds T` pinned to the client CPU and reads its stdout line by line;
  4. on `MARK start` / `MARK end` samples the server's utime/stime from
     /proc/PID/stat and sends it SIGUSR1 (the malloc counter appends its count);
  5. parses the client's `RESULT` line, stops the server with SIGTERM and
     checks that it exits with status 0.
Then it prints a table, ratios against nio, and writes JSON and CSV files.
The command-line contract of the binaries is described in README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field

CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Scenario:
    conns: int
    depth: int

    @property
    def mode(self) -> str:
        return "pingpong" if self.depth == 1 else "pipelined"

    @property
    def name(self) -> str:
        if self.depth == 1:
            return f"pingpong c={self.conns}"
        return f"pipelined c={self.conns} d={self.depth}"


@dataclass
class RunResult:
    impl: str
    scenario: str
    mode: str
    conns: int
    depth: int
    size: int
    repeat: int = 1
    attempts: int = 1
    ok: bool = False
    error: str | None = None
    msgs: int | None = None
    seconds: float | None = None
    msgs_per_sec: float | None = None
    server_user_us_per_msg: float | None = None
    server_sys_us_per_msg: float | None = None
    server_cpu_us_per_msg: float | None = None
    server_cpu_percent: float | None = None
    client_user_us_per_msg: float | None = None
    client_sys_us_per_msg: float | None = None
    server_allocs_per_msg: float | None = None
    server_frees_per_msg: float | None = None
    other_cpu_percent: float | None = None
    server_exit_code: int | None = None
    raw: dict = field(default_factory=dict)


def parse_scenarios(text: str) -> list[Scenario]:
    """'1:1 50:1 200:1 10:16' -> conns:depth pairs."""
    scenarios = []
    for item in text.split():
        conns, _, depth = item.partition(":")
        scenarios.append(Scenario(int(conns), int(depth or "1")))
    return scenarios


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_cpu_ticks(pid: int) -> tuple[int, int]:
    """utime and stime (clock ticks, all threads) from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        data = f.read().decode()
    # The command name (field 2) may contain spaces: split after its ')'.
    fields = data[data.rindex(")") + 2 :].split()
    # fields[0] is field 3 (state); utime is field 14, stime field 15.
    return int(fields[11]), int(fields[12])


def read_cpu_ns(pid: int) -> int | None:
    """Total on-CPU time (ns, precise) of all live threads, from
    /proc/PID/task/*/schedstat; None where the kernel does not provide it."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    except OSError:
        return None
    return total or None


def read_system_busy_ticks() -> int | None:
    """user+nice+system ticks of all CPUs from /proc/stat (irq, softirq, idle,
    iowait and steal left out)."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        return int(fields[1]) + int(fields[2]) + int(fields[3])
    except (OSError, ValueError, IndexError):
        return None


def wait_for_idle(max_wait: float, threshold: float) -> tuple[bool, float]:
    """Waits up to max_wait seconds for a half-second in which the whole
    machine used less than threshold % of one CPU. Returns (idle, waited)."""
    started = time.monotonic()
    while True:
        b0 = read_system_busy_ticks()
        time.sleep(0.5)
        b1 = read_system_busy_ticks()
        if b0 is None or b1 is None:
            return True, 0.0
        if 100 * ticks_to_us(b1 - b0) / 0.5e6 < threshold:
            return True, time.monotonic() - started
        if time.monotonic() - started >= max_wait:
            return False, time.monotonic() - started


def ticks_to_us(ticks: int) -> float:
    return ticks * 1_000_000 / CLK_TCK


def wait_for_port(port: int, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"server exited early with status {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not accept on port {port} within {timeout:.0f}s")
            time.sleep(0.05)


def parse_kv(line: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)


def tail(path: str, lines: int = 10) -> str:
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:]).rstrip()
    except OSError:
        return ""


class Runner:
    def __init__(self, args: argparse.Namespace, workdir: str):
        self.args = args
        self.workdir = workdir
        self.pin = self._pinning()

    def _pinning(self) -> bool:
        if not self.args.pin:
            return False
        if shutil.which("taskset") is None:
            print("warning: taskset not found; running unpinned", file=sys.stderr)
            return False
        if (os.cpu_count() or 1) < 2:
            print("warning: fewer than 2 CPUs; running unpinned", file=sys.stderr)
            return False
        return True

    def _cmd(self, cpu: int, argv: list[str]) -> list[str]:
        return (["taskset", "-c", str(cpu)] if self.pin else []) + argv

    def run(self, impl: str, binary: str, scenario: Scenario, repeat: int) -> RunResult:
        a = self.args
        result = RunResult(impl, scenario.name, scenario.mode, scenario.conns, scenario.depth, a.size, repeat)
        tag = f"{impl}-{scenario.mode}-c{scenario.conns}-d{scenario.depth}-r{repeat}"
        server_log = os.path.join(self.workdir, f"{tag}.server.log")
        client_log = os.path.join(self.workdir, f"{tag}.client.log")
        count_file = os.path.join(self.workdir, f"{tag}.malloc")
        port = free_port()

        env = dict(os.environ)
        if a.malloc_lib:
            env["LD_PRELOAD"] = a.malloc_lib
            env["MALLOC_COUNT_FILE"] = count_file
        server = None
        client = None
        try:
            with open(server_log, "w") as slog:
                server = subprocess.Popen(
                    self._cmd(a.server_cpu, [binary, "server", "--port", str(port)]),
                    stdin=subprocess.DEVNULL, stdout=slog, stderr=slog, env=env,
                )
            wait_for_port(port, server, timeout=15)

            client_argv = [
                binary, "client", "--port", str(port), "--conns", str(scenario.conns),
                "--depth", str(scenario.depth), "--size", str(a.size),
                "--warmup", str(a.warmup), "--seconds", str(a.seconds),
            ]
            with open(client_log, "w") as clog:
                client = subprocess.Popen(
                    self._cmd(a.client_cpu, client_argv),
                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=clog, text=True, bufsize=1,
                )
            # Watchdog: a client that hangs is killed well after its expected end.
            limit = a.warmup + a.seconds + 60
            watchdog = threading.Timer(limit, client.kill)
            watchdog.start()
            marks: dict[str, tuple[int, int, int | None, int | None, float]] = {}
            fields: dict[str, str] | None = None
            try:
                assert client.stdout is not None
                for line in client.stdout:
                    line = line.strip()
                    if line in ("MARK start", "MARK end"):
                        which = line.split()[1]
                        utime, stime = read_cpu_ticks(server.pid)
                        cpu_ns = read_cpu_ns(server.pid)
                        busy = read_system_busy_ticks()
                        if a.malloc_lib:
                            os.kill(server.pid, signal.SIGUSR1)
                        marks[which] = (utime, stime, cpu_ns, busy, time.monotonic())
                    elif line.startswith("RESULT "):
                        fields = parse_kv(line)
                        result.raw["client_result_line"] = line
                client.wait()
            finally:
                watchdog.cancel()
            if client.returncode != 0:
                raise RuntimeError(f"client exited with status {client.returncode}: {tail(client_log, 3)}")
            if fields is None or "start" not in marks or "end" not in marks:
                raise RuntimeError("client printed no RESULT line or no MARK start/end")

            msgs = int(fields["msgs"])
            seconds = float(fields["seconds"])
            if msgs <= 0:
                raise RuntimeError("client completed no message in the measured window")
            (u0, s0, n0, b0, t0), (u1, s1, n1, b1, t1) = marks["start"], marks["end"]
            result.msgs = msgs
            result.seconds = seconds
            result.msgs_per_sec = msgs / seconds
            result.server_user_us_per_msg = ticks_to_us(u1 - u0) / msgs
            result.server_sys_us_per_msg = ticks_to_us(s1 - s0) / msgs
            if n0 is not None and n1 is not None:
                # Precise user+sys (schedstat, ns); the split above is tick-based.
                result.server_cpu_us_per_msg = (n1 - n0) / 1000 / msgs
                result.server_cpu_percent = 100 * (n1 - n0) / 1e9 / (t1 - t0)
            else:
                result.server_cpu_us_per_msg = ticks_to_us((u1 - u0) + (s1 - s0)) / msgs
                result.server_cpu_percent = 100 * ticks_to_us((u1 - u0) + (s1 - s0)) / 1e6 / (t1 - t0)
            result.client_user_us_per_msg = int(fields["user_us"]) / msgs
            result.client_sys_us_per_msg = int(fields["sys_us"]) / msgs
            if b0 is not None and b1 is not None:
                # CPU used by anything but this server and client (other
                # processes such as a concurrent build): a noisy-machine alarm.
                server_us = result.server_cpu_us_per_msg * msgs
                client_us = int(fields["user_us"]) + int(fields["sys_us"])
                other_us = ticks_to_us(b1 - b0) - server_us - client_us
                result.other_cpu_percent = max(0.0, 100 * other_us / 1e6 / (t1 - t0))
            result.raw.update(server_ticks=[u0, s0, u1, s1], clk_tck=CLK_TCK, server_cpu_ns=[n0, n1],
                              system_busy_ticks=[b0, b1], driver_window_s=t1 - t0)
            result.ok = True
        except Exception as exc:  # keep going with the other runs
            result.error = str(exc)
        finally:
            if client is not None and client.poll() is None:
                client.kill()
                client.wait()
            if server is not None:
                result.server_exit_code = self._stop_server(server)
                if result.ok and result.server_exit_code != 0:
                    result.ok = False
                    result.error = f"server did not exit cleanly on SIGTERM (status {result.server_exit_code})"
        if result.error:
            result.raw["server_log_tail"] = tail(server_log)
        # The counter file is complete once the server has exited.
        if a.malloc_lib and result.msgs:
            counts = self._read_counts(count_file)
            result.raw["malloc_counts"] = counts
            if len(counts) >= 2:
                result.server_allocs_per_msg = (counts[1][0] - counts[0][0]) / result.msgs
                result.server_frees_per_msg = (counts[1][1] - counts[0][1]) / result.msgs
            elif result.ok:
                result.raw["malloc_count_problem"] = f"expected 2 lines in {count_file}, got {len(counts)}"
        return result

    @staticmethod
    def _stop_server(server: subprocess.Popen) -> int:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
                return -999
        return server.returncode

    @staticmethod
    def _read_counts(path: str) -> list[tuple[int, int]]:
        counts = []
        try:
            with open(path) as f:
                for line in f:
                    kv = dict(p.split("=", 1) for p in line.split() if "=" in p)
                    counts.append((int(kv["count"]), int(kv.get("free", 0))))
        except OSError:
            pass
        return counts


def fmt(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def median(values: list[float]) -> float | None:
    values = sorted(values)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


METRICS = [
    "msgs_per_sec", "server_user_us_per_msg", "server_sys_us_per_msg", "server_cpu_us_per_msg",
    "server_cpu_percent", "client_user_us_per_msg", "client_sys_us_per_msg", "server_allocs_per_msg",
    "server_frees_per_msg", "other_cpu_percent",
]


@dataclass
class Summary:
    """One implementation x scenario over all its repeats: medians of the
    successful runs (the single value when REPEATS=1)."""
    impl: str
    scenario: str
    runs: int
    ok_runs: int
    errors: list[str]
    msgs_per_sec_min: float | None
    msgs_per_sec_max: float | None
    msgs_per_sec_spread_percent: float | None
    other_cpu_percent_max: float | None
    medians: dict[str, float | None]

    @property
    def ok(self) -> bool:
        return self.ok_runs == self.runs

    def __getattr__(self, name: str):
        if name in METRICS:
            return self.medians.get(name)
        raise AttributeError(name)


def summarize(results: list[RunResult]) -> list[Summary]:
    summaries = []
    keys = list(dict.fromkeys((r.scenario, r.impl) for r in results))
    for scenario, impl in keys:
        runs = [r for r in results if r.scenario == scenario and r.impl == impl]
        good = [r for r in runs if r.ok]
        rates = [r.msgs_per_sec for r in good]
        med = {m: median([getattr(r, m) for r in good if getattr(r, m) is not None]) for m in METRICS}
        spread = (100 * (max(rates) - min(rates)) / med["msgs_per_sec"]) if len(rates) > 1 else None
        others = [r.other_cpu_percent for r in good if r.other_cpu_percent is not None]
        summaries.append(Summary(
            impl, scenario, len(runs), len(good), [r.error for r in runs if r.error],
            min(rates) if rates else None, max(rates) if rates else None, spread,
            max(others) if others else None, med,
        ))
    return summaries


COLUMNS = [
    ("impl", 8, lambda r: r.impl),
    ("scenario", 20, lambda r: r.scenario),
    ("msgs/s", 12, lambda r: fmt(r.msgs_per_sec, 0)),
    ("spread", 7, lambda r: "-" if r.msgs_per_sec_spread_percent is None else f"{r.msgs_per_sec_spread_percent:.0f}%"),
    ("srv usr us/msg", 14, lambda r: fmt(r.server_user_us_per_msg, 3)),
    ("srv sys us/msg", 14, lambda r: fmt(r.server_sys_us_per_msg, 3)),
    ("srv cpu us/msg", 14, lambda r: fmt(r.server_cpu_us_per_msg, 3)),
    ("srv cpu%", 8, lambda r: fmt(r.server_cpu_percent, 0)),
    ("cli usr us/msg", 14, lambda r: fmt(r.client_user_us_per_msg, 3)),
    ("cli sys us/msg", 14, lambda r: fmt(r.client_sys_us_per_msg, 3)),
    ("srv allocs/msg", 14, lambda r: fmt(r.server_allocs_per_msg, 2)),
    ("other cpu%", 10, lambda r: fmt(r.other_cpu_percent_max, 0)),
]


def print_table(summaries: list[Summary], repeats: int) -> None:
    if repeats > 1:
        print(f"Medians over {repeats} runs; spread = (max - min) / median of msgs/s; other cpu% = the worst run's")
    header = "  ".join(f"{name:<{w}}" if i < 2 else f"{name:>{w}}" for i, (name, w, _) in enumerate(COLUMNS))
    print(header)
    print("-" * len(header))
    for r in summaries:
        cells = [f"{get(r):<{w}}" if i < 2 else f"{get(r):>{w}}" for i, (_, w, get) in enumerate(COLUMNS)]
        line = "  ".join(cells)
        if not r.ok:
            line += f"  FAILED {r.runs - r.ok_runs}/{r.runs}: {r.errors[0]}"
        print(line)


def ratios(summaries: list[Summary], baseline: str) -> list[dict]:
    rows = []
    for scenario in dict.fromkeys(r.scenario for r in summaries):
        base = next((r for r in summaries if r.scenario == scenario and r.impl == baseline and r.ok_runs), None)
        if base is None:
            continue
        for r in summaries:
            if r.scenario != scenario or not r.ok_runs:
                continue

            def ratio(a: float | None, b: float | None) -> float | None:
                return a / b if a is not None and b else None

            rows.append({
                "scenario": scenario,
                "impl": r.impl,
                "msgs_per_sec_ratio": ratio(r.msgs_per_sec, base.msgs_per_sec),
                "server_user_cpu_ratio": ratio(r.server_user_us_per_msg, base.server_user_us_per_msg),
                "server_total_cpu_ratio": ratio(r.server_cpu_us_per_msg, base.server_cpu_us_per_msg),
            })
    return rows


def print_ratios(rows: list[dict], baseline: str) -> None:
    if not rows:
        print(f"(no ratios: no successful '{baseline}' run)")
        return
    print(f"Ratios vs {baseline} (msgs/s: higher is better; server CPU per msg: lower is better)")
    header = f"{'scenario':<20}  {'impl':<8}  {'msgs/s ratio':>12}  {'srv usr cpu ratio':>17}  {'srv usr+sys ratio':>17}"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(f"{row['scenario']:<20}  {row['impl']:<8}  {fmt(row['msgs_per_sec_ratio'], 2):>12}  "
              f"{fmt(row['server_user_cpu_ratio'], 2):>17}  {fmt(row['server_total_cpu_ratio'], 2):>17}")


def machine_info() -> dict:
    info = {"kernel": platform.release(), "cpus": os.cpu_count(), "python": platform.python_version()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return info


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--impl", action="append", default=[], metavar="NAME=BINARY",
                   help="an implementation and its binary; repeat, in run order")
    p.add_argument("--scenarios", default="1:1 50:1 200:1 10:16", help="conns:depth list")
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--repeats", type=int, default=1, help="runs of every impl x scenario (interleaved)")
    p.add_argument("--busy-threshold", type=float, default=10.0,
                   help="warn when other processes used more than this %% of a CPU during a run")
    p.add_argument("--idle-wait", type=float, default=0.0,
                   help="before each run, wait up to this many seconds for the machine to be idle")
    p.add_argument("--busy-retries", type=int, default=0,
                   help="redo a run disturbed by other processes up to this many times; keep the least disturbed")
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--malloc-lib", default="", help="path of libmalloccount.so ('' disables counting)")
    p.add_argument("--server-cpu", type=int, default=0)
    p.add_argument("--client-cpu", type=int, default=1)
    p.add_argument("--no-pin", dest="pin", action="store_false")
    p.add_argument("--baseline", default="nio")
    p.add_argument("--results-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    args = p.parse_args()

    impls = []
    for item in args.impl:
        name, sep, binary = item.partition("=")
        if not sep or not os.access(binary, os.X_OK):
            p.error(f"--impl {item!r}: expected NAME=BINARY with an executable BINARY")
        impls.append((name, os.path.abspath(binary)))
    if not impls:
        p.error("no --impl given")
    if args.malloc_lib:
        args.malloc_lib = os.path.abspath(args.malloc_lib)
    scenarios = parse_scenarios(args.scenarios)

    os.makedirs(args.results_dir, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    results: list[RunResult] = []
    with tempfile.TemporaryDirectory(prefix="echo-bench-") as workdir:
        runner = Runner(args, workdir)
        print(f"echo benchmark: impls={' '.join(n for n, _ in impls)} size={args.size} repeats={args.repeats} "
              f"warmup={args.warmup}s seconds={args.seconds}s pinned={'server cpu %d, client cpu %d' % (args.server_cpu, args.client_cpu) if runner.pin else 'no'} "
              f"malloc-count={'on' if args.malloc_lib else 'off'}", flush=True)
        # Repeats are the outer loop so that a burst of background load
        # hits one run of everything rather than every run of one thing.
        for repeat in range(1, args.repeats + 1):
            for scenario in scenarios:
                for name, binary in impls:
                    label = f"[{repeat}/{args.repeats}] " if args.repeats > 1 else ""
                    print(f"  {label}running {name:<8} {scenario.name:<20} ...", end="", flush=True)
                    best: RunResult | None = None
                    for attempt in range(1, args.busy_retries + 2):
                        if attempt > 1:
                            print(" retrying ...", end="", flush=True)
                        if args.idle_wait > 0:
                            idle, waited = wait_for_idle(args.idle_wait, args.busy_threshold)
                            if waited >= 1 or not idle:
                                print(f" (waited {waited:.0f}s for an idle machine{'' if idle else ', in vain'})",
                                      end="", flush=True)
                        r = runner.run(name, binary, scenario, repeat)
                        r.attempts = attempt
                        if not r.ok:
                            best = r
                            print(f" FAILED: {r.error}", end="", flush=True)
                            break
                        other = r.other_cpu_percent or 0.0
                        if best is None or other < (best.other_cpu_percent or 0.0):
                            best = r
                        print(f" {fmt(r.msgs_per_sec, 0)} msgs/s", end="", flush=True)
                        if other <= args.busy_threshold:
                            break
                        print(f" (busy machine: other processes used {other:.0f}% CPU)", end="", flush=True)
                    assert best is not None
                    results.append(best)
                    print(flush=True)

    summaries = summarize(results)
    print()
    print_table(summaries, args.repeats)
    print()
    ratio_rows = ratios(summaries, args.baseline)
    print_ratios(ratio_rows, args.baseline)
    busiest = max((r.other_cpu_percent or 0.0 for r in results if r.ok), default=0.0)
    if busiest > args.busy_threshold:
        print()
        print(f"WARNING: other processes used up to {busiest:.0f}% of a CPU during the measured windows "
              f"(see 'other cpu%'); numbers from this invocation are disturbed. Rerun on an idle machine.")

    meta = {
        "timestamp": stamp, "seconds": args.seconds, "warmup": args.warmup, "size": args.size,
        "repeats": args.repeats, "idle_wait": args.idle_wait, "busy_threshold": args.busy_threshold,
        "busy_retries": args.busy_retries,
        "scenarios": args.scenarios, "impls": dict(impls), "pinned": runner.pin,
        "server_cpu": args.server_cpu, "client_cpu": args.client_cpu,
        "malloc_count": bool(args.malloc_lib), "machine": machine_info(),
    }
    json_path = os.path.join(args.results_dir, f"echo-{stamp}.json")
    csv_path = os.path.join(args.results_dir, f"echo-{stamp}.csv")
    with open(json_path, "w") as f:
        json.dump({
            "meta": meta,
            "summary": [
                {k: v for k, v in asdict(x).items() if k != "medians"} | {"median": x.medians} for x in summaries
            ],
            "ratios_vs_" + args.baseline: ratio_rows,
            "runs": [asdict(r) for r in results],
        }, f, indent=2)
    with open(csv_path, "w", newline="") as f:
        names = [k for k in asdict(results[0]) if k != "raw"] if results else []
        writer = csv.DictWriter(f, fieldnames=names, extrasaction="ignore")
        writer.writeheader()
        for r in results:
            writer.writerow(asdict(r))
    print()
    print(f"results: {json_path}")
    print(f"         {csv_path}")
    return 0 if results and all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
