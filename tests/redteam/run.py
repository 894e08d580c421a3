"""The red-team of issue 27: ``python -m tests.redteam.run [--fast] [--out DIR]``.

Counts, over bad inputs, corruptions of a finished run, kills at every stage, concurrent
runs, stop signals and hangs: data loss, writes outside the run directory, tracebacks, and
refusals that are not one line with exit 2. Prints one line per figure and exits 1 if any
count is not zero. ``nox -s redteam`` runs it in full; ``--fast`` (bad inputs and
corruptions only, in this process) is what ``tests/test_redteam.py`` runs.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tests.redteam.cases import SUITE, bad_inputs, corruptions, write

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Tally:
    cases: dict[str, int] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)

    def count(self, kind: str) -> None:
        self.cases[kind] = self.cases.get(kind, 0) + 1

    def bad(self, what: str, case: str, detail: str = "") -> None:
        self.problems.setdefault(what, []).append(f"{case}: {detail[:300]}")


def snapshot(d: Path) -> dict[str, str]:
    out = {}
    for p in sorted(d.rglob("*")) if d.exists() else []:
        if p.is_symlink():
            out[str(p.relative_to(d))] = "link:" + os.readlink(p)
        elif p.is_file():
            out[str(p.relative_to(d))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def in_process(argv: list[str]) -> tuple[int, str, str]:
    """Run the CLI in this process; (exit code, stderr, traceback or "")."""
    from tunebench.benchmarks.cli import main

    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = main([str(a) for a in argv])
        except BaseException:  # noqa: BLE001 - a traceback is what is counted
            return 1, err.getvalue(), traceback.format_exc()
    return code, err.getvalue(), ""


def cli(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.Popen:
    e = dict(os.environ, **(env or {}))
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    return subprocess.Popen([sys.executable, "-m", "tunebench.benchmarks.cli", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e,
                            cwd=ROOT, **kw)


def message_lines(err: str) -> list[str]:
    """The lines of a run's stderr that are not its progress log (``INFO ...`` records
    printed before a stop or a refusal): what the one-line rule is about."""
    return [ln for ln in err.strip().splitlines() if ln and not ln.startswith("INFO ")]


def refusal_ok(t: Tally, case: str, code: int, err: str, tb: str) -> None:
    if tb or "Traceback" in err:
        t.bad("tracebacks", case, tb or err)
    elif code != 2 or len(err.strip().splitlines()) != 1:
        t.bad("refusals not one line with exit 2", case, f"exit {code}: {err!r}")


def run_bad_inputs(t: Tally, tmp: Path, every: int = 1) -> None:
    for i, (name, make) in enumerate(bad_inputs()):
        if i % every:
            continue
        d = tmp / f"bad-{i}"
        d.mkdir()
        argv = make(d)
        before = snapshot(d)
        code, err, tb = in_process(argv)
        t.count("bad inputs")
        refusal_ok(t, name, code, err, tb)
        if snapshot(d) != before and not tb:
            t.bad("bad inputs that created or changed files", name, str(argv))


def base_runs(tmp: Path) -> tuple[Path, Path, pd.DataFrame]:
    """A finished run with its report, and a run of another suite."""
    suite = write(tmp, name="base.toml")
    base = tmp / "base"
    code, err, tb = in_process(["run", suite, "--out", base, "--jobs", "1"])
    assert code == 0, err + tb
    other = write(tmp, base=SUITE.replace("budget = 3", "budget = 4"), name="other.toml")
    code, err, tb = in_process(["run", other, "--out", tmp / "other", "--jobs", "1",
                                "--no-report"])
    assert code == 0, err + tb
    return base, tmp / "other", pd.read_parquet(base / "trials.parquet")


def run_corruptions(t: Tally, tmp: Path, every: int = 1) -> None:
    from tunebench.benchmarks.store.schema import DETERMINISTIC

    base, other, first = base_runs(tmp)
    for i, (name, damage) in enumerate(corruptions(other)):
        if i % every:
            continue
        run, outside = tmp / f"c-{i}", tmp / f"outside-{i}"
        shutil.copytree(base, run, symlinks=True)
        outside.mkdir()
        damage(run, outside)
        t.count("corruptions")
        seen_outside = snapshot(outside)
        for argv in (["validate", run], ["report", run]):
            code, err, tb = in_process(argv)
            if tb or "Traceback" in err:
                t.bad("tracebacks", f"{name} {argv[0]}", tb or err)
            elif code not in (0, 2) or (code == 2 and len(err.strip().splitlines()) != 1):
                t.bad("refusals not one line with exit 2", f"{name} {argv[0]}", err)
        code, err, tb = in_process(["run", "--out", run, "--jobs", "1", "--no-report"])
        if code == 2 and "--out" in err and "manifest" in err:  # resume needs the suite
            code, err, tb = in_process(["run", tmp / "base.toml", "--out", run, "--jobs", "1",
                                        "--no-report"])
        if tb or "Traceback" in err:
            t.bad("tracebacks", f"{name} resume", tb or err)
        elif code == 0:
            again = pd.read_parquet(run / "trials.parquet")
            if not first[DETERMINISTIC].equals(again[DETERMINISTIC]):
                t.bad("data loss", name, "records differ after resume")
        elif code != 2 or len(err.strip().splitlines()) != 1:
            t.bad("refusals not one line with exit 2", f"{name} resume", err)
        if snapshot(outside) != seen_outside:
            t.bad("writes outside the run directory", name, str(outside))


def run_kills(t: Tally, tmp: Path) -> None:
    from tunebench.benchmarks.store.schema import DETERMINISTIC

    suite = write(tmp, name="kill.toml")
    ref = tmp / "kref"
    assert cli("run", suite, "--out", ref, "--jobs", "1", "--no-report").wait(300) == 0
    first = pd.read_parquet(ref / "trials.parquet")
    for jobs in ("1", "2"):
        for point in ("after-manifest", "after-first-cell", "consolidate"):
            out = tmp / f"kill-{jobs}-{point}"
            env = {"TUNEBENCH_FAULT": "consolidate"} if point == "consolidate" else {}
            proc = cli("run", suite, "--out", out, "--jobs", jobs, "--no-report", env=env)
            target = out / ("manifest.json" if point == "after-manifest" else "cells")
            end = time.monotonic() + 300
            while proc.poll() is None and time.monotonic() < end:
                ready = (target.exists() if point == "after-manifest" else
                         point == "after-first-cell" and any(target.glob("*.parquet")))
                if ready:
                    proc.kill()
                    break
                time.sleep(0.02)
            proc.wait(300)
            t.count("kills")
            resumed = cli("run", "--out", out, "--jobs", "1", "--no-report")
            _, err = resumed.communicate(timeout=600)
            if "Traceback" in err:
                t.bad("tracebacks", f"kill {jobs} {point}", err)
            if resumed.returncode != 0 or not first[DETERMINISTIC].equals(
                    pd.read_parquet(out / "trials.parquet")[DETERMINISTIC]):
                t.bad("data loss", f"kill {jobs} {point}", err)


def run_signals_and_concurrency(t: Tally, tmp: Path) -> None:
    slow = write(tmp, SUITE.replace('["random", "grid"]', '["random", "tests.plugins_hang:SlowAsk"]')
                 .replace("budget = 3", "budget = 6"), base="", name="slow.toml")
    for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
        out = tmp / f"sig-{sig.name}"
        proc = cli("run", slow, "--out", out, "--jobs", "2", "--no-report", "--seeds", "3",
                   start_new_session=True)
        end = time.monotonic() + 300
        while not any((out / "cells").glob("*.parquet")) and time.monotonic() < end:
            time.sleep(0.05)
        os.killpg(proc.pid, sig)
        _, err = proc.communicate(timeout=300)
        t.count("signals")
        if "Traceback" in err or "leaked" in err:
            t.bad("tracebacks", f"signal {sig.name}", err)
        if proc.returncode != code or len(message_lines(err)) != 1:
            t.bad("stops not one line with the signal's exit code", sig.name,
                  f"exit {proc.returncode}: {message_lines(err)!r}")
        again = cli("run", "--out", out, "--jobs", "1", "--no-report")
        _, err = again.communicate(timeout=600)
        if again.returncode != 0 or pd.read_parquet(out / "trials.parquet")["seed"].nunique() != 3:
            t.bad("data loss", f"resume after {sig.name}", err)
    # two writers of one run directory: the first holds its lock (written before its
    # manifest) for a minute of slow asks, so the second, started once that manifest exists,
    # meets it even on a loaded machine; a second writer that found the first finished
    # would only resume, so that outcome is reported as not exercised
    long = write(tmp, SUITE.replace('["random", "grid"]', '["tests.plugins_hang:SlowAsk"]')
                 .replace("budget = 3", "budget = 150"), base="", name="long.toml")
    out = tmp / "shared"
    a = cli("run", long, "--out", out, "--jobs", "1", "--no-report")
    end = time.monotonic() + 300
    while not (out / "manifest.json").exists() and a.poll() is None \
            and time.monotonic() < end:
        time.sleep(0.05)
    b = cli("run", long, "--out", out, "--jobs", "1", "--no-report")
    _, berr = b.communicate(timeout=600)
    overlapped = a.poll() is None
    _, aerr = a.communicate(timeout=600)
    t.count("concurrency")
    if not overlapped:
        t.bad("refusals not one line with exit 2", "second writer",
              "the first writer had finished before the second one ran: not exercised")
    elif a.returncode != 0 or b.returncode != 2 or len(message_lines(berr)) != 1:
        t.bad("refusals not one line with exit 2", "second writer",
              f"first exit {a.returncode}, second exit {b.returncode}: {berr!r} {aerr[-300:]!r}")
    env = {"TUNEBENCH_REFERENCE_CACHE": str(tmp / "cache")}
    suite = write(tmp, name="ref.toml")
    procs = [cli("run", suite, "--out", tmp / f"ref-{i}", "--jobs", "1", env=env)
             for i in range(2)]
    outs = [p.communicate(timeout=900) for p in procs]
    t.count("concurrency")
    if any(p.returncode != 0 for p in procs) or any("Traceback" in e for _, e in outs):
        t.bad("tracebacks", "shared reference cache", " | ".join(e for _, e in outs))


def run_hangs(t: Tally, tmp: Path) -> None:
    for plugin in ("HangingAsk", "HangingTell"):
        for report in (True, False):
            body = SUITE.replace('["random", "grid"]', f'["tests.plugins_hang:{plugin}"]')
            suite = write(tmp, "trial_timeout = 2\n", base=body, name=f"{plugin}.toml")
            out = tmp / f"hang-{plugin}-{report}"
            proc = cli("run", suite, "--out", out, "--jobs", "1",
                       *([] if report else ["--no-report"]))
            t.count("hangs")
            try:
                _, err = proc.communicate(timeout=300)
            except subprocess.TimeoutExpired:
                proc.kill()
                t.bad("hangs not stopped", f"{plugin} report={report}")
                continue
            if proc.returncode != 1 or "Traceback" in err.split("tracebacks in")[0]:
                t.bad("hangs not stopped", f"{plugin} report={report}", err)
    # slow fits everywhere: with the report (the signature step included), and without it
    # in sequential, parallel (workers, both modes) and training-size cells
    body = SUITE.replace('["branin"]', '["mlp-digits"]').replace('["random", "grid"]',
                                                                 '["random"]')
    for name, extra, report in (
            ("report", "", True), ("sequential", "", False),
            ("batch", 'workers = [2]\nparallel = "batch"\n', False),
            ("async", 'workers = [2]\nparallel = "async"\n', False),
            ("train-size", "train_sizes = [200]\n", False)):
        suite = write(tmp, "trial_timeout = 0.05\n" + extra, base=body, name=f"fit-{name}.toml")
        out = tmp / f"hang-fit-{name}"
        proc = cli("run", suite, "--out", out, "--jobs", "1",
                   *([] if report else ["--no-report"]),
                   env={"TUNEBENCH_REFERENCE_CACHE": str(tmp / "fitcache")})
        t.count("hangs")
        try:
            _, err = proc.communicate(timeout=900)
        except subprocess.TimeoutExpired:
            proc.kill()
            t.bad("hangs not stopped", f"slow fit {name}")
            continue
        if "Traceback" in err:
            t.bad("tracebacks", f"slow fit {name}", err)
        elif proc.returncode != 0 or not (pd.read_parquet(out / "trials.parquet")["status"]
                                          == "timeout").any():
            t.bad("hangs not stopped", f"slow fit {name}", f"exit {proc.returncode}: {err}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fast", action="store_true", help="bad inputs and corruptions only")
    p.add_argument("--every", type=int, default=1, help="run every n-th case only")
    args = p.parse_args(argv)
    t = Tally()
    with tempfile.TemporaryDirectory(prefix="tunebench-redteam-") as d:
        tmp = Path(d)
        os.environ["TUNEBENCH_REFERENCE_CACHE"] = str(tmp / "refcache")
        (tmp / "bad").mkdir()
        run_bad_inputs(t, tmp / "bad", args.every)
        (tmp / "corrupt").mkdir()
        run_corruptions(t, tmp / "corrupt", args.every)
        if not args.fast:
            for step in (run_kills, run_signals_and_concurrency, run_hangs):
                (tmp / step.__name__).mkdir()
                step(t, tmp / step.__name__)
    print("cases: " + ", ".join(f"{k} {v}" for k, v in t.cases.items()))
    for what in ("data loss", "writes outside the run directory", "tracebacks",
                 "refusals not one line with exit 2",
                 *(k for k in t.problems if k not in ("data loss", "tracebacks",
                                                     "writes outside the run directory",
                                                     "refusals not one line with exit 2"))):
        print(f"{what}: {len(t.problems.get(what, []))}")
    for what, items in t.problems.items():
        for item in items:
            print(f"  [{what}] {item}")
    return 1 if t.problems else 0


if __name__ == "__main__":
    sys.exit(main())
