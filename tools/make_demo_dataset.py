#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Rebuild resources/demo/ from the 224 px Kermany set: a patient-disjoint subset.

Usage: tools/make_demo_dataset.py SRC_TRAIN_DIR OUT_DIR
One image per patient, patients shuffled with a fixed seed, then cut into
train/val/test so that no patient appears in two splits.
"""
import random
import re
import shutil
import sys
from pathlib import Path

COUNTS = {"train": 60, "val": 15, "test": 25}
CLASSES = ["NORMAL", "PNEUMONIA"]


def patient_id(name: str) -> str:
    match = re.match(r"(person\d+)_", name) or re.match(r"((?:NORMAL2-)?IM-\d+)-", name)
    return match.group(1) if match else name


def main() -> None:
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    rng = random.Random(20181)
    for cls in CLASSES:
        by_patient = {}
        for f in sorted((src / cls).iterdir()):
            by_patient.setdefault(patient_id(f.name), f)
        patients = sorted(by_patient)
        rng.shuffle(patients)
        start = 0
        for split, n in COUNTS.items():
            dest = out / split / cls
            dest.mkdir(parents=True, exist_ok=True)
            for p in patients[start:start + n]:
                shutil.copy2(by_patient[p], dest / by_patient[p].name)
            start += n


if __name__ == "__main__":
    main()
