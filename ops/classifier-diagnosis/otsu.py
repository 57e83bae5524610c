# On the base image k* that carries the ACL slices: how much of the ACL (central-slice mask) is
# above the Otsu threshold, in the largest component, in the stored foreground mask, kept by seg.
# (skimage re-implementation of the slice preprocessing: gaussian σ=1, 1–99 % normalisation,
# histogram equalisation, Otsu; largest component with holes filled.)
import numpy as np, sys, os
from skimage.filters import gaussian, threshold_otsu
from skimage.exposure import equalize_hist
from skimage.measure import label
from scipy.ndimage import binary_fill_holes
home, run, ds = sys.argv[1], sys.argv[2], sys.argv[3]
cohort = f'{home}/demo/cohort'
labels = dict(l.strip().split(',') for l in open(f'{cohort}/{ds}-acl.csv') if l.strip())
rows = []
for case, lab in sorted(labels.items()):
    d = f'{home}/artifacts/runs/{run}/{ds}/{case}'
    v = np.load(f'{cohort}/{ds}/sagittal/{case}.npy').astype(float)
    m = np.load(f'{cohort}/{ds}/acl_mask/{case}.npy') > 0
    base = np.load(d + '/base.npy').astype(float); H = base.reshape(10, -1)
    seg = np.load(d + '/segmented.npy'); fg = np.load(d + '/mask.npy') > 0
    W = np.linalg.lstsq(H.T, v.reshape(v.shape[0], -1).T, rcond=None)[0].T.clip(0)
    sl = np.nonzero(m.any((1, 2)))[0]; mc = m[sl[len(sl) // 2]]
    k = int(np.argmax((W[sl] / (W.sum(0) + 1e-9)).sum(0)))
    g = gaussian(base[k], 1); lo, hi = np.percentile(g, [1, 99]); g = np.clip((g - lo) / max(hi - lo, 1e-9), 0, 1)
    e = equalize_hist(g); above = e > threshold_otsu(e)
    lab_ = label(above); big = lab_ == (np.bincount(lab_.ravel())[1:].argmax() + 1); big = binary_fill_holes(big)
    # where does the ACL sit in the equalised intensity distribution of the foreground?
    q = (e[fg[k]] < e[mc].mean()).mean() if fg[k].any() else np.nan
    rows.append((int(lab), above[mc].mean(), big[mc].mean(), fg[k][mc].mean(), (seg[k][mc] != 0).mean(), q))
r = np.array(rows, float)
for name, sel in [('intact', r[:, 0] == 0), ('torn', r[:, 0] == 1)]:
    a = r[sel].mean(0)
    print(f'{name:6s} n={sel.sum():3d}  ACL px above Otsu {a[1]:.2f}  in largest comp (python) {a[2]:.2f}  in stored fg mask {a[3]:.2f}  kept in seg {a[4]:.2f}  ACL mean intensity quantile within fg {np.nanmean(r[sel,5]):.2f}')
