# ACL feature on the raw volume vs on the NMF reconstruction W·H (W fitted by least squares, clipped ≥0,
# to the stored base images H): does the rank-K factorisation keep the ligament?
import numpy as np, sys, os
from common import cases, report
home, run, ds = sys.argv[1], sys.argv[2], sys.argv[3]
F = {}; y = []
for case, lab, d, v, m in cases(home, run, ds, 'base.npy'):
    H = np.load(d + '/base.npy').astype(float).reshape(10, -1)
    V = v.reshape(v.shape[0], -1)
    W = np.linalg.lstsq(H.T, V.T, rcond=None)[0].T.clip(0)
    R = (W @ H).reshape(v.shape)
    f = {}
    f['raw mask/vol'] = v[m].mean() / v.mean()
    f['NMF recon W.H mask/vol'] = R[m].mean() / R.mean()
    f['recon rel err in ACL'] = np.abs(R[m] - v[m]).mean() / v[m].mean()
    f['recon rel err overall'] = np.abs(R - v).mean() / v.mean()
    sl = np.nonzero(m.any((1, 2)))[0]
    m2 = m.any(0)
    f['raw ACL slices, projected mask'] = v[sl][:, m2].mean() / v.mean()
    f['raw all slices, projected mask'] = v[:, m2].mean() / v.mean()
    for k, val in f.items(): F.setdefault(k, []).append(val)
    y.append(int(lab))
report(f'{run}/{ds}', F, y)
