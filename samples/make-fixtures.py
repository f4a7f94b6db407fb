#!/usr/bin/env python3
"""Writes a realistic event-ticket pass model: pass.json plus PNG images at
Apple's sizes (noise-filled, so they compress like photos).
  samples/make-fixtures.py                                 samples/models/event.pass (localized: en, de)
  SMALL=1 samples/make-fixtures.py samples/models/small.pass      the small model: no strip, no logo@3x, no localizations"""
import json, os, random, struct, sys, zlib

def png(path, w, h, seed):
    rnd = random.Random(seed)
    rows = b"".join(b"\x00" + bytes(((x * 255 // max(w, 1)) + rnd.getrandbits(1)) & 255 for x in range(w) for _ in range(3)) for _ in range(h))
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b"")
    open(path, "wb").write(data)

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "models", "event.pass")
os.makedirs(out, exist_ok=True)
sizes = {"icon": (29, 29), "logo": (160, 50), "strip": (375, 98)}
small = os.environ.get("SMALL") == "1"
for i, (name, (w, h)) in enumerate(sizes.items()):
    for scale, suffix in ((1, ""), (2, "@2x"), (3, "@3x")):
        if small and (name == "strip" or (name == "logo" and scale == 3)):
            continue
        png(f"{out}/{name}{suffix}.png", w * scale, h * scale, i * 10 + scale)
model = {
    "formatVersion": 1, "passTypeIdentifier": "pass.com.example.event", "teamIdentifier": "ABCDE12345",
    "organizationName": "Example Arena", "description": "Concert ticket", "serialNumber": "TEMPLATE",
    "foregroundColor": "rgb(255, 255, 255)", "backgroundColor": "rgb(60, 65, 76)", "labelColor": "rgb(200, 200, 200)",
    "logoText": "Example Arena",
    "webServiceURL": "https://passes.example.com/passes/", "authenticationToken": "vxwxd7J8AlNNFPS8k0a0FfUFtq0ewzFdc",
    "relevantDate": "2026-12-31T20:00:00+01:00",
    "locations": [{"latitude": 52.5145, "longitude": 13.4501, "relevantText": "Welcome to the arena"}],
    "barcodes": [{"format": "PKBarcodeFormatQR", "message": "TEMPLATE", "messageEncoding": "iso-8859-1"}],
    "eventTicket": {
        "primaryFields": [{"key": "event", "label": "EVENT", "value": "New Year Concert"}],
        "secondaryFields": [{"key": "loc", "label": "LOCATION", "value": "Main Hall"}],
        "auxiliaryFields": [{"key": "gate", "label": "GATE", "value": "7", "changeMessage": "Gate changed to %@"},
                             {"key": "seat", "label": "SEAT", "value": "A-12"}],
        "backFields": [{"key": "terms", "label": "TERMS", "value": "Non-transferable. " * 20}]}}
json.dump(model, open(f"{out}/pass.json", "w"), indent=2)
if os.environ.get("LOCALIZED", "1") == "1" and not small:
    for lang, words in (("en", ("EVENT", "LOCATION", "GATE", "SEAT")), ("de", ("VERANSTALTUNG", "ORT", "EINGANG", "PLATZ"))):
        os.makedirs(f"{out}/{lang}.lproj", exist_ok=True)
        lines = [f'"{k}" = "{v}";' for k, v in zip(("EVENT", "LOCATION", "GATE", "SEAT"), words)]
        open(f"{out}/{lang}.lproj/pass.strings", "w", encoding="utf-8").write("\n".join(lines) + "\n")
    png(f"{out}/de.lproj/logo.png", 160, 50, 99)
files = [os.path.join(d, f) for d, _, fs in os.walk(out) for f in fs]
print(f"model at {out}: {len(files)} files, {sum(map(os.path.getsize, files))} bytes")
