#!/usr/bin/python3
# buildtime.py -- the compile time of a model: `xgc build FILE -o OUT.so`
# run REPS times (3), each run's wall time and CPU time (user + system of
# xgc and of the `cc -shared` it starts), and the medians; one JSON object.
#   bench/buildtime.py [--reps N] [--name NAME] [--keep DIR] XGC FILE [XGC OPTIONS...]
# The library goes to a temporary directory (--keep DIR: DIR/NAME.so and
# NAME.h stay).  A failing build prints xgc's message and exits 1.
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def build_once(cmd):
    """(wall s, cpu s) of one run of cmd; CalledProcessError on failure."""
    c0, t0 = children_cpu(), time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall, cpu = time.perf_counter() - t0, children_cpu() - c0
    if p.returncode != 0 or p.stderr.strip():
        raise subprocess.CalledProcessError(p.returncode, cmd, p.stdout, p.stderr)
    return wall, cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--name", help="the name in the JSON and of the library (FILE's stem)")
    ap.add_argument("--keep", help="build into DIR and keep the library and header")
    ap.add_argument("xgc")
    ap.add_argument("file")
    ap.add_argument("options", nargs=argparse.REMAINDER, help="more options of xgc build")
    a = ap.parse_args()
    name = a.name or os.path.splitext(os.path.basename(a.file))[0]
    with tempfile.TemporaryDirectory(prefix="xgc-buildtime.") as tmp:
        out = os.path.join(a.keep or tmp, name + ".so")
        cmd = [a.xgc, "build", a.file, "-o", out] + a.options
        walls, cpus = [], []
        try:
            for _ in range(a.reps):
                w, c = build_once(cmd)
                walls.append(w)
                cpus.append(c)
        except (subprocess.CalledProcessError, OSError) as e:
            msg = getattr(e, "stderr", None) or str(e)
            print(f"buildtime: {' '.join(cmd)}: failed:\n{msg}", file=sys.stderr)
            sys.exit(1)
        size = os.path.getsize(out)
    print(json.dumps({"example": name, "file": a.file, "options": a.options, "reps": a.reps,
                      "wall_s": [round(w, 4) for w in walls],
                      "cpu_s": [round(c, 4) for c in cpus],
                      "median_wall_s": round(statistics.median(walls), 4),
                      "median_cpu_s": round(statistics.median(cpus), 4),
                      "so_bytes": size}))


if __name__ == "__main__":
    main()
