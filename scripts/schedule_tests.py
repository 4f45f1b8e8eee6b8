#!/usr/bin/env python3
"""Runs the integration and end-to-end tests one test per process, several at a time, longest first.

Called by scripts/run-suites.sh with its list of test binaries on stdin, one per line:
    name <TAB> package directory <TAB> executable
Each binary's tests are listed (`--list --format terse`) and every test runs as its own process
(`<exe> --exact <test>`), so the slots stay full to the end: running whole binaries with two
threads each left a core idle while a binary finished its last long test (14 % of the end-to-end
phase idle in a measured run of the test command).

Order: the longest test first, by its time on this machine's earlier runs ($PW_TOOLS/test-times:
each run moves a test's time half way to what it took, so one slow run on a busy machine does
not reorder the next), else by the times kept in the repository (scripts/test-times.tsv, measured
on a 2-core machine; a new machine, as in CI, has only these), else as a long test. The tests that wait for the local model's turn
(`pw_harness::local_model::one_at_a_time` in their body) start one at a time: the lock already
makes them take turns, and a slot waiting on it would do nothing.

Environment:
    PW_TEST_SLOTS   tests at once (default 4: two cores, and a browser test keeps about two
                    thirds of a core busy through its waits on the fake provider)
    PW_ARTIFACTS    where each binary's output goes (suite-<name>.log, every test's output)
    PW_TOOLS        where this machine's times are kept (test-times)
    PW_TEST_CPU     1: also measure each test's CPU seconds (its process, its chromedriver and that
                    driver's browser, read from /proc every half second) and print the tests that
                    use the most; off by default (the reading costs a little CPU itself)
Prints a line per test as it ends (a failed test's whole output with it), then the seconds per
binary and the longest tests. Exits 1 when a test failed or a listed test did not run.
"""
import os
import re
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = os.path.join(ROOT, "scripts", "test-times.tsv")


