#!/usr/bin/python3
# report.py -- bench/run.sh's last step: reads the JSON that bench/peak, the
# peers and `xgc bench` wrote into one directory, prints one table (medians;
# GFLOP/s and the fraction of the measured FMA peak, or GB/s and the fraction
# of the measured STREAM bandwidth) and writes the whole run as one JSON file.
#   report.py DIR OUT.json
# DIR holds meta.json, peak-start.json, peak-end.json, and per problem
# onednn.jsonl, torch.jsonl, xgc.jsonl (one JSON document per line).
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import problems  # noqa: E402

PEERS = ["xgc", "onednn", "onednn-avx2", "torch-eager", "torch-jit"]


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def load_lines(path):
    """The documents of a .jsonl file; a line that is not JSON is kept as
    {"error": line} so that the table says what went wrong."""
    docs = []
    try:
        with open(path) as f:
            for line in f:
                if line.strip():
                    try:
                        docs.append(json.loads(line))
                    except ValueError:
                        docs.append({"error": line.strip()[:200]})
    except OSError:
        pass
    return docs


def merge_peak(start, end):
    """The reference peak and bandwidth per thread count: the mean of the
    medians measured before and after the peers (the drift is reported)."""
    out = {"peak_gflops": {}, "avx2_gflops": {}, "bandwidth_gbps": {}, "drift": {}}
    runs = [p for p in (start, end) if p]
    if not runs:
        return out
    for key in ("peak_gflops", "bandwidth_gbps"):
        for t in runs[0][key]:
            vals = [p[key][t] for p in runs if t in p[key]]
            out[key][t] = sum(vals) / len(vals)
            if len(vals) == 2 and min(vals) > 0:
                out["drift"][f"{key}[{t}]"] = round(vals[1] / vals[0] - 1, 3)
    avx2 = [p["fma_gflops"]["avx2"]["median"] for p in runs if "avx2" in p["fma_gflops"]]
    for t in (avx2[0] if avx2 else {}):
        out["avx2_gflops"][t] = sum(a[t] for a in avx2) / len(avx2)
    return out


def rows_of(d):
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
        res = doc.get("result")
        if isinstance(res, dict) and "median_ms" in res:
            rows[(doc["problem"], "xgc", doc["threads"])] = res
        elif "problem" in doc:
            rows[(doc["problem"], "xgc", doc["threads"])] = {"error": doc.get("error", res)}
    return rows


def rate_and_fraction(spec, r, ref, threads):
    amount, unit = problems.work(spec)
    rate = amount / (r["median_ms"] * 1e-3) / 1e9
    key = "peak_gflops" if unit == "GFLOP/s" else "bandwidth_gbps"
    base = ref[key].get(str(threads))
    return rate, unit, (rate / base if base else None)


def table(specs, threads, rows, ref):
    """The printed table and its rows as data."""
    out, data = [], []
    head = f"{'problem':24} {'peer':12}"
    for t in threads:
        head += f" | {t} thr: {'ms':>9} {'rate':>7} {'frac':>5}"
    out.append(head)
    for spec in specs:
        unit = problems.work(spec)[1]
        out.append(f"{spec:24} ({unit}; frac: of the measured "
                   f"{'FMA peak' if unit == 'GFLOP/s' else 'bandwidth'})")
        for peer in PEERS:
            line, any_result = f"{'':24} {peer:12}", False
            for t in threads:
                r = rows.get((spec, peer, t))
                if r and "median_ms" in r:
                    rate, _, frac = rate_and_fraction(spec, r, ref, t)
                    fr = f"{frac * 100:4.0f}%" if frac is not None else "    ?"
                    line += f" | {'':6} {r['median_ms']:9.3f} {rate:7.1f} {fr}"
                    data.append({"problem": spec, "peer": peer, "threads": t,
                                 "median_ms": r["median_ms"], "min_ms": r.get("min_ms"),
                                 "max_ms": r.get("max_ms"), "rate": round(rate, 3),
                                 "unit": unit, "fraction": round(frac, 4) if frac else None})
                    any_result = True
                elif r:
                    line += f" | {'':6} {'error':>9} {'':7} {'':5}"
                    data.append({"problem": spec, "peer": peer, "threads": t,
                                 "error": str(r.get("error"))[:300]})
                    any_result = True
                else:
                    line += f" | {'':6} {'-':>9} {'':7} {'':5}"
            if any_result:
                out.append(line)
    return out, data


def xgc_vs_onednn(data):
    """xgc's median latency over oneDNN's, per problem and thread count."""
    by = {(d["problem"], d["peer"], d["threads"]): d for d in data if "median_ms" in d}
    out = {}
    for (spec, peer, t), d in by.items():
        o = by.get((spec, "onednn", t))
        if peer == "xgc" and o:
            out[f"{spec}@{t}"] = round(o["median_ms"] / d["median_ms"], 3)
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py DIR OUT.json")
    d, out_path = sys.argv[1], sys.argv[2]
    meta = load(os.path.join(d, "meta.json")) or {}
    start, end = load(os.path.join(d, "peak-start.json")), load(os.path.join(d, "peak-end.json"))
    ref = merge_peak(start, end)
    specs = meta.get("problems", problems.DEFAULT)
    threads = meta.get("threads", [1])
    rows = rows_of(d)
    lines, data = table(specs, threads, rows, ref)
    print(f"\n{meta.get('host', '?')} {meta.get('date', '?')}: {meta.get('cpu', '?')}")
    for t in threads:
        t = str(t)
        print(f"  {t} thr: FMA peak {ref['peak_gflops'].get(t, 0):.1f} GFLOP/s "
              f"({start['peak_isa'] if start else '?'}; AVX2 {ref['avx2_gflops'].get(t, 0):.1f}), "
              f"bandwidth {ref['bandwidth_gbps'].get(t, 0):.1f} GB/s")
    if ref["drift"]:
        print("  peak and bandwidth after the peers vs before: " +
              ", ".join(f"{k} {v * 100:+.0f}%" for k, v in ref["drift"].items()))
    print("  medians; rate from the median latency; frac of the measured peak or bandwidth\n")
    print("\n".join(lines))
    ratio = xgc_vs_onednn(data)
    if ratio:
        print("\nxgc's speed relative to oneDNN (oneDNN's latency / xgc's): " +
              ", ".join(f"{k} {v:.2f}" for k, v in ratio.items()))
    doc = dict(meta, reference=ref, peak_start=start, peak_end=end, table=data,
               xgc_vs_onednn=ratio,
               raw={k: load_lines(os.path.join(d, k + ".jsonl"))
                    for k in ("onednn", "torch", "xgc")})
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"\nwritten: {out_path}")


if __name__ == "__main__":
    main()
