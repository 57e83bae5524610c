# Shared helpers of the diagnosis scripts: the demo layout and slice resampling.
import os
import numpy as np


def labels(home, ds):
    """case → label ('0'/'1') from the demo cohort's <ds>-acl.csv."""
    cohort = f'{home}/demo/cohort'
    return dict(l.strip().split(',') for l in open(f'{cohort}/{ds}-acl.csv') if l.strip())


def cases(home, run, ds, need):
    """(case, label, artifact dir, raw volume (float), ACL mask (bool)) for each case of dataset ds
    whose artifact `need` exists in run's artifacts, in case order."""
    cohort = f'{home}/demo/cohort'
    for case, lab in sorted(labels(home, ds).items()):
        d = f'{home}/artifacts/runs/{run}/{ds}/{case}'
        if not os.path.exists(f'{d}/{need}'):
            continue
        v = np.load(f'{cohort}/{ds}/sagittal/{case}.npy').astype(float)
        m = np.load(f'{cohort}/{ds}/acl_mask/{case}.npy') > 0
        yield case, lab, d, v, m


def resample_slices(v, k):
    """k slices linearly interpolated along axis 0 (as the classifier's input preparation)."""
    S = v.shape[0]; o = []
    for j in range(k):
        t = j * (S - 1) / (k - 1); lo = min(int(t), S - 1); hi = min(lo + 1, S - 1); f = t - lo
        o.append((1 - f) * v[lo] + f * v[hi])
    return np.stack(o)


def report(title, F, y):
    """Prints, per feature, its AUC for torn vs intact and the two class means."""
    from sklearn.metrics import roc_auc_score
    y = np.array(y)
    print(f'{title}: n={len(y)} torn={y.sum()}')
    for k, vals in F.items():
        vals = np.array(vals, float)
        print(f'  {k:34s} AUC {roc_auc_score(y, vals):.3f}   mean torn {vals[y==1].mean():.3f} intact {vals[y==0].mean():.3f}')
