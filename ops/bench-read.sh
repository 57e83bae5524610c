#!/usr/bin/env bash
# Read time of one 30-slice 256×256 knee as npy, NIfTI and DICOM series (explicit little endian,
# deflated, RLE, JPEG lossless, JPEG-LS), all through the worker's reader (`kneeflow bench read`).
# The series are made from the npy with DCMTK's tools (dump2dcm per slice, then dcmconv /
# dcmcrle / dcmcjpeg / dcmcjpls). Usage: ops/bench-read.sh KNEEFLOW_BINARY [WORKDIR]
set -euo pipefail
kf=${1:?kneeflow binary}
work=${2:-$(mktemp -d)}
mkdir -p "$work"
"$kf" synth --out "$work/cohort" --datasets b:1 --size 256 --slices 30:30 --seed 1 >/dev/null
npy=$(ls "$work"/cohort/b/sagittal/*.npy | head -1)
"$kf" convert "$npy" --out "$work/knee.nii.gz" >/dev/null
"$kf" convert "$npy" --out "$work/knee.nii" >/dev/null
mkdir -p "$work/raw" "$work/dcm-explicit"
python3 - "$npy" "$work/raw" <<'PY'
import sys, numpy as np
v = np.load(sys.argv[1]).astype('<u2')
for s in range(v.shape[0]):
    v[s].tofile(f"{sys.argv[2]}/px{s}.raw")
    open(f"{sys.argv[2]}/s{s}.dump", "w").write(f"""(0008,0016) UI =MRImageStorage
(0008,0018) UI 1.2.826.0.1.3680043.2.1125.88.{s + 1}
(0008,0060) CS [MR]
(0020,000e) UI 1.2.826.0.1.3680043.2.1125.88.0
(0020,0013) IS [{s + 1}]
(0020,0032) DS [{-3.0 * s}\\0\\0]
(0020,0037) DS [0\\1\\0\\0\\0\\-1]
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0010) US {v.shape[1]}
(0028,0011) US {v.shape[2]}
(0028,0030) DS [0.5\\0.5]
(0028,0100) US 16
(0028,0101) US 8
(0028,0102) US 7
(0028,0103) US 0
(7fe0,0010) OW ={sys.argv[2]}/px{s}.raw
""")
PY
for dump in "$work"/raw/s*.dump; do
  n=$(basename "$dump" .dump)
  dump2dcm +te "$dump" "$work/dcm-explicit/$n"
done
for kind in deflated rle jpeg-lossless jpeg-ls; do
  mkdir -p "$work/dcm-$kind"
  for f in "$work"/dcm-explicit/*; do
    n=$(basename "$f")
    case $kind in
      deflated) dcmconv +td "$f" "$work/dcm-$kind/$n" ;;
      rle) dcmcrle "$f" "$work/dcm-$kind/$n" ;;
      jpeg-lossless) dcmcjpeg +e1 "$f" "$work/dcm-$kind/$n" ;;
      jpeg-ls) dcmcjpls +el "$f" "$work/dcm-$kind/$n" ;;
    esac
  done
done
"$kf" bench read --reps 20 "$npy" "$work/knee.nii" "$work/knee.nii.gz" "$work"/dcm-explicit "$work"/dcm-deflated \
  "$work"/dcm-rle "$work"/dcm-jpeg-lossless "$work"/dcm-jpeg-ls
