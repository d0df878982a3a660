#!/usr/bin/python3
# report.py -- bench/run.sh's last step: reads the JSON that bench/peak, the
# peers and `xgc bench` wrote into one directory, prints one table (medians;
# GFLOP/s and the fraction of the measured FMA peak, or GB/s and the fraction
# of the measured STREAM bandwidth) and writes the whole run as one JSON file.
#   report.py DIR OUT.json                  one run (DIR: run.sh's files)
#   report.py --merge OUT.json RUN.json...  several runs: per cell, the median
#                                           over the runs of each run's values
# DIR holds meta.json, peak-start.json, peak-end.json, and onednn.jsonl,
# torch.jsonl, xgc.jsonl (one JSON document per line).
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import problems  # noqa: E402
from results_io import load, load_lines, write  # noqa: E402

PEERS = ["xgc", "onednn", "onednn-avx2", "torch-eager", "torch-jit"]


# ------------------------------------------------------------ one run

def merge_peak(start, end):
    """The reference peak and bandwidth per thread count: the higher of the
    medians measured before and after the peers (the drift is reported).
    Another process on the machine can only lower a measurement, so the
    higher one is the nearer to what the machine can do, and the fractions
    are the more conservative."""
    out = {"peak_gflops": {}, "avx2_gflops": {}, "bandwidth_gbps": {}, "drift": {},
           "peak_isa": start["peak_isa"] if start else None}
    runs = [p for p in (start, end) if p]
    if not runs:
        return out
    for key in ("peak_gflops", "bandwidth_gbps"):
        for t in runs[0][key]:
            vals = [p[key][t] for p in runs if t in p[key]]
            out[key][t] = max(vals)
            if len(vals) == 2 and min(vals) > 0:
                out["drift"][f"{key}[{t}]"] = round(vals[1] / vals[0] - 1, 3)
    avx2 = [p["fma_gflops"]["avx2"]["median"] for p in runs if "avx2" in p["fma_gflops"]]
    for t in (avx2[0] if avx2 else {}):
        out["avx2_gflops"][t] = max(a[t] for a in avx2)
    return out


def raw_rows(d):
    """(problem, peer, threads) -> result, from every tool's output."""
    rows = {}
    for doc in load_lines(os.path.join(d, "onednn.jsonl")):
        peer = "onednn-avx2" if doc.get("max_isa") == "AVX2" else "onednn"
        for r in doc.get("results", []):
            rows[(r["problem"], peer, r["threads"])] = dict(r, isa=doc.get("isa"))
    for doc in load_lines(os.path.join(d, "torch.jsonl")):
        for r in doc.get("results", []):
            rows[(r["problem"], "torch-" + r["mode"], r["threads"])] = r
    for doc in load_lines(os.path.join(d, "xgc.jsonl")):
        # run.sh's lines name the "problem"; xgrun's (the device kit) the "example"
        res, spec = doc.get("result"), doc.get("problem", doc.get("example"))
        if isinstance(res, dict) and "median_ms" in res:
            rows[(spec, "xgc", doc["threads"])] = res
        elif spec:
            rows[(spec, "xgc", doc["threads"])] = {"error": doc.get("error", res)}
    return rows


def cells(specs, threads, raw, ref):
    """The table's cells as data: rate from the median latency, fraction of
    the reference of the same thread count (measured in the same run)."""
    data = []
    for spec in specs:
        amount, unit = problems.work(spec)
        key = "peak_gflops" if unit == "GFLOP/s" else "bandwidth_gbps"
        for peer in PEERS:
            for t in threads:
                r = raw.get((spec, peer, t))
                if not r:
                    continue
                cell = {"problem": spec, "peer": peer, "threads": t}
                if "median_ms" not in r:
                    data.append(dict(cell, error=str(r.get("error"))[:300]))
                    continue
                rate = amount / (r["median_ms"] * 1e-3) / 1e9
                base = ref[key].get(str(t))
                data.append(dict(cell, median_ms=r["median_ms"], min_ms=r.get("min_ms"),
                                 max_ms=r.get("max_ms"), rate=round(rate, 3), unit=unit,
                                 fraction=round(rate / base, 4) if base else None))
    return data


# ------------------------------------------------------------ printing

def fmt_cell(c):
    if c is None:
        return f"{'-':>9} {'':7} {'':5}"
    if "error" in c:
        return f"{'error':>9} {'':7} {'':5}"
    frac = f"{c['fraction'] * 100:4.0f}%" if c.get("fraction") is not None else "    ?"
    return f"{c['median_ms']:9.3f} {c['rate']:7.1f} {frac}"


def print_table(specs, threads, data, ranges=False):
    by = {(c["problem"], c["peer"], c["threads"]): c for c in data}
    head = f"{'problem':24} {'peer':12}"
    for t in threads:
        head += f" | {t} thr: {'ms':>9} {'rate':>7} {'frac':>5}"
        if ranges:
            head += f" {'(frac range)':>13}"
    print(head)
    for spec in specs:
        unit = problems.work(spec)[1]
        print(f"{spec:24} ({unit}; frac: of the measured "
              f"{'FMA peak' if unit == 'GFLOP/s' else 'bandwidth'})")
        for peer in PEERS:
            if not any((spec, peer, t) in by for t in threads):
                continue
            line = f"{'':24} {peer:12}"
            for t in threads:
                c = by.get((spec, peer, t))
                line += f" | {'':6} {fmt_cell(c)}"
                if ranges:
                    rg = c.get("fraction_range") if c else None
                    line += f" {f'{rg[0] * 100:.0f}-{rg[1] * 100:.0f}%' if rg else '':>13}"
            print(line)


