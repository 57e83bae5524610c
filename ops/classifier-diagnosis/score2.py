import numpy as np, sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from split import split
from sklearn.metrics import roc_auc_score
scores, labels, frac, seed = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
lab = dict(l.strip().split(',') for l in open(labels) if l.strip()); ids = sorted(lab)
y = np.array([int(lab[c]) for c in ids]); z = np.load(scores)
tr, va = split(list(y), frac, seed)
print(f'train AUC {roc_auc_score(y[tr], z[tr]):.4f} (n {len(tr)})  val AUC {roc_auc_score(y[va], z[va]):.4f} (n {len(va)})')
