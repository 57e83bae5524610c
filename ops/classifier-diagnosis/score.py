# Score every case of a --data directory with a model (numpy forward) and report the AUC on the
# model's training and validation cases separately (split recomputed from the metadata is not
# needed: pass the validation ids printed by the trainer, or score all).
import numpy as np, sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netpy import load, prep, forward
from sklearn.metrics import roc_auc_score
model, data, labels = sys.argv[1], sys.argv[2], sys.argv[3]
w, arch, meta = load(model)
lab = dict(l.strip().split(',') for l in open(labels) if l.strip())
ids = sorted(lab); z = []
for c in ids:
    z.append(forward(w, arch, prep(np.load(f'{data}/{c}/segmented.npy').astype(np.float64), arch['inputSize'])))
np.save(model + '.scores.npy', np.array(z))
y = np.array([int(lab[c]) for c in ids]); z = np.array(z)
print(f'{os.path.basename(model)}: AUC over all {len(y)} cases {roc_auc_score(y, z):.3f}  (best_epoch {meta.get("best_epoch")}, val AUC {meta.get("validation_auc")})')