def xgc_vs_onednn(data):
    """oneDNN's median latency over xgc's, per problem and thread count."""
    by = {(d["problem"], d["peer"], d["threads"]): d for d in data if "median_ms" in d}
    return {f"{s}@{t}": round(by[(s, "onednn", t)]["median_ms"] / d["median_ms"], 3)
            for (s, p, t), d in by.items() if p == "xgc" and (s, "onednn", t) in by}


def print_reference(threads, ref):
    for t in threads:
        t = str(t)
        print(f"  {t} thr: FMA peak {ref['peak_gflops'].get(t, 0):.1f} GFLOP/s "
              f"({ref.get('peak_isa') or '?'}; AVX2 {ref['avx2_gflops'].get(t, 0):.1f}), "
              f"bandwidth {ref['bandwidth_gbps'].get(t, 0):.1f} GB/s")


def print_ratio(ratio):
    if ratio:
        print("\nxgc's speed relative to oneDNN (oneDNN's latency / xgc's): " +
              ", ".join(f"{k} {v:.2f}" for k, v in ratio.items()))


def one_run(d, out_path):
    meta = load(os.path.join(d, "meta.json")) or {}
    start, end = load(os.path.join(d, "peak-start.json")), load(os.path.join(d, "peak-end.json"))
    ref = merge_peak(start, end)
    specs = meta.get("problems", problems.DEFAULT)
    threads = meta.get("threads", [1])
    data = cells(specs, threads, raw_rows(d), ref)
    print(f"\n{meta.get('host', '?')} {meta.get('date', '?')}: {meta.get('cpu', '?')}")
    print_reference(threads, ref)
    if ref["drift"]:
        print("  peak and bandwidth after the peers vs before: " +
              ", ".join(f"{k} {v * 100:+.0f}%" for k, v in ref["drift"].items()))
    print(f"  load average {meta.get('loadavg_start', '?')} at the start, "
          f"{meta.get('loadavg_end', '?')} at the end; "
          f"{meta.get('waited_for_idle_s', 0)} s spent waiting for idle moments")
    print("  medians; rate from the median latency; frac of the measured peak or bandwidth\n")
    print_table(specs, threads, data)
    ratio = xgc_vs_onednn(data)
    print_ratio(ratio)
    write(out_path, dict(meta, reference=ref, peak_start=start, peak_end=end, table=data,
                         xgc_vs_onednn=ratio,
                         raw={k: load_lines(os.path.join(d, k + ".jsonl"))
                              for k in ("onednn", "torch", "xgc")}))


# ------------------------------------------------------------ several runs

def merge_runs(out_path, paths):
    runs = [r for r in (load(p) for p in paths) if r and "table" in r]
    if not runs:
        sys.exit("report.py: no run results among " + " ".join(paths))
    specs = list(dict.fromkeys(s for r in runs for s in r.get("problems", [])))
    threads = sorted({t for r in runs for t in r.get("threads", [])})
    # Each run's reference and fractions again, as merge_peak says now.
    refs = [merge_peak(r.get("peak_start"), r.get("peak_end")) for r in runs]
    ref = {"peak_gflops": {}, "avx2_gflops": {}, "bandwidth_gbps": {},
           "peak_isa": refs[0].get("peak_isa")}
    for key in ("peak_gflops", "avx2_gflops", "bandwidth_gbps"):
        for t in threads:
            vals = [rf[key][str(t)] for rf in refs if str(t) in rf[key]]
            if vals:
                ref[key][str(t)] = statistics.median(vals)
    groups = {}
    for r, rf in zip(runs, refs):
        for c in r["table"]:
            if "median_ms" in c:
                key = "peak_gflops" if c["unit"] == "GFLOP/s" else "bandwidth_gbps"
                base = rf[key].get(str(c["threads"]))
                c = dict(c, fraction=c["rate"] / base if base else None)
                groups.setdefault((c["problem"], c["peer"], c["threads"]), []).append(c)
    data = []
    for (spec, peer, t), cs in groups.items():
        fr = [c["fraction"] for c in cs if c.get("fraction") is not None]
        data.append({"problem": spec, "peer": peer, "threads": t, "runs": len(cs),
                     "median_ms": statistics.median(c["median_ms"] for c in cs),
                     "rate": statistics.median(c["rate"] for c in cs), "unit": cs[0]["unit"],
                     "fraction": statistics.median(fr) if fr else None,
                     "fraction_range": [min(fr), max(fr)] if fr else None})
    print(f"\n{len(runs)} runs: " + ", ".join(f"{r.get('host')} {r.get('started')} "
                                              f"(load {r.get('loadavg_start')})" for r in runs))
    print_reference(threads, ref)
    print("  per cell: the median over the runs of each run's median; the fraction is each\n"
          "  run's own (its peers over its peak), the median and the range over the runs\n")
    print_table(specs, threads, data, ranges=True)
    ratio = xgc_vs_onednn(data)
    print_ratio(ratio)
    write(out_path, {"merged_from": [os.path.basename(p) for p in paths],
                     "runs": [{k: r.get(k) for k in ("host", "started", "finished", "commit",
                                                     "loadavg_start", "loadavg_end")}
                              for r in runs],
                     "cpu": runs[0].get("cpu"), "problems": specs, "threads": threads,
                     "reference": ref, "table": data, "xgc_vs_onednn": ratio})


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "--merge":
        merge_runs(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) == 3:
        one_run(sys.argv[1], sys.argv[2])
    else:
        sys.exit("usage: report.py DIR OUT.json | report.py --merge OUT.json RUN.json...")


if __name__ == "__main__":
    main()
