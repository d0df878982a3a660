#!/usr/bin/python3
# report_examples.py -- the last step of bench/examples.sh and of the device
# kit's run.sh (bench/device/run.sh): reads the JSON lines that the tools
# wrote into one directory, prints one table of the example networks
# (compile time; per thread count the median latency of xgc and of each
# peer, and xgc's latency over the peer's) and writes the run as one JSON.
#   report_examples.py DIR OUT.json                  one run
#   report_examples.py --merge OUT.json RUN.json...  several runs: per cell,
#                                                    the median over the runs
# DIR holds meta.json and any of compile.jsonl (bench/buildtime.py),
# xgc.jsonl ({"example", "threads", "result": xgc bench --json or xgrun's
# result} or "error"), torch.jsonl (bench/torch_examples.py --json) and
# ort.jsonl (bench/device/ort_bench.py --json).  A cell whose output check
# failed is marked '!' (its error is in the JSON); a ratio above 1 means
# xgc is slower.
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results_io import load, load_lines, write  # noqa: E402

PEERS = ["xgc", "torch-eager", "torch-jit", "ort"]


def check_ok(check):
    """True, False, or None (not checked) for a result's "check" map."""
    if not check:
        return None
    return all(c.get("ok") for c in check.values())


def raw_rows(d):
    """(example, peer, threads) -> {"median_ms", "min_ms", "max_ms", "ok",
    ...} or {"error"}; and example -> compile record."""
    rows = {}
    for doc in load_lines(os.path.join(d, "xgc.jsonl")):
        res, key = doc.get("result"), (doc.get("example"), "xgc", doc.get("threads"))
        if isinstance(res, dict) and "median_ms" in res:
            rows[key] = dict(res, ok=check_ok(doc.get("check")), check=doc.get("check"))
        elif doc.get("example"):
            rows[key] = {"error": doc.get("error", res)}
    for tool, prefix in (("torch", "torch-"), ("ort", "")):
        for doc in load_lines(os.path.join(d, tool + ".jsonl")):
            for r in doc.get("results", []):
                peer = prefix + r["mode"]
                rows[(r["example"], peer, r["threads"])] = dict(r, ok=check_ok(r.get("check")))
    compile_ = {c["example"]: c for c in load_lines(os.path.join(d, "compile.jsonl"))
                if "example" in c}
    return rows, compile_


def cells(examples, threads, rows):
    data = []
    for e in examples:
        for peer in PEERS:
            for t in threads:
                r = rows.get((e, peer, t))
                if not r:
                    continue
                c = {"example": e, "peer": peer, "threads": t}
                if "median_ms" not in r:
                    data.append(dict(c, error=str(r.get("error"))[:300]))
                    continue
                data.append(dict(c, median_ms=r["median_ms"], min_ms=r.get("min_ms"),
                                 max_ms=r.get("max_ms"), ok=r.get("ok"),
                                 how=r.get("how"), check=r.get("check")))
    return data


def ratios(data):
    """xgc's median latency over each peer's, per example and thread count."""
    by = {(c["example"], c["peer"], c["threads"]): c for c in data if "median_ms" in c}
    out = {}
    for (e, p, t), c in by.items():
        x = by.get((e, "xgc", t))
        if p != "xgc" and x and c["median_ms"] > 0:
            out[f"{e}@{t}/{p}"] = round(x["median_ms"] / c["median_ms"], 3)
    return out


# ------------------------------------------------------------ printing

def fmt_ms(c):
    if c is None:
        return f"{'-':>9}"
    if "median_ms" not in c:
        return f"{'error':>9}"
    mark = "!" if c.get("ok") is False else " "
    return f"{c['median_ms']:8.3f}{mark}"


def print_table(examples, threads, data, compile_, ratio):
    by = {(c["example"], c["peer"], c["threads"]): c for c in data}
    peers = [p for p in PEERS if any(c["peer"] == p for c in data)]
    others = [p for p in peers if p != "xgc"]
    build = bool(compile_)  # no compile times on the device
    head = f"{'example':14}" + (f" {'build s':>7} {'cpu s':>6}" if build else "")
    for t in threads:
        head += f" | {t:>2} thr: " + " ".join(f"{p.replace('torch-', ''):>9}" for p in peers)
        head += "".join(f" {'x/' + p.replace('torch-', ''):>8}" for p in others)
    print(head)
    for e in examples:
        cr = compile_.get(e)
        cs = f" {cr['median_wall_s']:7.2f} {cr['median_cpu_s']:6.2f}" \
            if cr and "median_wall_s" in cr else f" {'error' if cr else '-':>7} {'':6}"
        line = f"{e:14}" + (cs if build else "")
        for t in threads:
            line += " | " + " " * 8 + " ".join(fmt_ms(by.get((e, p, t))) for p in peers)
            for p in others:
                r = ratio.get(f"{e}@{t}/{p}")
                line += f" {r:8.2f}" if r is not None else f" {'-':>8}"
        print(line)


