# Independent numpy forward pass of a KneeFlow model file (volume batch-norm statistics, as the
# default architecture), to score any prepared volume and to cross-check Swift's inference.
import numpy as np, json
from safetensors.numpy import load_file
from safetensors import safe_open
from numpy.lib.stride_tricks import sliding_window_view as swv

def load(path):
    w = load_file(path); meta = safe_open(path, 'numpy').metadata()
    return w, json.loads(meta['architecture']), meta

def prep(x, size=128):
    k, h, wd = x.shape
    f = h // size
    if f > 1: x = x.reshape(k, size, f, size, f).mean((2, 4))
    lo, hi = x.min(), x.max()
    if hi <= lo: return np.zeros_like(x) if hi <= 0 else x * 0
    hist, edges = np.histogram(x, bins=4096, range=(lo, hi))
    b = np.searchsorted(np.cumsum(hist), int(np.ceil(x.size * 0.99)))
    s = lo + (b + 1) * (hi - lo) / 4096
    return np.clip(x / s, 0, 1)

def conv(x, W, s, p):
    x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    k = W.shape[-1]
    win = swv(x, (k, k), axis=(2, 3))[:, :, ::s, ::s]      # S, Cin, OH, OW, k, k
    return np.einsum('scyxij,ocij->soyx', win, W, optimize=True)

def forward(w, arch, x, logits_only=True):
    t = x[:, None].astype(np.float64)
    for i, b in enumerate(arch['blocks']):
        n = f'block{i+1}'
        t = conv(t, w[f'{n}.conv.weight'].astype(np.float64), b['stride'], b['kernel'] // 2)
        mu = t.mean((0, 2, 3), keepdims=True); var = t.var((0, 2, 3), keepdims=True)
        t = (t - mu) / np.sqrt(var + 1e-5) * w[f'{n}.bn.weight'][None, :, None, None] + w[f'{n}.bn.bias'][None, :, None, None]
        t = np.maximum(t, 0)
        if b['pool']:
            S, C, H, W_ = t.shape
            t = t[:, :, :H//2*2, :W_//2*2].reshape(S, C, H//2, 2, W_//2, 2).max((3, 5))
    g = t.mean((2, 3)).max(0)
    return float(g @ w['fc.weight'][0] + w['fc.bias'][0])
