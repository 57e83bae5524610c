#!/usr/bin/env python3
"""Fixtures for the Imaging IO tests (IONpyReaderTests, IONIfTIReaderTests).

Run from this directory: python3 make_io_fixtures.py   (numpy; nibabel for the cross-check)

npy/: a 3x4x5 array per dtype x byte order x memory order, numpy's own writer (format 1.0),
      plus format 2.0 and 3.0 files, a 2-D array and a Python-2 style header ('3L').
      Values: idx = s*20 + y*5 + x (C-order index), value = VALUES[dtype](idx), the same
      formulas as expectedNpyValue in IONpyReaderTests.swift.
nifti/: NIfTI-1 files written field by field with struct (so byte order, vox_offset,
      scl_slope/scl_inter and 4-D are under our control), dims nx=4, ny=5, nz=3,
      base(i, j, k) = i*100 + j*10 + k. Each file is then loaded with nibabel and its
      get_fdata()[..., first volume] moved to (k, i, j) is saved as expected_<name>.npy
      (float32) -- an independent reading of the same bytes.
"""
import gzip
import struct
import numpy as np

VALUES = {
    "u1": lambda i: 3 * i + 10,
    "i1": lambda i: 2 * i - 60,
    "u2": lambda i: 1000 * i + 7,
    "i2": lambda i: 500 * i - 15000,
    "u4": lambda i: 70000000 * i + 3,
    "i4": lambda i: 30000000 * i - 900000000,
    "i8": lambda i: 10**12 * i - 3 * 10**13,
    "f4": lambda i: i * 0.25 - 7.5,
    "f8": lambda i: i / 7.0 - 3.0,
}


def npy_array(code, order):
    idx = np.arange(60).reshape(3, 4, 5)
    if code[0] == "f":
        vals = VALUES[code](idx.astype(np.float64))
    else:
        vals = np.vectorize(VALUES[code], otypes=[object])(idx)
    return np.array(vals, dtype=np.dtype(order + code))


def write_npy():
    for code in VALUES:
        orders = ["|"] if code[1] == "1" else ["<", ">"]
        for order in orders:
            arr = npy_array(code, order)
            tag = {"|": "na", "<": "le", ">": "be"}[order]
            np.save(f"npy/{code}_{tag}_C.npy", np.ascontiguousarray(arr))
            np.save(f"npy/{code}_{tag}_F.npy", np.asfortranarray(arr))
    for version in [(2, 0), (3, 0)]:
        with open(f"npy/v{version[0]}_f4_le_C.npy", "wb") as f:
            np.lib.format.write_array(f, npy_array("f4", "<"), version=version)
    np.save("npy/rank2_u1.npy", npy_array("u1", "|")[1])  # (4, 5), slice 1
    # Python 2 numpy wrote long integers with an L suffix.
    arr = npy_array("i2", "<")
    head = "{'descr': '<i2', 'fortran_order': False, 'shape': (3L, 4L, 5L), }"
    head += " " * (63 - (10 + len(head)) % 64) + "\n"
    with open("npy/py2_i2_le_C.npy", "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(head)) + head.encode() + arr.tobytes())


NIFTI_CODES = {"u1": (2, 8), "i2": (4, 16), "i4": (8, 32), "f4": (16, 32), "f8": (64, 64), "u2": (512, 16)}


def nifti_bytes(data, code, endian, vox_offset=352, slope=0.0, inter=0.0):
    """data: array (nx, ny, nz[, nt]) stored with the first axis fastest (Fortran order)."""
    e = "<" if endian == "le" else ">"
    datatype, bitpix = NIFTI_CODES[code]
    dim = [data.ndim] + list(data.shape) + [1] * (7 - data.ndim)
    h = bytearray(348)
    struct.pack_into(e + "i", h, 0, 348)
    h[38] = ord("r")
    struct.pack_into(e + "8h", h, 40, *dim)
    struct.pack_into(e + "hh", h, 70, datatype, bitpix)
    struct.pack_into(e + "8f", h, 76, 1, 1, 1, 1, 1, 0, 0, 0)
    struct.pack_into(e + "fff", h, 108, vox_offset, slope, inter)
    struct.pack_into(e + "hh", h, 252, 0, 0)
    h[344:348] = b"n+1\x00"
    body = data.astype(np.dtype(e + code)).tobytes(order="F")
    return bytes(h) + b"\x00" * (vox_offset - 348) + body


def base(extra=0):
    i, j, k = np.meshgrid(np.arange(4), np.arange(5), np.arange(3), indexing="ij")
    return i * 100 + j * 10 + k + extra


def write_nifti():
    import nibabel as nib

    b = base()
    four = np.stack([b // 5, 255 - b // 5], axis=3)  # uint8 range, nt = 2
    files = {
        "le_i2.nii": nifti_bytes(b - 200, "i2", "le"),
        "be_i2.nii": nifti_bytes(b - 200, "i2", "be"),
        "be_f4.nii": nifti_bytes(b * 0.25, "f4", "be"),
        "le_i4.nii": nifti_bytes(b * 100000 - 7, "i4", "le"),
        "le_f8_pad.nii": nifti_bytes(b / 7.0, "f8", "le", vox_offset=400),
        "le_u1_4d.nii": nifti_bytes(four, "u1", "le"),
        "le_f4.nii.gz": nifti_bytes(b * 0.25, "f4", "le"),
        "be_u2_scl.nii.gz": nifti_bytes(b + 30000, "u2", "be", slope=0.5, inter=-3.0),
    }
    for name, raw in files.items():
        if name.endswith(".gz"):
            raw = gzip.compress(raw, mtime=0)
        with open("nifti/" + name, "wb") as f:
            f.write(raw)
    # Two gzip members, split inside the header (as `cat a.gz b.gz` produces).
    raw = nifti_bytes(b - 200, "i2", "le")
    with open("nifti/multimember_i2.nii.gz", "wb") as f:
        f.write(gzip.compress(raw[:200], mtime=0) + gzip.compress(raw[200:], mtime=0))

    for name in list(files) + ["multimember_i2.nii.gz"]:
        img = nib.load("nifti/" + name)
        data = np.asanyarray(img.get_fdata())
        if data.ndim == 4:
            data = data[..., 0]
        expected = np.ascontiguousarray(np.moveaxis(data, 2, 0)).astype("<f4")
        np.save("nifti/expected_" + name.split(".")[0] + ".npy", expected)


if __name__ == "__main__":
    import os
    os.makedirs("npy", exist_ok=True)
    os.makedirs("nifti", exist_ok=True)
    write_npy()
    write_nifti()
