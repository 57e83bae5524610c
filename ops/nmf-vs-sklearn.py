#!/usr/bin/env python3
"""KneeFlow's default NMF against scikit-learn's on three sets of volumes; exits 1 if ours is worse.

    python3 ops/nmf-vs-sklearn.py --kneeflow BIN --reference DIR [--seeds 1005,…] [--nibabel DIR]
                                  [--json OUT] [--sklearn-cache FILE] [--keep]
                                  [-- extra `kneeflow bench nmf` flags]

Sets (each volume as the (slices × pixels) matrix V that KneeFlow's reader produces):
 1. benchmark: the five phantoms of the reference (`phantom.py OUT 5 32`, seeds 1000–1004), K = 10;
 2. seeds: phantoms of other seeds (`phantom.make_volume(seed)`, default 12 seeds nobody tuned on), K = 10;
 3. nibabel: every NIfTI file of nibabel's test data that KneeFlow's reader accepts (3-D, or the
    first volume of 4-D), sliced along each of its three storage axes (`--slice-axis 0|1|2`), converted with `kneeflow convert` so both sides factorise the same
    matrix, negative samples set to 0 as the chain's default policy (clip) does, K = 5 (capped
    at min(slices, pixels)).
Ours: `kneeflow bench nmf --threads 1 --k K` (its float64 relative error). scikit-learn's:
NMF(init='nndsvda', solver='cd', tol=1e-4, max_iter=200, random_state=0) on float32 V, error
‖V − WH‖_F/‖V‖_F in float64 as the reference pipeline computes it. Prints one row per volume
(ours, scikit-learn's, ratio) and exits 1 if any ratio is above 1.
"""
import argparse
import glob
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning

