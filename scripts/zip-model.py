#!/usr/bin/env python3
# Zips a pass model folder's contents (not the folder itself), as the template upload expects.
# usage: scripts/zip-model.py MODEL_DIR OUT.zip
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for folder, _, files in os.walk(src):
        for f in sorted(files):
            full = os.path.join(folder, f)
            z.write(full, os.path.relpath(full, src))
