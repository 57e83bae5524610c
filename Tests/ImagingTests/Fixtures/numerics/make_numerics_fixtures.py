#!/usr/bin/env python3
"""Cross-check fixtures for ImagingTests (numerics). Run once from this directory:
    python3 make_numerics_fixtures.py
Writes small JSON files: NMF error of scikit-learn (init='nndsvda', solver='cd'), Otsu thresholds
of scikit-image, scipy Gaussian smoothing, NumPy percentiles and scikit-image equalize_hist.
"""
import json
import warnings

import numpy as np
import scipy.ndimage as ndi
from skimage import exposure
from skimage.filters import threshold_otsu
from sklearn.decomposition import NMF

rng = np.random.default_rng(20261128)
out = {}

# NMF: a smooth 12-slice 20x20 "volume" (blobs + noise), V = (12, 400), K = 4.
s, h, w, k = 12, 20, 20, 4
z = np.linspace(-1, 1, s)[:, None, None]
y = np.linspace(-1, 1, h)[None, :, None]
x = np.linspace(-1, 1, w)[None, None, :]
vol = np.zeros((s, h, w))
for _ in range(6):
    c = rng.uniform(-0.7, 0.7, 3)
    r = rng.uniform(0.2, 0.6, 3)
    vol += rng.uniform(40, 160) * np.exp(-(((z - c[0]) / r[0]) ** 2 + ((y - c[1]) / r[1]) ** 2 + ((x - c[2]) / r[2]) ** 2))
vol = np.abs(vol + rng.normal(0, 4, vol.shape))
vol = np.clip(np.rint(vol), 0, 255).astype(np.float32)
X = vol.reshape(s, -1)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    m = NMF(n_components=k, init="nndsvda", solver="cd", max_iter=200, tol=1e-4, random_state=0)
    W = m.fit_transform(X)
H = m.components_
err = float(np.linalg.norm(X.astype(np.float64) - W.astype(np.float64) @ H.astype(np.float64)) / np.linalg.norm(X.astype(np.float64)))
out["nmf"] = {"slices": s, "height": h, "width": w, "k": k, "data": X.ravel().astype(int).tolist(),
              "sklearn_relative_error": err, "sklearn_iterations": int(m.n_iter_)}

# Otsu: uint8 images with two or three intensity populations.
otsu = []
for i in range(6):
    n = 900
    a = rng.normal(rng.uniform(30, 90), rng.uniform(5, 20), n // 2)
    b = rng.normal(rng.uniform(120, 220), rng.uniform(5, 30), n - n // 2)
    img = np.clip(np.rint(np.concatenate([a, b])), 0, 255).astype(np.uint8)
    if i == 5:
        img = rng.integers(0, 256, n).astype(np.uint8)
    otsu.append({"pixels": img.tolist(), "threshold": int(threshold_otsu(img))})
out["otsu"] = otsu

# Gaussian (scipy gaussian_filter, mode='reflect', truncate=4) on a 7x9 float32 image.
img = rng.uniform(0, 100, (7, 9)).astype(np.float32)
out["gaussian"] = {"height": 7, "width": 9, "image": img.ravel().tolist(),
                   "sigma1": ndi.gaussian_filter(img, sigma=1.0).ravel().tolist(),
                   "sigma0_7": ndi.gaussian_filter(img, sigma=0.7).ravel().tolist(),
                   "sigma3": ndi.gaussian_filter(img, sigma=3.0).ravel().tolist()}

# Percentiles (NumPy linear) and equalisation (skimage equalize_hist, 256 bins, x255, rint).
vals = rng.uniform(-5, 300, 257).astype(np.float32)
out["percentile"] = {"values": vals.tolist(), "q": [0, 1, 37.5, 50, 99, 100],
                     "expected": [float(np.percentile(vals, q)) for q in [0, 1, 37.5, 50, 99, 100]]}
eimg = (rng.gamma(2.0, 30.0, (16, 16))).astype(np.float32)
eq = np.clip(np.rint(exposure.equalize_hist(eimg) * 255.0), 0, 255).astype(np.uint8)
out["equalize"] = {"image": eimg.ravel().tolist(), "expected": eq.ravel().tolist()}

with open("numerics.json", "w") as f:
    json.dump(out, f)
print("sklearn NMF error", err, "iterations", m.n_iter_)
