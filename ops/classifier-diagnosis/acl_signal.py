# Does the ACL signal survive the chain? Per case: features from raw, base (NMF), segmented.
import numpy as np, sys, os
from common import cases, report
home, run, ds = sys.argv[1], sys.argv[2], sys.argv[3]
F = {}; y = []
for case, lab, d, v, m in cases(home, run, ds, 'segmented.npy'):
    base = np.load(d + '/base.npy').astype(float); seg = np.load(d + '/segmented.npy').astype(float)
    fg = np.load(d + '/mask.npy') > 0
    m2 = m.any(0)   # projected mask (sagittal plane)
    f = {}
    f['raw mask/vol'] = v[m].mean() / v.mean()
    # base images: mean in projected mask / base mean, weighted over K (all K and the best K)
    f['base mask/mean (all K)'] = base[:, m2].mean() / base.mean()
    per = [base[k][m2].mean() / max(base[k].mean(), 1e-9) for k in range(base.shape[0])]
    f['base mask/mean (max over K)'] = max(per)
    f['fg (Otsu) covers ACL frac'] = fg[:, m2].any(0).mean()
    f['seg retention (any K)'] = (seg[:, m2] != 0).any(0).mean()
    f['seg nonzero frac in ACL (mean K)'] = (seg[:, m2] != 0).mean()
    f['seg mask/mean (all K)'] = seg[:, m2].mean() / max(seg.mean(), 1e-9)
    for k, val in f.items(): F.setdefault(k, []).append(val)
    y.append(int(lab))
report(f'{run}/{ds}', F, y)
