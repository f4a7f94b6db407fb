#!/usr/bin/env python3
"""Hostile template zips against PUT /api/templates/{id} (loopback only, bounded sizes).

Usage: templates.py BASE_URL ISSUER_KEY MODEL.pkpass [case ...]
MODEL.pkpass: any pass downloaded from the server (its files, minus manifest/signature, are the base model).
Every zip stays small on the wire (<= ~4 MB) and expands to at most the server's 32 MiB model limit.
"""
import io
import warnings
import json
import struct
import sys
import time
import urllib.request
import zipfile
import zlib

warnings.simplefilter("ignore")
BASE, KEY, MODEL = sys.argv[1:4]
ONLY = set(sys.argv[4:])
assert BASE.startswith(("http://127.0.0.1", "http://[::1]", "http://localhost")), "loopback only"

src = zipfile.ZipFile(MODEL)
base_files = {n: src.read(n) for n in src.namelist() if n not in ("manifest.json", "signature")}
pj = json.loads(base_files["pass.json"])
for k in ("serialNumber", "authenticationToken", "webServiceURL"):
    pj.pop(k, None)
base_files["pass.json"] = json.dumps(pj).encode()


def make_zip(files, method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in files:
            z.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), data, compress_type=method)
    return buf.getvalue()


def put(tid, body, ctype="application/zip"):
    r = urllib.request.Request(f"{BASE}/api/templates/{tid}", data=body, method="PUT",
                               headers={"Authorization": f"Bearer {KEY}", "Content-Type": ctype})
    t = time.time()
    try:
        with urllib.request.urlopen(r, timeout=120) as resp:
            status, text = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    except Exception as e:  # noqa: BLE001
        status, text = f"<{type(e).__name__}: {e}>", b""
    return status, int((time.time() - t) * 1000), text


def files_with(**changes):
    f = dict(base_files)
    for k, v in changes.items():
        f[k.replace("__", ".").replace("_AT_", "@")] = v
    return list(f.items())


def pj_with(raw: str):
    return make_zip(files_with(pass__json=raw.encode()))


def many_entries_zip(n):
    """A zip whose central directory lists n tiny stored entries (each ~ 80 bytes on the wire)."""
    return make_zip([(f"f{i}.png", b"") for i in range(n)], zipfile.ZIP_STORED)


def bomb(uncompressed_mb, name="icon.png"):
    data = b"\x89PNG\r\n\x1a\n" + b"\0" * (uncompressed_mb * 1024 * 1024)
    return make_zip([(name, data)] + [(n, d) for n, d in base_files.items() if n != name])


def lying_size_zip():
    """One entry whose local and central headers declare 10 bytes but whose deflate stream expands to 20 MiB."""
    data = b"A" * (20 * 1024 * 1024)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    c = comp.compress(data) + comp.flush()
    name = b"strip.png"
    crc = zlib.crc32(data)
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(c), 10, len(name), 0) + name + c
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(c), 10, len(name), 0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local), 0)
    return local + central + end


