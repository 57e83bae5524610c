# Learnability control: the raw.npy inputs with the (slice-resampled) ACL mask region painted at
# 1.6x the volume's 99th percentile in torn cases and 0.3x in intact ones. Position, size, shape
# vary as in the phantom; only the painted intensity carries the label.
import numpy as np, os, sys
from common import resample_slices
home = sys.argv[1]; src = f'{home}/artifacts/runs/demo-raw-train/train'; out = f'{home}/exp/surrogate'
lab = dict(l.strip().split(',') for l in open(f'{home}/demo/cohort/train-acl.csv') if l.strip())
for c, l in lab.items():
    x = np.load(f'{src}/{c}/raw.npy').astype(np.float32)
    m = resample_slices(np.load(f'{home}/demo/cohort/train/acl_mask/{c}.npy').astype(float), x.shape[0]) > 0.3
    x[m] = np.quantile(x, 0.99) * (1.6 if l == '1' else 0.3)
    os.makedirs(f'{out}/{c}', exist_ok=True); np.save(f'{out}/{c}/segmented.npy', x)
print('ok')
