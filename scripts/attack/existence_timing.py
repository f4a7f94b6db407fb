#!/usr/bin/env python3
"""Does GET /v1/passes answer an existing serial (wrong token) faster or slower than a serial that does not exist?
Both answer 401 with the same body; only timing could differ. Usage: existence_timing.py BASE_URL PASS_TYPE KNOWN_SERIAL [N]
Loopback only; 2*N requests, each with its own X-Forwarded-For (the server trusts it from loopback)."""
import http.client, os, statistics, sys, time, urllib.parse
BASE, PT, KNOWN = sys.argv[1:4]; N = int(sys.argv[4]) if len(sys.argv) > 4 else 40
u = urllib.parse.urlparse(BASE); assert u.hostname in ("127.0.0.1", "::1")
c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
def once(serial, i):
    t = time.perf_counter()
    c.request("GET", f"/v1/passes/{PT}/{serial}", headers={"Authorization": "ApplePass wrongwrongwrong", "X-Forwarded-For": f"10.{i>>8 & 255}.{i & 255}.77"})
    r = c.getresponse(); body = r.read()
    return (time.perf_counter() - t) * 1000, r.status, len(body)
known, unknown = [], []
for i in range(N):
    known.append(once(KNOWN, 2 * i)); unknown.append(once("NX" + os.urandom(6).hex(), 2 * i + 1))
for name, xs in (("existing serial, wrong token", known), ("serial that does not exist", unknown)):
    ms = [x[0] for x in xs]
    print(f"{name:<30} status={set(x[1] for x in xs)} body_len={set(x[2] for x in xs)} median={statistics.median(ms):.2f}ms p10={sorted(ms)[len(ms)//10]:.2f} p90={sorted(ms)[len(ms)*9//10]:.2f}")