def print_failures(data, compile_):
    bad = [c for c in data if "error" in c or c.get("ok") is False]
    bad_builds = [c for c in compile_.values() if "error" in c]
    if not bad and not bad_builds:
        return
    print("\nfailures:")
    for c in bad_builds:
        print(f"  {c['example']}: xgc build: {c['error']}")
    for c in bad:
        what = c.get("error") or "; ".join(
            f"{o}: max abs err {v.get('max_abs_err', '?'):.3g} ({v.get('of_max', 0):.2g} of max|y|)"
            f" > tolerance" if "max_abs_err" in v else f"{o}: {v.get('error')}"
            for o, v in (c.get("check") or {}).items() if not v.get("ok"))
        print(f"  {c['example']} {c['peer']} {c['threads']} thr: {what}")


def worst_errors(data):
    """(example, peer) -> the largest error over the outputs and thread
    counts, as a fraction of the output's max |want|; from the checks."""
    worst = {}
    for c in data:
        for v in (c.get("check") or {}).values():
            if "of_max" in v:
                k = (c["example"], c["peer"])
                worst[k] = max(worst.get(k, 0.0), v["of_max"])
    return worst


def print_numerics(examples, data):
    worst = worst_errors(data)
    if not worst:
        return
    peers = [p for p in PEERS if any(k[1] == p for k in worst)]
    print("\nlargest error against the reference (float64 PyTorch), of max |y|; "
          "the check: 1e-5 |y| + 2e-5 max|y|")
    print(f"{'example':14} " + " ".join(f"{p.replace('torch-', ''):>9}" for p in peers))
    for e in examples:
        if any((e, p) in worst for p in peers):
            print(f"{e:14} " + " ".join(f"{worst[(e, p)]:9.2g}" if (e, p) in worst else f"{'-':>9}"
                                        for p in peers))


def one_run(d, out_path):
    meta = load(os.path.join(d, "meta.json")) or {}
    rows, compile_ = raw_rows(d)
    examples = meta.get("examples") or sorted({k[0] for k in rows} | set(compile_))
    threads = meta.get("threads") or sorted({k[2] for k in rows})
    data = cells(examples, threads, rows)
    ratio = ratios(data)
    print(f"\n{meta.get('host', '?')} {meta.get('date', '?')}: {meta.get('cpu', '?')}, "
          f"{meta.get('cpus', '?')} CPUs; xgc --cpu={meta.get('xgc_cpu', '?')}")
    print(f"  load average {meta.get('loadavg_start', '?')} at the start, "
          f"{meta.get('loadavg_end', '?')} at the end; "
          f"{meta.get('waited_for_idle_s', 0)} s spent waiting for idle moments")
    print("  median latency in ms ('!': output check failed); build s, cpu s: the median wall "
          "and CPU time\n  of xgc build; x/PEER: xgc's latency over PEER's (below 1: xgc is "
          "faster)\n")
    print_table(examples, threads, data, compile_, ratio)
    print_numerics(examples, data)
    print_failures(data, compile_)
    for tool in ("torch", "ort"):
        for doc in load_lines(os.path.join(d, tool + ".jsonl")):
            sk = doc.get("skipped")
            for what in ([sk] if isinstance(sk, str) else (sk or {}).values()):
                print(f"skipped ({tool}): {what}")
    write(out_path, dict(meta, table=data, compile=compile_, xgc_over_peer=ratio,
                         raw={k: load_lines(os.path.join(d, k + ".jsonl"))
                              for k in ("compile", "xgc", "torch", "ort")}))


def merge_runs(out_path, paths):
    runs = [r for r in (load(p) for p in paths) if r and "table" in r]
    if not runs:
        sys.exit("report_examples.py: no run results among " + " ".join(paths))
    examples = list(dict.fromkeys(e for r in runs for e in r.get("examples", [])))
    threads = sorted({t for r in runs for t in r.get("threads", [])})
    groups, comp = {}, {}
    for r in runs:
        for c in r["table"]:
            if "median_ms" in c:
                groups.setdefault((c["example"], c["peer"], c["threads"]), []).append(c)
        for e, c in r.get("compile", {}).items():
            if "median_wall_s" in c:
                comp.setdefault(e, []).append(c)
    data = [{"example": e, "peer": p, "threads": t, "runs": len(cs),
             "median_ms": statistics.median(c["median_ms"] for c in cs),
             "range_ms": [min(c["median_ms"] for c in cs), max(c["median_ms"] for c in cs)],
             "ok": False if any(c.get("ok") is False for c in cs) else cs[0].get("ok")}
            for (e, p, t), cs in groups.items()]
    compile_ = {e: {"example": e, "runs": len(cs),
                    "median_wall_s": statistics.median(c["median_wall_s"] for c in cs),
                    "median_cpu_s": statistics.median(c["median_cpu_s"] for c in cs)}
                for e, cs in comp.items()}
    ratio = ratios(data)
    print(f"\n{len(runs)} runs: " + ", ".join(f"{r.get('host')} {r.get('started')} "
                                              f"(load {r.get('loadavg_start')})" for r in runs))
    print("  per cell: the median over the runs of each run's median\n")
    print_table(examples, threads, data, compile_, ratio)
    write(out_path, {"merged_from": [os.path.basename(p) for p in paths],
                     "cpu": runs[0].get("cpu"), "examples": examples, "threads": threads,
                     "table": data, "compile": compile_, "xgc_over_peer": ratio})


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "--merge":
        merge_runs(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) == 3:
        one_run(sys.argv[1], sys.argv[2])
    else:
        sys.exit("usage: report_examples.py DIR OUT.json | "
                 "report_examples.py --merge OUT.json RUN.json...")


if __name__ == "__main__":
    main()
