#!/usr/bin/env python3
"""Writes N NDJSON lines for POST /api/passes/batch of the benchmark template "event": each its own serial and seat.
usage: scripts/make-batch.py FILE N"""
import json, sys

with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write(json.dumps({"templateId": "event", "serialNumber": f"B-{i}", "fields": {"seat": f"R{i // 100}-{i % 100}"}}) + "\n")
