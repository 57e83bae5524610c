# A crop that needs no ground truth: the central SIZE×SIZE of each raw.npy slice (default 64 of
# 128). Prints where the ACL centroid falls relative to the crop, per case, as a summary.
# Usage: centre_crop.py ARTIFACT_DATASET_DIR COHORT_DATASET_DIR OUT_DIR [SIZE]
import numpy as np, os, sys
art, coh, out = sys.argv[1:4]; s = int(sys.argv[4]) if len(sys.argv) > 4 else 64
inside = 0; n = 0; offs = []
for c in sorted(os.listdir(art)):
    x = np.load(f'{art}/{c}/raw.npy').astype(np.float32)
    h, w = x.shape[1:]; y0 = (h - s) // 2; x0 = (w - s) // 2
    ys, xs = np.nonzero(np.load(f'{coh}/acl_mask/{c}.npy').any(0))
    offs.append((ys.mean() - h / 2, xs.mean() - w / 2))
    inside += (ys.min() >= y0) & (ys.max() < y0 + s) & (xs.min() >= x0) & (xs.max() < x0 + s); n += 1
    os.makedirs(f'{out}/{c}', exist_ok=True)
    np.save(f'{out}/{c}/segmented.npy', np.ascontiguousarray(x[:, y0:y0 + s, x0:x0 + s]))
o = np.array(offs)
print(f'ACL entirely inside the central {s}x{s}: {inside}/{n}; centroid offset from centre (px): mean {o.mean(0).round(1)}, sd {o.std(0).round(1)}')
