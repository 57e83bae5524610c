# Difficulty of the synthetic cohort: AUC (Mann–Whitney, via ranks) of simple scores for "torn",
# computed from the files a `kneeflow synth` run wrote (loads every volume and mask with numpy).
# Usage: python3 docs/phantom-difficulty.py DIR train[,site-a,...]
import numpy as np, sys
def auc(pos, neg):
    pos=np.asarray(pos,float); neg=np.asarray(neg,float)
    allv=np.concatenate([pos,neg]); 
    from scipy.stats import rankdata
    r=rankdata(allv); return (r[:len(pos)].sum()-len(pos)*(len(pos)+1)/2)/(len(pos)*len(neg))
root=sys.argv[1]; dss=sys.argv[2].split(',')
feats={}
labels=[]
for ds in dss:
    for line in open(f'{root}/{ds}-acl.csv'):
        case,l=line.strip().split(','); l=int(l)
        v=np.load(f'{root}/{ds}/sagittal/{case}.npy').astype(float); m=np.load(f'{root}/{ds}/acl_mask/{case}.npy')
        s,y,x=np.nonzero(m)
        box=v[s.min():s.max()+1, y.min():y.max()+1, x.min():x.max()+1]
        f={}
        f['vol_mean']=v.mean()
        f['notch_mean']=box.mean()
        f['notch_mean/vol_mean']=box.mean()/v.mean()
        f['mask_mean/vol_mean']=v[m>0].mean()/v.mean()
        fg=v[v>np.percentile(v,30)]
        thr=0.4*np.median(fg)
        f['mask_dark_frac']=-(v[m>0]<thr).mean()
        f['mask_voxels']=m.sum()
        f['slices']=v.shape[0]
        for k,val in f.items(): feats.setdefault(k,[]).append(val)
        labels.append(l)
labels=np.array(labels)
for k,vals in feats.items():
    vals=np.array(vals); print(f'{k:24s} AUC {auc(vals[labels==1], vals[labels==0]):.3f}')
print('n', len(labels), 'pos', labels.sum())
