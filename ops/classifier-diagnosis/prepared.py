# (c) The classifier's input preparation in numpy (2x2 area mean 256->128, / 99th percentile, clamp
# [0,1]) on the artifacts the trainer reads; then (1) the oracle ACL feature on the prepared tensor
# (mask resampled the same way) and (2) cross-validated logistic regression on pooled pixels.
import numpy as np, sys, os
from sklearn.metrics import roc_auc_score
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
home, run, ds, key = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
cohort = f'{home}/demo/cohort'
labels = dict(l.strip().split(',') for l in open(f'{cohort}/{ds}-acl.csv') if l.strip())
def prep(x):
    k, h, w = x.shape
    x = x.reshape(k, h // 2, 2, w // 2, 2).mean((2, 4))
    s = np.quantile(x, 0.99)
    return np.clip(x / s, 0, 1) if s > 0 else x * 0
def resample_slices(v, k):   # as Volume.resampledSlices
    S = v.shape[0]; out = []
    for j in range(k):
        t = j * (S - 1) / (k - 1); lo = min(int(t), S - 1); hi = min(lo + 1, S - 1); f = t - lo
        out.append((1 - f) * v[lo] + f * v[hi])
    return np.stack(out)
X16 = []; Xmax = []; orc = []; y = []
for case, lab in sorted(labels.items()):
    d = f'{home}/artifacts/runs/{run}/{ds}/{case}'
    if not os.path.exists(f'{d}/{key}.npy'): continue
    x = prep(np.load(f'{d}/{key}.npy').astype(np.float64))
    m = np.load(f'{cohort}/{ds}/acl_mask/{case}.npy').astype(float)
    if key == 'raw':
        mk = resample_slices(m, x.shape[0]).reshape(x.shape[0], 128, 2, 128, 2).mean((2, 4)) > 0.5
        orc.append(x[mk].mean() / x.mean() if mk.any() else np.nan)
    else:
        m2 = m.any(0).reshape(128, 2, 128, 2).mean((1, 3)) > 0.5
        orc.append(max(x[k][m2].mean() / max(x[k].mean(), 1e-9) for k in range(x.shape[0])))
    p = x.reshape(x.shape[0], 16, 8, 16, 8).mean((2, 4))       # 16x16 per slice
    X16.append(p.mean(0).ravel()); Xmax.append(p.max(0).ravel())
    y.append(int(lab))
y = np.array(y); orc = np.array(orc)
print(f'{run}/{ds} [{key}] n={len(y)} torn={y.sum()}')
ok = ~np.isnan(orc)
print(f'  oracle ACL feature on prepared tensor: AUC {roc_auc_score(y[ok], orc[ok]):.3f} (cases with mask on a resampled slice: {ok.sum()})')
cv = StratifiedKFold(5, shuffle=True, random_state=0)
for name, X in [('mean over slices, 16x16', np.array(X16)), ('max over slices, 16x16', np.array(Xmax)),
                ('both', np.hstack([X16, Xmax]))]:
    for C in [0.01, 0.1, 1.0]:
        clf = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=5000, class_weight='balanced'))
        pr = cross_val_predict(clf, X, y, cv=cv, method='predict_proba')[:, 1]
        print(f'  LR 5-fold CV ({name}, C={C}): AUC {roc_auc_score(y, pr):.3f}')
