# Machinery control: torn cases get a 4-px checkerboard (0 / 1.5·p99) painted into the
# (slice-resampled) ACL region of raw.npy; intact cases are left as they are. A local texture that
# occurs nowhere else: no anatomical context is needed to find it.
import numpy as np, os, sys
from common import resample_slices
home = sys.argv[1]; src = f'{home}/artifacts/runs/demo-raw-train/train'; out = f'{home}/exp/checker'
lab = dict(l.strip().split(',') for l in open(f'{home}/demo/cohort/train-acl.csv') if l.strip())
yy, xx = np.mgrid[0:256, 0:256]; cb = (((yy // 4) + (xx // 4)) % 2).astype(np.float32)
for c, l in lab.items():
    x = np.load(f'{src}/{c}/raw.npy').astype(np.float32)
    if l == '1':
        m = resample_slices(np.load(f'{home}/demo/cohort/train/acl_mask/{c}.npy').astype(float), x.shape[0]) > 0.3
        pat = np.broadcast_to(cb * np.quantile(x, 0.99) * 1.5, x.shape)
        x[m] = pat[m]
    os.makedirs(f'{out}/{c}', exist_ok=True); np.save(f'{out}/{c}/segmented.npy', x)
print('ok')
