# Per base image: the one the ACL slices load on most (k* = argmax of W over the ACL slices, W by
# least squares on the stored H); the ACL feature on H[k*] and on segmented[k*].
import numpy as np, sys, os
from common import cases, report
home, run, ds = sys.argv[1], sys.argv[2], sys.argv[3]
F = {}; y = []
for case, lab, d, v, m in cases(home, run, ds, 'base.npy'):
    base = np.load(d + '/base.npy').astype(float); H = base.reshape(10, -1)
    seg = np.load(d + '/segmented.npy').astype(float); fg = np.load(d + '/mask.npy') > 0
    V = v.reshape(v.shape[0], -1)
    W = np.linalg.lstsq(H.T, V.T, rcond=None)[0].T.clip(0)
    sl = np.nonzero(m.any((1, 2)))[0]; m2 = m.any(0)
    # mask of the ACL on its central slice only (sharper than the projection)
    c = sl[len(sl)//2]; mc = m[c]
    k = int(np.argmax((W[sl] / (W.sum(0) + 1e-9)).sum(0)))
    f = {}
    f['H[k*] centre-mask/mean'] = base[k][mc].mean() / base[k].mean()
    f['Otsu fg covers ACL (k*)'] = fg[k][mc].mean()
    f['seg[k*] ACL kept frac'] = (seg[k][mc] != 0).mean()
    f['seg[k*] centre-mask mean/mean'] = seg[k][mc].mean() / max(seg[k].mean(), 1e-9)
    f['k*'] = k
    for kk, val in f.items(): F.setdefault(kk, []).append(val)
    y.append(int(lab))
report(f'{run}/{ds}', F, y)