NIBABEL_DATA = "/usr/lib/python3/dist-packages/nibabel/tests/data"
DEFAULT_SEEDS = "1005,1006,1007,1008,1009,1,2,3,7,42,2024,31337"


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def sklearn_error(x, k):
    model = NMF(n_components=k, init="nndsvda", solver="cd", tol=1e-4, max_iter=200, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        w = model.fit_transform(x)
    x64 = x.astype(np.float64)
    err = np.linalg.norm(x64 - w.astype(np.float64) @ model.components_.astype(np.float64)) / np.linalg.norm(x64)
    return float(err), int(model.n_iter_)


def ours(kneeflow, paths, k, extra):
    code, out, err = run([kneeflow, "bench", "nmf", "--threads", "1", "--k", str(k), *extra, *paths])
    if code != 0:
        sys.exit(f"kneeflow bench nmf failed ({code}):\n{err[-2000:]}")
    return {row["volume"]: row for row in json.loads(out)["volumes"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kneeflow", required=True)
    ap.add_argument("--reference", required=True, help="directory holding phantom.py")
    ap.add_argument("--seeds", default=DEFAULT_SEEDS, help="phantom seeds of the second set")
    ap.add_argument("--nibabel", default=NIBABEL_DATA, help="directory of nibabel's test NIfTI files")
    ap.add_argument("--json", default=None, help="also write the table as JSON here")
    ap.add_argument("--sklearn-cache", default=None,
                    help="JSON file of scikit-learn's results by SHA-256 of the matrix and K (read, then updated)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary volumes")
    ap.add_argument("extra", nargs="*", help="extra flags for `kneeflow bench nmf` (after --)")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="kneeflow-nmf-")
    spec = importlib.util.spec_from_file_location("phantom", os.path.join(a.reference, "phantom.py"))
    phantom = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(phantom)

    sets = []  # (set name, K, [(label, npy path)])
    bench_dir = os.path.join(work, "benchmark")
    code, _, err = run([sys.executable, os.path.join(a.reference, "phantom.py"), bench_dir, "5", "32"])
    if code != 0:
        sys.exit(f"phantom.py failed:\n{err}")
    sets.append(("benchmark", 10, [(os.path.basename(p), p) for p in sorted(glob.glob(bench_dir + "/*.npy"))]))
    seed_dir = os.path.join(work, "seeds")
    os.makedirs(seed_dir)
    seeded = []
    for seed in (int(s) for s in a.seeds.split(",") if s):
        p = os.path.join(seed_dir, f"seed_{seed}.npy")
        np.save(p, phantom.make_volume(seed=seed, n_slices=32))
        seeded.append((f"seed {seed}", p))
    sets.append(("seeds", 10, seeded))
    nib_dir = os.path.join(work, "nibabel")
    os.makedirs(nib_dir)
    converted, skipped = [], []
    sources = sorted(glob.glob(os.path.join(a.nibabel, "*.nii")) + glob.glob(os.path.join(a.nibabel, "*.nii.gz")))
    for src, axis in ((s, ax) for s in sources for ax in (0, 1, 2)):
        name = f"{os.path.basename(src)} axis {axis}"
        dst = os.path.join(nib_dir, os.path.basename(src).split(".nii")[0] + f"_axis{axis}.npy")
        code, _, err = run([a.kneeflow, "convert", src, "--slice-axis", str(axis), "--out", dst])
        if code != 0:
            skipped.append((name, "KneeFlow's reader refused it: " + (err.strip().splitlines()[-1] if err.strip() else f"exit {code}")))
            continue
        x = np.load(dst)
        if (x < 0).any():  # the chain's default negative-sample policy (clip): set to 0
            np.save(dst, np.maximum(x, 0).astype(x.dtype))
        if not (x > 0).any() or min(x.shape[0], x[0].size) < 2:
            skipped.append((name, "all zero or a single row/column after clipping"))
            continue
        converted.append((name, dst))
    sets.append(("nibabel", 5, converted))

    cache = {}
    if a.sklearn_cache and os.path.exists(a.sklearn_cache):
        cache = json.load(open(a.sklearn_cache))
    table, worst = [], 0.0
    for set_name, k, vols in sets:
        by_k = {}
        for label, path in vols:
            x = np.load(path).astype(np.float32)
            x = x.reshape(x.shape[0], -1)
            kk = min(k, *x.shape)
            by_k.setdefault(kk, []).append((label, path, x))
        for kk, group in by_k.items():
            mine = ours(a.kneeflow, [p for _, p, _ in group], kk, a.extra)
            for label, path, x in group:
                key = hashlib.sha256(x.tobytes() + str(x.shape).encode()).hexdigest() + f"/{kk}"
                if key not in cache:
                    cache[key] = sklearn_error(x, kk)
                ref, ref_it = cache[key]
                row = mine[path]
                ratio = row["relative_error"] / ref
                worst = max(worst, ratio)
                table.append({"set": set_name, "volume": label, "shape": row["shape"], "k": kk,
                              "ours": row["relative_error"], "sklearn": ref, "ratio": ratio,
                              "iterations": row["iterations"], "coarse_iterations": row["coarse_iterations"],
                              "ms": row["ms"], "sklearn_iterations": ref_it})
    print(f"{'set':<10} {'volume':<34} {'shape':<14} {'K':>2} {'ours':>9} {'sklearn':>9} {'ratio':>7}  iters (coarse+full) / sklearn  ms")
    for r in table:
        shape = "×".join(str(s) for s in r["shape"])
        flag = "  ABOVE" if r["ratio"] > 1 else ""
        print(f"{r['set']:<10} {r['volume']:<34} {shape:<14} {r['k']:>2} {r['ours']:9.6f} {r['sklearn']:9.6f} {r['ratio']:7.4f}  "
              f"{r['coarse_iterations']}+{r['iterations']} / {r['sklearn_iterations']}  {r['ms']:.1f}{flag}")
    for name, why in skipped:
        print(f"skipped {name}: {why}")
    above = [r for r in table if r["ratio"] > 1]
    print(f"{len(table)} volumes, worst ratio {worst:.4f}, {len(above)} above scikit-learn's")
    if a.sklearn_cache:
        with open(a.sklearn_cache, "w") as f:
            json.dump(cache, f)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"volumes": table, "skipped": skipped}, f, indent=1)
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if above else 0)


if __name__ == "__main__":
    main()
