#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes CXR Studio tensor caches (core/common/tensor_cache_file.h) for a GPU node that has
Python with Pillow and NumPy but not OpenCV, from a split manifest written by `cxr split`.

    make_tensor_cache.py MANIFEST DATA_ROOT OUT_DIR [--side 224] [--channels 3]

Each manifest path is looked up under DATA_ROOT by its part after the dataset folder's name
(the manifest holds the paths of the machine that wrote it). Images are squashed to side x side
with bilinear resampling, grey replicated to the channel count; labels follow the order of the
class names NORMAL, PNEUMONIA. Writes train.cache and val.cache; the test split is never read.
"""
import argparse
import csv
import os
import struct
import sys

import numpy as np
from PIL import Image

CLASSES = ["NORMAL", "PNEUMONIA"]


def local_path(path, root):
    name = os.path.basename(os.path.normpath(root))
    marker = "/" + name + "/"
    # Absolute paths of another machine, or paths relative to the manifest's folder
    # ("chest_xray_224/train/..."), as `cxr split` writes them beside the dataset.
    full = "/" + path.replace("\\", "/")
    cut = full.find(marker)
    return os.path.join(root, full[cut + len(marker):]) if cut >= 0 else os.path.join(root, path)


def write_cache(path, rows, root, side, channels):
    labels = np.array([CLASSES.index(label) for _, label in rows], dtype="<i4")
    pixels = np.empty((len(rows), channels, side, side), dtype=np.uint8)
    for i, (file, _) in enumerate(rows):
        with Image.open(local_path(file, root)) as image:
            grey = image.convert("L")
            if grey.size != (side, side):
                grey = grey.resize((side, side), Image.BILINEAR)
            pixels[i] = np.asarray(grey)[None, :, :]
    header = b"CXRTC01\0" + struct.pack("<IIIIQ", 1, channels, side, len(rows), 0) + bytes(32)
    with open(path + ".partial", "wb") as out:
        out.write(header)
        out.write(labels.tobytes())
        out.write(pixels.tobytes())
    os.replace(path + ".partial", path)
    print(f"{path}: {len(rows)} images, {channels}x{side}x{side}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest")
    parser.add_argument("root")
    parser.add_argument("out")
    parser.add_argument("--side", type=int, default=224)
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--by-folder", action="store_true",
                        help="split by the folder above the class folder (Kermany's own train/val) "
                             "instead of the manifest's split column")
    args = parser.parse_args()
    splits = {"train": [], "val": []}
    with open(args.manifest, newline="") as f:
        for row in csv.DictReader(f):
            split = row["path"].split("/")[-3] if args.by_folder else row["split"]
            if split in splits:
                splits[split].append((row["path"], row["label"]))
    os.makedirs(args.out, exist_ok=True)
    for split, rows in splits.items():
        if not rows:
            sys.exit(f"{args.manifest}: no {split} rows")
        write_cache(os.path.join(args.out, split + ".cache"), rows, args.root, args.side, args.channels)


if __name__ == "__main__":
    main()
