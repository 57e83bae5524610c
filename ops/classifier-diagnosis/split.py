# Training.split re-implemented (SplitMix64 seeded with seed ^ 0xA11CE, per class shuffle, hold out
# round(fraction*n)).
import math
M = (1 << 64) - 1
class SM:
    def __init__(s, seed): s.st = seed & M
    def next(s):
        s.st = (s.st + 0x9E3779B97F4A7C15) & M; z = s.st
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
        return z ^ (z >> 31)
    def below(s, n):
        limit = M - M % n
        while True:
            r = s.next()
            if r < limit: return r % n
    def shuffle(s, a):
        for i in range(len(a) - 1, 0, -1):
            j = s.below(i + 1)
            a[i], a[j] = a[j], a[i]
def split(labels, fraction, seed):
    rng = SM(seed ^ 0xA11CE); tr = []; va = []
    for lab in (0, 1):
        idx = [i for i, l in enumerate(labels) if l == lab]
        rng.shuffle(idx)
        k = int(math.floor(fraction * len(idx) + 0.5))   # Swift's .rounded(): half away from zero
        if fraction > 0 and len(idx) >= 2: k = max(1, min(k, len(idx) - 1))
        va += idx[:k]; tr += idx[k:]
    return sorted(tr), sorted(va)
