#!/usr/bin/env python3
"""A new template revision that drops a field existing passes set: their downloads and Wallet's GET /v1/passes fail.
Usage: template_drift.py BASE_URL ISSUER_KEY MODEL.pkpass   (loopback only; 6 requests)"""
import io, json, sys, urllib.request, zipfile, warnings
warnings.simplefilter("ignore")
BASE, KEY, MODEL = sys.argv[1:4]
assert BASE.startswith(("http://127.0.0.1", "http://[::1]")), "loopback only"
src = zipfile.ZipFile(MODEL)
files = {n: src.read(n) for n in src.namelist() if n not in ("manifest.json", "signature")}
pj = json.loads(files["pass.json"])
for k in ("serialNumber", "authenticationToken", "webServiceURL"):
    pj.pop(k, None)

def zipped(p):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        for n, d in files.items():
            z.writestr(n, json.dumps(p) if n == "pass.json" else d)
    return b.getvalue()

def call(method, path, body=None, headers=None):
    h = {"Authorization": f"Bearer {KEY}", **(headers or {})}
    r = urllib.request.Request(BASE + path, data=body, method=method, headers=h)
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()

print("PUT template v1:", call("PUT", "/api/templates/drift", zipped(pj), {"Content-Type": "application/zip"})[0])
s, b = call("POST", "/api/passes", json.dumps({"templateId": "drift", "serialNumber": "DRIFT-1", "fields": {"member": "Jane"}}).encode(),
            {"Content-Type": "application/json"})
print("issue DRIFT-1:", s)
url = json.loads(b)["downloadUrl"].replace("http://localhost:5000", BASE)
with urllib.request.urlopen(url, timeout=30) as resp:
    token = json.loads(zipfile.ZipFile(io.BytesIO(resp.read())).read("pass.json"))["authenticationToken"]
v2 = json.loads(json.dumps(pj))
v2["generic"]["primaryFields"] = [{"key": "name", "label": "NAME", "value": "?"}]   # 'member' renamed
print("PUT template v2 (member -> name):", call("PUT", "/api/templates/drift", zipped(v2), {"Content-Type": "application/zip"}))
s, b = call("GET", url.replace(BASE, ""))
print("download DRIFT-1:", s, b[:200])
r = urllib.request.Request(f"{BASE}/v1/passes/{pj['passTypeIdentifier']}/DRIFT-1", headers={"Authorization": f"ApplePass {token}"})
try:
    with urllib.request.urlopen(r, timeout=30) as resp:
        print("Wallet GET /v1/passes/…/DRIFT-1:", resp.status)
except urllib.error.HTTPError as e:
    print("Wallet GET /v1/passes/…/DRIFT-1:", e.code, e.read()[:200])
print("preview:", call("GET", f"/preview/passes/{pj['passTypeIdentifier']}/DRIFT-1")[0])
