#!/usr/bin/env python3
"""Times KneeFlow's imaging chain against the Python reference chain, in one run.

    python3 ops/compare-reference.py --reference DIR --kneeflow BIN [--vols DIR] [--reps 3]
                                     [--reference-threads N]

DIR is the directory with the reference chain (pipeline.py, phantom.py). Steps, back to back:
 1. five 32×256×256 phantoms with the reference's phantom.py (unless --vols has .npy files);
 2. the reference chain (`pipeline.py --no-extras`): median seconds per volume, its NMF error;
 3. `kneeflow bench chain --reps 5 --threads 1,2`: median ms per volume per thread count;
 4. `kneeflow preprocess` per volume, then scikit-learn KMeans(20, n_init=1) on the very same
    foreground intensities our exact 1-D K-means clustered: inertia ratio ours / scikit-learn.
Prints one JSON document (ratios, errors, inertia ratios). Needs numpy, scikit-learn,
scikit-image (the reference's own requirements).
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.cluster import KMeans


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    return p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", required=True, help="directory holding pipeline.py and phantom.py")
    ap.add_argument("--kneeflow", required=True, help="kneeflow binary (release build)")
    ap.add_argument("--vols", default=None, help="directory of .npy volumes (default: make 5 phantoms)")
    ap.add_argument("--reps", type=int, default=3, help="reference repetitions per volume")
    ap.add_argument("--reference-threads", type=int, default=0,
                    help="BLAS/OpenMP threads of the reference (default: as shipped, i.e. all cores)")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="kneeflow-compare-")
    vols = a.vols or os.path.join(work, "vols")
    if not glob.glob(os.path.join(vols, "*.npy")):
        os.makedirs(vols, exist_ok=True)
        run([sys.executable, os.path.join(a.reference, "phantom.py"), vols, "5", "32"])
    names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(vols, "*.npy")))

    ref_json = os.path.join(work, "reference.json")
    env = dict(os.environ)
    if a.reference_threads > 0:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(a.reference_threads)
    run([sys.executable, os.path.join(a.reference, "pipeline.py"), "--vols", vols, "--reps", str(a.reps),
         "--no-extras", "--out", ref_json], env=env)
    ref = json.load(open(ref_json))
    ref_runs = ref["runs"]
    ref_total = statistics.median(r["t_total"] for r in ref_runs)
    ref_err = {r["volume"]: r["nmf_rel_err"] for r in ref_runs if r["rep"] == 0}

    bench = json.loads(run([a.kneeflow, "bench", "chain", "--volumes", vols, "--reps", "5", "--threads", "1,2"]))
    ours = {}
    for t, v in bench["threads"].items():
        ours[t] = {"median_ms": v["median_ms"], "speedup": ref_total * 1000 / v["median_ms"]["total"]}
    errors, ratios = {}, []
    for name in names:
        out = os.path.join(work, "pre", name)
        run([a.kneeflow, "preprocess", os.path.join(vols, name), "--out", out])
        metrics = json.load(open(os.path.join(out, "metrics.json")))
        errors[name] = {"kneeflow": metrics["nmfRelativeError"], "reference": ref_err[name],
                        "ratio": metrics["nmfRelativeError"] / ref_err[name]}
        norm = np.load(os.path.join(out, "normalized.npy"))
        mask = np.load(os.path.join(out, "mask.npy"))
        for k, inertia in enumerate(metrics["inertia"]):
            pix = norm[k][mask[k] > 0].astype(np.float64).reshape(-1, 1)
            if len(np.unique(pix)) < 20:
                continue
            km = KMeans(n_clusters=20, n_init=1, random_state=0).fit(pix)
            ratios.append(inertia / km.inertia_)
    report = {
        "volumes": names,
        "reference_median_s_per_volume": ref_total,
        "reference_threads": a.reference_threads or "as shipped",
        "reference_env": {k: ref["env"].get(k) for k in ("numpy", "scikit-learn", "scikit-image", "nproc")},
        "kneeflow": ours,
        "nmf_relative_error": errors,
        "nmf_error_ratio_max": max(e["ratio"] for e in errors.values()),
        "kmeans_inertia_ratio": {"images": len(ratios), "mean": statistics.mean(ratios), "max": max(ratios)},
    }
    print(json.dumps(report, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
