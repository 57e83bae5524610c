# Localisation control: crop each raw.npy (K×128×128) to 64×64 around the centroid of the
# ground-truth ACL mask (projected over slices) — the same crop rule for torn and intact knees —
# so the network no longer has to find the notch among look-alikes.
# Usage: oracle_crop.py ARTIFACT_DATASET_DIR COHORT_DATASET_DIR OUT_DIR
import numpy as np, os, sys
art, coh, out = sys.argv[1:4]
for c in sorted(os.listdir(art)):
    x = np.load(f'{art}/{c}/raw.npy').astype(np.float32)
    m = np.load(f'{coh}/acl_mask/{c}.npy').any(0)
    ys, xs = np.nonzero(m)
    cy, cx = int(ys.mean()), int(xs.mean())
    y0 = min(max(cy - 32, 0), x.shape[1] - 64); x0 = min(max(cx - 32, 0), x.shape[2] - 64)
    os.makedirs(f'{out}/{c}', exist_ok=True)
    np.save(f'{out}/{c}/segmented.npy', np.ascontiguousarray(x[:, y0:y0 + 64, x0:x0 + 64]))
print('ok')
