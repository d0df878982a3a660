#!/usr/bin/python3
# ab_xgc.py -- two xgc binaries, A and B, side by side in one run: for each
# example, ROUNDS rounds of (build A, build B, bench A, bench B), the order
# of A and B swapped every round, so that a shared machine's load falls on
# both alike.  Prints, per example, the median CPU s of `xgc build`, the
# median of `xgc bench`'s median latency (1 thread unless --threads) and
# the median of its fastest run (the steadier figure under load), each
# with B over A; --json FILE writes every raw number.
#   bench/ab_xgc.py [--rounds N] [--runs N] [--threads N] [--cpu CPU]
#                   [--json FILE] XGC_A XGC_B FILE.xg...
# XGC_X may carry environment settings before the binary, space-separated:
# "XGC_LLVM_PASSES=default<O3> build/xgc".
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile


def split_cmd(spec):
    """(env, argv0) of "VAR=val ... path"."""
    env, words = dict(os.environ), spec.split(" ")
    while words and "=" in words[0] and not words[0].startswith("/"):
        k, v = words.pop(0).split("=", 1)
        env[k] = v
    return env, " ".join(words)


def cpu_of(cmd, env):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit(f"ab_xgc: {' '.join(cmd)} failed:\n{p.stderr}")
    return r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime, p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cpu", default="native")
    ap.add_argument("--json")
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    sides = {"A": split_cmd(a.a), "B": split_cmd(a.b)}
    raw = []
    print(f"{'example':14} {'build A':>8} {'build B':>8} {'B/A':>5} | "
          f"{'ms A':>8} {'ms B':>8} {'B/A':>5} | {'min A':>8} {'min B':>8} {'B/A':>5}")
    with tempfile.TemporaryDirectory(prefix="xgc-ab.") as tmp:
        for f in a.files:
            res = {s: {"build": [], "ms": [], "min": []} for s in ("A", "B")}
            for r in range(a.rounds):
                order = ["A", "B"] if r % 2 == 0 else ["B", "A"]
                for s in order:
                    env, xgc = sides[s]
                    cmd = [xgc, "build", f, "-o", os.path.join(tmp, s + ".so"),
                           "--cpu=" + a.cpu]
                    res[s]["build"].append(cpu_of(cmd, env)[0])
                for s in order:
                    env, xgc = sides[s]
                    cmd = [xgc, "bench", f, "--threads", str(a.threads), "--runs",
                           str(a.runs), "--json"]
                    out = json.loads(cpu_of(cmd, env)[1])
                    res[s]["ms"].append(out["median_ms"])
                    res[s]["min"].append(out["min_ms"])
            med = {s: {k: statistics.median(v) for k, v in res[s].items()} for s in res}
            name = os.path.splitext(os.path.basename(f))[0]
            print(f"{name:14} {med['A']['build']:8.2f} {med['B']['build']:8.2f} "
                  f"{med['B']['build'] / med['A']['build']:5.2f} | {med['A']['ms']:8.2f} "
                  f"{med['B']['ms']:8.2f} {med['B']['ms'] / med['A']['ms']:5.2f} | "
                  f"{med['A']['min']:8.2f} {med['B']['min']:8.2f} "
                  f"{med['B']['min'] / med['A']['min']:5.2f}", flush=True)
            raw.append({"example": name, "file": f, "raw": res, "median": med})
    if a.json:
        with open(a.json, "w") as out:
            json.dump({"a": a.a, "b": a.b, "threads": a.threads, "runs": a.runs,
                       "rounds": a.rounds, "examples": raw}, out, indent=1)


if __name__ == "__main__":
    main()
