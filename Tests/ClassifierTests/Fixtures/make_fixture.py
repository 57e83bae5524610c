"""Writes tiny.safetensors, the fixture ClassifierTests reads with the Swift loader.

Run from this directory:  python3 make_fixture.py
Needs numpy and safetensors (tested with safetensors 0.8.0, numpy 2.4).
The values are exact in float32 so the Swift test compares them with ==.
"""
import numpy as np
from safetensors.numpy import save_file

tensors = {
    "a": np.arange(6, dtype=np.float32).reshape(2, 3),
    "b": np.array([1.5, -2.0, 0.0, 3.25], dtype=np.float32),
    "c.weight": np.array([[[0.5]]], dtype=np.float32),
}
save_file(tensors, "tiny.safetensors", metadata={"made_by": "make_fixture.py", "note": "quote \" and backslash \\"})