raw_pj = base_files["pass.json"].decode()
cases = {
    "baseline": make_zip(files_with()),
    "dup-key-passType": pj_with(raw_pj[:-1] + ', "passTypeIdentifier": "pass.com.example.demo"}'),
    "dup-key-other": pj_with(raw_pj[:-1] + ', "description": "again"}'),
    "dup-key-nested": pj_with(raw_pj.replace('"generic": {', '"generic": {"headerFields": [], ', 1)),
    "passType-int": pj_with(json.dumps({**pj, "passTypeIdentifier": 5})),
    "passType-array": pj_with(json.dumps({**pj, "passTypeIdentifier": ["pass.com.example.demo"]})),
    "passType-unknown": pj_with(json.dumps({**pj, "passTypeIdentifier": "pass.other.type"})),
    "teamId-int": pj_with(json.dumps({**pj, "teamIdentifier": 5})),
    "pass-json-array": pj_with("[]"),
    "pass-json-deep": pj_with('{"a":' * 70 + "1" + "}" * 70),
    "pass-json-deep-60": pj_with(raw_pj[:-1] + ', "userInfo2": ' + '{"a":' * 60 + "1" + "}" * 60 + "}"),
    "pass-json-bom": pj_with("\ufeff" + raw_pj),
    "pass-json-utf16": make_zip(files_with(pass__json=raw_pj.encode("utf-16"))),
    "pass-json-lone-surrogate": pj_with(raw_pj[:-1] + ', "x": "\\ud800"}'),
    "pass-json-nul": pj_with(raw_pj[:-1] + ', "x": "a\\u0000b"}'),
    "pass-json-serial-int": pj_with(json.dumps({**pj, "serialNumber": 5})),
    "pass-json-token-in-template": pj_with(json.dumps({**pj, "authenticationToken": "T" * 20, "webServiceURL": "https://evil.example/"})),
    "fields-not-array": pj_with(json.dumps({**pj, "generic": {"primaryFields": {"key": "x"}}})),
    "field-key-int": pj_with(json.dumps({**pj, "generic": {"primaryFields": [{"key": 5, "value": "x"}]}})),
    "relevantDates-weird": pj_with(json.dumps({**pj, "relevantDates": [{"startDate": "9999-12-31T23:59:59+14:00", "endDate": "0001-01-01T00:00:00-14:00"}]})),
    "locations-weird": pj_with(json.dumps({**pj, "locations": [{"latitude": "x", "longitude": 1e400}]}).replace("Infinity", "1e400")),
    "barcode-weird": pj_with(json.dumps({**pj, "barcodes": [{"format": 5, "message": {"a": 1}, "messageEncoding": []}]})),
    "nfc-weird": pj_with(json.dumps({**pj, "nfc": {"message": 5, "encryptionPublicKey": []}})),
    "semantics-weird": pj_with(json.dumps({**pj, "semantics": {"eventStartDate": 5, "seats": {"a": 1}, "totalPrice": []}})),
    "traversal": make_zip(files_with() + [("../evil.png", b"x")]),
    "traversal-mid": make_zip(files_with() + [("en.lproj/../../evil.png", b"x")]),
    "absolute": make_zip(files_with() + [("/etc/evil.png", b"x")]),
    "drive": make_zip(files_with() + [("C:/evil.png", b"x")]),
    "backslash": make_zip(files_with() + [("..\\evil.png", b"x")]),
    "nul-name": make_zip(files_with() + [("a\x00.png", b"x")]),
    "dup-entry": make_zip(files_with() + [("icon.png", base_files["icon.png"])]),
    "dup-entry-case": make_zip(files_with() + [("ICON.png", base_files["icon.png"])]),
    "dup-pass-json": make_zip(files_with() + [("pass.json", b'{"formatVersion":1}')]),
    "dup-pass-json-wrapped": make_zip([("m/" + n, d) for n, d in files_with()] + [("pass.json", b"{}")]),
    "non-png": make_zip(files_with(icon__png=b"GIF89a" + b"\0" * 100)),
    "png-header-only": make_zip(files_with(icon__png=b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\x7f\xff\xff\xff\x7f\xff\xff\xff")),
    "png-huge-dims": make_zip(files_with(thumbnail__png=b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\x00\x01\x00\x00\x00\x01\x00\x00" + b"\0" * 20)),
    "strings-bad": make_zip(files_with() + [("en.lproj/pass.strings", b'"a" = "b"')]),
    "strings-utf16-odd": make_zip(files_with() + [("en.lproj/pass.strings", b"\xff\xfe" + b"a")]),
    "strings-bad-escape": make_zip(files_with() + [("en.lproj/pass.strings", b'"a" = "\\U12"; ')]),
    "strings-surrogate": make_zip(files_with() + [("en.lproj/pass.strings", b'"a" = "\\UD800";')]),
    "strings-unclosed-comment": make_zip(files_with() + [("en.lproj/pass.strings", b"/* never closed")]),
    "lproj-weird": make_zip(files_with() + [("zz-\u00e9.lproj/pass.strings", b'"a"="b";')]),
    "personalization-bad": make_zip(files_with() + [("personalization.json", b'{"requiredPersonalizationFields": 5, "description": []}')]),
    "personalization-dup": make_zip(files_with() + [("personalization.json", b'{"description":"a","description":"b","requiredPersonalizationFields":["PKPassPersonalizationFieldName"]}')]),
    "personalization-deep": make_zip(files_with() + [("personalization.json", b'{"a":' * 70 + b"1" + b"}" * 70)]),
    "personalization-array": make_zip(files_with() + [("personalization.json", b"[]")]),
    "not-zip": b"this is not a zip",
    "empty": b"",
    "truncated": make_zip(files_with())[:-30],
    "zip64-ish-garbage": b"PK\x05\x06" + b"\xff" * 18,
    "many-entries-300": many_entries_zip(300),
    "many-entries-50k": many_entries_zip(50_000),
    "bomb-9MB-one-file": bomb(9),
    "bomb-7MB-x5": make_zip([(f"strip{s}.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (7 * 1024 * 1024)) for s in ("", "@2x", "@3x")]
                            + [(f"thumbnail{s}.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (7 * 1024 * 1024)) for s in ("", "@2x")]
                            + [(n, d) for n, d in base_files.items()]),
    "lying-size": lying_size_zip(),
    "stored-only": make_zip(files_with(), zipfile.ZIP_STORED),
    "wrong-content-type": None,
}

for name, body in cases.items():
    if ONLY and name not in ONLY:
        continue
    if name == "wrong-content-type":
        status, ms, text = put("t-ctype", cases["baseline"], "text/plain")
    else:
        status, ms, text = put(f"t-{name}"[:100], body)
    print(f"{status!s:<6} {ms:>6}ms {len(body or b''):>9}B  {name:<28} {text[:220]!r}", flush=True)