class CpuMeter:
    """CPU seconds of each running test's process tree, read from /proc every half second.

    Chromium's processes are not waited for by the test that started them, so the kernel's usage
    of a waited-for child misses them; a process that starts and ends between two readings is
    missed too, so the figures are a little low.
    """

    def __init__(self):
        self.hz = os.sysconf("SC_CLK_TCK")
        self.lock = threading.Lock()
        self.roots = {}  # pid of a running test -> its key
        self.seen = {}  # (pid, start time) -> (key, CPU seconds when last read)
        threading.Thread(target=self._run, daemon=True).start()

    def begin(self, pid, key):
        with self.lock:
            self.roots[pid] = key

    def end(self, pid):
        """The key's CPU seconds so far; stops following its process."""
        self._sample()
        with self.lock:
            key = self.roots.pop(pid, None)
            return sum(cpu for k, cpu in self.seen.values() if k == key)

    def _run(self):
        while True:
            time.sleep(0.5)
            self._sample()

    def _sample(self):
        procs = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", encoding="latin-1") as f:
                    stat = f.read()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            procs[int(name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / self.hz, fields[19])
        with self.lock:
            owner = {}
            for pid in procs:
                chain, p = [], pid
                while p in procs and p not in self.roots and p not in owner and len(chain) < 64:
                    chain.append(p)
                    p = procs[p][0]
                key = self.roots.get(p, owner.get(p))
                for c in chain:
                    owner[c] = key
                if key is not None:
                    self.seen[(pid, procs[pid][2])] = (key, procs[pid][1])


def read_times(path):
    """`suite::test <TAB> seconds` lines of `path`; {} when it is missing or unreadable."""
    times = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 2:
                    try:
                        times[parts[0]] = float(parts[1])
                    except ValueError:
                        pass
    except OSError:
        pass
    return times


def local_model_tests(source):
    """Names of the test functions in `source` whose body takes the local model's turn."""
    try:
        text = open(source, encoding="utf-8").read()
    except OSError:
        return set()
    names = set()
    for m in re.finditer(r"one_at_a_time\(\)", text):
        fns = re.findall(r"\bfn\s+(\w+)\s*\(", text[: m.start()])
        if fns:
            names.add(fns[-1])
    return names


def list_tests(name, directory, exe):
    """The binary's tests, by `--list --format terse`. Raises when it cannot list them."""
    out = subprocess.run(
        [exe, "--list", "--format", "terse"],
        cwd=directory,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line[: -len(": test")] for line in out.splitlines() if line.endswith(": test")]


def main():
    slots = int(os.environ.get("PW_TEST_SLOTS", "4"))
    art = os.environ.get("PW_ARTIFACTS", os.path.join(ROOT, "artifacts"))
    tools = os.environ.get("PW_TOOLS", os.path.join(os.path.expanduser("~"), ".cache", "promptwright"))
    os.makedirs(art, exist_ok=True)
    kept = os.path.join(tools, "test-times")
    times = read_times(SEED)
    times.update(read_times(kept))

    jobs = []  # (expected seconds, suite, directory, exe, test, uses the local model)
    listing_failed = []
    for line in sys.stdin:
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 3:
            continue
        name, directory, exe = parts
        try:
            tests = list_tests(name, directory, exe)
        except (OSError, subprocess.CalledProcessError) as e:
            listing_failed.append(name)
            print(f"[tests] {name}: could not list its tests ({e})", flush=True)
            continue
        local = local_model_tests(os.path.join(directory, "tests", name + ".rs"))
        open(os.path.join(art, f"suite-{name}.log"), "w").close()
        for t in tests:
            jobs.append((times.get(f"{name}::{t}", 60.0), name, directory, exe, t, t in local))
    jobs.sort(key=lambda j: -j[0])
    total = len(jobs)
    print(f"[tests] {total} tests in {len({j[1] for j in jobs})} binaries, {slots} at a time, "
          "one process each, longest first", flush=True)

    lock = threading.Condition()
    state = {"local_busy": False, "failed": [], "done": 0}
    results = []  # (suite, test, seconds, outcome, CPU seconds or None)
    start_all = time.time()
    meter = CpuMeter() if os.environ.get("PW_TEST_CPU") == "1" else None

    def take():
        """The next job this slot may run (the longest one whose resource is free), or None."""
        with lock:
            while True:
                if not jobs:
                    return None
                for i, j in enumerate(jobs):
                    if not (j[5] and state["local_busy"]):
                        if j[5]:
                            state["local_busy"] = True
                        return jobs.pop(i)
                lock.wait()

    def run_slot():
        while True:
            job = take()
            if job is None:
                return
            _, suite, directory, exe, test, local = job
            t0 = time.time()
            cpu = None
            try:
                p = subprocess.Popen(
                    [exe, "--exact", test, "--test-threads", "1"],
                    cwd=directory,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    errors="replace",
                )
                if meter:
                    meter.begin(p.pid, f"{suite}::{test}")
                out, _ = p.communicate()
                rc = p.returncode
                if meter:
                    cpu = meter.end(p.pid)
            except OSError as e:
                out, rc = f"could not start {exe}: {e}\n", 127
            secs = time.time() - t0
            if rc == 0 and " 1 passed;" in out:
                outcome = "ok"
            elif rc == 0 and " 1 ignored;" in out:
                outcome = "ignored"
            elif rc == 0:
                outcome = "FAILED (it did not run: no test of that exact name)"
            else:
                outcome = f"FAILED (exit {rc})"
            with lock:
                if local:
                    state["local_busy"] = False
                state["done"] += 1
                results.append((suite, test, secs, outcome, cpu))
                with open(os.path.join(art, f"suite-{suite}.log"), "a", encoding="utf-8") as f:
                    f.write(f"=== {test}: {outcome} after {secs:.0f} s\n{out}\n")
                elapsed = time.time() - start_all
                print(f"[tests {elapsed:3.0f}s {state['done']}/{total}] {suite}::{test} "
                      f"{outcome} ({secs:.0f} s{'' if cpu is None else f', CPU {cpu:.0f} s'})", flush=True)
                if outcome.startswith("FAILED"):
                    state["failed"].append(f"{suite}::{test}")
                    print(out, flush=True)
                lock.notify_all()

    threads = [threading.Thread(target=run_slot) for _ in range(slots)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()

    wall = time.time() - start_all
    per_suite = {}
    for suite, _, secs, _, _ in results:
        per_suite[suite] = per_suite.get(suite, 0.0) + secs
    print(f"[tests] done in {wall:.0f} s; seconds of tests per binary:")
    for suite, secs in sorted(per_suite.items(), key=lambda kv: -kv[1]):
        print(f"  {suite:<16} {secs:5.0f} s")
    print("[tests] the longest tests:")
    for suite, test, secs, _, _ in sorted(results, key=lambda r: -r[2])[:10]:
        print(f"  {secs:4.0f} s  {suite}::{test}")
    if meter:
        per_suite = {}
        for suite, _, _, _, cpu in results:
            per_suite[suite] = per_suite.get(suite, 0.0) + (cpu or 0.0)
        print(f"[tests] {sum(per_suite.values()):.0f} CPU seconds of tests (the machine had "
              f"{wall * (os.cpu_count() or 1):.0f}); per binary:")
        for suite, cpu in sorted(per_suite.items(), key=lambda kv: -kv[1]):
            print(f"  {suite:<16} {cpu:5.0f} s")
        print("[tests] the tests that used the most CPU:")
        for suite, test, _, _, cpu in sorted(results, key=lambda r: -(r[4] or 0.0))[:25]:
            print(f"  {cpu or 0.0:4.0f} s  {suite}::{test}")
    # Keep this machine's times for the next run's order (a failed test's time too: it ran),
    # each half way from what was kept to what it took now (session 51: a slow run put the
    # three axe tests first beside the longest local-model test, which then took 109 s, not 38).
    times_now = read_times(kept)
    for suite, test, secs, _, _ in results:
        key = f"{suite}::{test}"
        before = times_now.get(key)
        times_now[key] = round(secs if before is None else (before + secs) / 2, 1)
    try:
        os.makedirs(tools, exist_ok=True)
        with open(kept + ".tmp", "w", encoding="utf-8") as f:
            for k in sorted(times_now):
                f.write(f"{k}\t{times_now[k]}\n")
        os.replace(kept + ".tmp", kept)
    except OSError as e:
        print(f"[tests] could not keep the times in {kept}: {e}", flush=True)
    if state["failed"] or listing_failed:
        print("[tests] failed: " + ", ".join(state["failed"] + listing_failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
