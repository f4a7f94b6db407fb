#!/usr/bin/env python3
"""Hostile-input sweep against a local PassGrains server (loopback only).

Usage: sweep.py BASE_URL ISSUER_KEY PASS_TYPE SERIAL AUTH_TOKEN
  e.g. sweep.py http://127.0.0.1:5077 issuer-key-0123456789abcdef pass.com.example.demo ATTACKER-1 3Tb-...

Every request is bounded (timeout 15 s, one request per case, a few hundred cases). Each request carries a
fresh X-Forwarded-For so the per-address 401 budget does not turn the sweep into a wall of 429s (the server
trusts X-Forwarded-For from loopback). Prints one line per case and a summary of every 5xx or lost answer.
"""
import json
import socket
import sys
import time
import urllib.parse

BASE, KEY, PT, SERIAL, TOKEN = sys.argv[1:6]
u = urllib.parse.urlparse(BASE)
HOST, PORT = u.hostname, u.port
assert HOST in ("127.0.0.1", "::1", "localhost"), "loopback only"

_xff = [0]


def raw(data: bytes, timeout=15.0, half_close=False):
    """Sends raw bytes, returns (status line, first 300 bytes of the answer)."""
    s = socket.create_connection((HOST, PORT), timeout=timeout)
    try:
        s.sendall(data)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        chunks = []
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                c = s.recv(65536)
            except socket.timeout:
                break
            if not c:
                break
            chunks.append(c)
            if sum(map(len, chunks)) > 200_000:
                break
            # stop once a full response with Content-Length arrived
            buf = b"".join(chunks)
            if b"\r\n\r\n" in buf:
                head, _, body = buf.partition(b"\r\n\r\n")
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        if len(body) >= int(line.split(b":")[1]):
                            return parse(buf)
                if head.startswith(b"HTTP/1.1 304") or b"content-length" not in head.lower() and b"chunked" not in head.lower():
                    return parse(buf)
                if b"chunked" in head.lower() and buf.endswith(b"0\r\n\r\n"):
                    return parse(buf)
        return parse(b"".join(chunks))
    finally:
        s.close()


def parse(buf: bytes):
    if not buf:
        return ("<no answer>", b"")
    head, _, body = buf.partition(b"\r\n\r\n")
    return (head.split(b"\r\n")[0].decode("latin1"), body[:300])


def req(method, path, headers=None, body=None, xff=True, **kw):
    headers = dict(headers or {})
    _xff[0] += 1
    if xff:
        headers.setdefault("X-Forwarded-For", f"10.{(_xff[0] >> 16) & 255}.{(_xff[0] >> 8) & 255}.{_xff[0] & 255}")
    if isinstance(body, str):
        body = body.encode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{PORT}", "Connection: close"]
    if body is not None and not any(k.lower() in ("content-length", "transfer-encoding") for k in headers):
        headers["Content-Length"] = str(len(body))
    for k, v in headers.items():
        lines.append(f"{k}: {v}")
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape") + (body or b"")
    return raw(data, **kw)


results = []


def case(name, *a, **kw):
    t = time.time()
    try:
        status, body = req(*a, **kw)
    except Exception as e:  # noqa: BLE001
        status, body = f"<error {type(e).__name__}: {e}>", b""
    ms = int((time.time() - t) * 1000)
    line = f"{status:<40} {ms:>6}ms  {name}  | {body[:160]!r}"
    print(line, flush=True)
    results.append((name, status, body))


def rawcase(name, data, **kw):
    t = time.time()
    try:
        status, body = raw(data, **kw)
    except Exception as e:  # noqa: BLE001
        status, body = f"<error {type(e).__name__}: {e}>", b""
    ms = int((time.time() - t) * 1000)
    print(f"{status:<40} {ms:>6}ms  {name}  | {body[:160]!r}", flush=True)
    results.append((name, status, body))


AK = {"Authorization": f"Bearer {KEY}"}
AP = {"Authorization": f"ApplePass {TOKEN}"}
J = {"Content-Type": "application/json"}
DEV = "attackdevice0001"
PUSH = "ab" * 32

odd_ids = {
    "dotdot": "..", "dotdot-enc": "%2E%2E", "slash-enc": "a%2Fb", "nul-enc": "a%00b", "emoji": "%F0%9F%98%80",
    "crlf-enc": "a%0D%0Ab", "bad-utf8": "%FF%FE", "lone-surrogate": "%ED%A0%80", "long": "A" * 10000,
    "long-8k": "B" * 7000, "space": "a%20b", "percent": "%25", "backslash": "a%5Cb", "colon": "a:b", "empty-ish": "%20",
}

# ---- Apple web service: route values -----------------------------------------------------------
for n, v in odd_ids.items():
    case(f"GET pass serial={n}", "GET", f"/v1/passes/{PT}/{v}", AP)
    case(f"GET pass type={n}", "GET", f"/v1/passes/{v}/{SERIAL}", AP)
    case(f"register device={n}", "POST", f"/v1/devices/{v}/registrations/{PT}/{SERIAL}", {**AP, **J}, json.dumps({"pushToken": PUSH}))
    case(f"register serial={n}", "POST", f"/v1/devices/{DEV}/registrations/{PT}/{v}", {**AP, **J}, json.dumps({"pushToken": PUSH}))
    case(f"list device={n}", "GET", f"/v1/devices/{v}/registrations/{PT}")
    case(f"unregister serial={n}", "DELETE", f"/v1/devices/{DEV}/registrations/{PT}/{v}", AP)
    case(f"personalize serial={n}", "POST", f"/v1/passes/{PT}/{v}/personalize", J,
         json.dumps({"personalizationToken": "A" * 32, "requiredPersonalizationInfo": {"fullName": "x"}}))
    case(f"download serial={n}", "GET", f"/download/{PT}/{v}?expires=1&sig=00")
    case(f"api GET pass serial={n}", "GET", f"/api/passes/{PT}/{v}", AK)
    case(f"api PATCH pass serial={n}", "PATCH", f"/api/passes/{PT}/{v}", {**AK, **J}, "{}")
    case(f"api void serial={n}", "POST", f"/api/passes/{PT}/{v}/void", AK)
    case(f"api job id={n}", "GET", f"/api/jobs/{v}", AK)
    case(f"preview pass serial={n}", "GET", f"/preview/passes/{PT}/{v}", AK)
    case(f"preview template={n}", "GET", f"/preview/templates/{v}", AK)
    case(f"api put template={n}", "PUT", f"/api/templates/{v}", {**AK, "Content-Type": "application/zip"}, b"PK")
    case(f"api put group={n}", "PUT", f"/api/groups/{v}", {**AK, **J}, "{}")
    case(f"api alarm delete={n}", "DELETE", f"/api/alarms/{v}", AK)

# ---- Authorization header garbage ----------------------------------------------------------------
for n, v in {
    "ApplePass-empty": "ApplePass ", "ApplePass-noSpace": "ApplePass", "applepass-lower": f"applepass {TOKEN}",
    "ApplePass-huge": "ApplePass " + "x" * 30000, "ApplePass-nonascii": "ApplePass \u00e9\u00e9\u00e9",
    "ApplePass-tab": f"ApplePass\t{TOKEN}", "ApplePass-token-trailing-space": f"ApplePass {TOKEN} ",
    "Bearer-issuer-on-v1": f"Bearer {KEY}", "Basic": "Basic Zm9vOmJhcg==",
}.items():
    case(f"GET pass auth={n}", "GET", f"/v1/passes/{PT}/{SERIAL}", {"Authorization": v})
for n, v in {"Bearer-empty": "Bearer ", "Bearer-huge": "Bearer " + "k" * 30000, "Bearer-nonascii": "Bearer \u00ff\u00fe",
             "Basic-key": "Basic " + __import__("base64").b64encode(f"x:{KEY}".encode()).decode(),
             "Basic-garbage": "Basic !!!", "Basic-huge": "Basic " + "QUFB" * 2000, "bearer-lower": f"bearer {KEY}",
             "Bearer-key-trailing-ws": f"Bearer  {KEY}  "}.items():
    case(f"api auth={n}", "GET", "/api/pass-types", {"Authorization": v})
    case(f"preview auth={n}", "GET", "/preview/templates/demo", {"Authorization": v})
    case(f"metrics auth={n}", "GET", "/metrics", {"Authorization": v})
    case(f"dashboard auth={n}", "GET", "/dashboard", {"Authorization": v})
case("two Authorization headers", "GET", f"/v1/passes/{PT}/{SERIAL}", None, None)  # placeholder, raw below
rawcase("two Authorization headers (raw)",
        f"GET /v1/passes/{PT}/{SERIAL} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Forwarded-For: 10.200.0.1\r\nAuthorization: ApplePass {TOKEN}\r\nAuthorization: ApplePass {TOKEN}\r\n\r\n".encode())

# ---- If-Modified-Since -----------------------------------------------------------------------------
for n, v in {"garbage": "yesterday", "far-future": "Fri, 31 Dec 9999 23:59:59 GMT", "epoch": "Thu, 01 Jan 1970 00:00:00 GMT",
             "year-0001": "Mon, 01 Jan 0001 00:00:00 GMT", "huge": "A" * 20000, "numeric": "1796112731",
             "iso": "2026-12-01T08:12:11Z", "now+0": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())}.items():
    case(f"GET pass IMS={n}", "GET", f"/v1/passes/{PT}/{SERIAL}", {**AP, "If-Modified-Since": v})
case("GET pass IMS without token", "GET", f"/v1/passes/{PT}/{SERIAL}", {"If-Modified-Since": "Fri, 31 Dec 9999 23:59:59 GMT"})

# ---- passesUpdatedSince ----------------------------------------------------------------------------
for v in ["", "-1", "99999999999999999999999999", "abc", "1e5", "%00", "0x10", "9223372036854775807", "%20%201", "1,2"]:
    case(f"list passesUpdatedSince={v!r}", "GET", f"/v1/devices/{DEV}/registrations/{PT}?passesUpdatedSince={v}")
case("list passesUpdatedSince twice", "GET", f"/v1/devices/{DEV}/registrations/{PT}?passesUpdatedSince=1&passesUpdatedSince=2")

# ---- JSON bodies ---------------------------------------------------------------------------------------
bodies = {
    "empty": "", "not-json": "hello", "array": "[]", "null": "null", "string": '"x"', "number": "5",
    "dup-key": '{"pushToken":"%s","pushToken":"%s"}' % (PUSH, PUSH), "wrong-type": '{"pushToken":5}',
    "nested-deep": "{\"a\":" * 40 + "1" + "}" * 40, "nested-deep-array": '{"a":' + "[" * 5000 + "]" * 5000 + "}",
    "lone-surrogate": '{"pushToken":"\\ud800"}', "bad-utf8": b'{"pushToken":"\xff\xfe"}', "nul-in-string": '{"pushToken":"ab\\u0000cd"}',
    "bom": "\ufeff{\"pushToken\":\"%s\"}" % PUSH, "trailing-garbage": '{"pushToken":"%s"} x' % PUSH, "comment": '{/*c*/"pushToken":"%s"}' % PUSH,
    "huge-65k": '{"pushToken":"' + "a" * 70000 + '"}', "pushToken-null": '{"pushToken":null}', "pushToken-empty": '{"pushToken":""}',
    "pushToken-201": '{"pushToken":"' + "a" * 201 + '"}', "unicode-key": '{"\u00e9":1,"pushToken":"%s"}' % PUSH,
    "dup-key-escaped": '{"pushToken":"%s","push\\u0054oken":"%s"}' % (PUSH, PUSH),
}
for n, b in bodies.items():
    case(f"register body={n}", "POST", f"/v1/devices/{DEV}/registrations/{PT}/{SERIAL}", {**AP, **J}, b)
    case(f"log body={n}", "POST", "/v1/log", J, b)
    case(f"api create body={n}", "POST", "/api/passes", {**AK, **J}, b)
    case(f"api patch body={n}", "PATCH", f"/api/passes/{PT}/{SERIAL}", {**AK, **J}, b)
    case(f"api group body={n}", "PUT", "/api/groups/g-sweep", {**AK, **J}, b)
    case(f"api webhook body={n}", "PUT", "/api/webhooks/w-sweep", {**AK, **J}, b)
    case(f"api downloads body={n}", "POST", "/api/downloads", {**AK, **J}, b)
    case(f"personalize body={n}", "POST", f"/v1/passes/{PT}/{SERIAL}/personalize", J, b)

# issuer bodies with wrong types in nested places
issuer_bodies = {
    "fields-array": {"templateId": "demo", "fields": []}, "fields-nested-obj": {"templateId": "demo", "fields": {"member": {"x": 1}}},
    "fields-bool": {"templateId": "demo", "fields": {"member": True}}, "fields-unknown-key": {"templateId": "demo", "fields": {"nope": "x"}},
    "fields-huge-number": {"templateId": "demo", "fields": {"member": 1e308}}, "serial-int": {"templateId": "demo", "serialNumber": 5},
    "serial-long": {"templateId": "demo", "serialNumber": "S" * 101}, "serial-dotdot": {"templateId": "demo", "serialNumber": ".."},
    "template-missing": {"templateId": "nope"}, "template-int": {"templateId": 5}, "template-dotdot": {"templateId": "../demo"},
    "pass-array": {"templateId": "demo", "pass": []}, "pass-passType": {"templateId": "demo", "pass": {"passTypeIdentifier": "pass.x"}},
    "pass-token": {"templateId": "demo", "pass": {"authenticationToken": "A" * 20}},
    "pass-webservice": {"templateId": "demo", "pass": {"webServiceURL": "https://evil.example/"}},
    "pass-formatVersion-str": {"templateId": "demo", "pass": {"formatVersion": "1"}},
    "pass-barcodes-obj": {"templateId": "demo", "pass": {"barcodes": {"message": "x"}}},
    "pass-barcode-huge": {"templateId": "demo", "pass": {"barcodes": [{"format": "PKBarcodeFormatQR", "message": "x" * 500000, "messageEncoding": "iso-8859-1"}]}},
    "pass-generic-null": {"templateId": "demo", "pass": {"generic": None}},
    "pass-relevantDates-bad": {"templateId": "demo", "pass": {"relevantDates": [{"startDate": "2026-13-45T99:99Z", "endDate": 5}]}},
    "pass-relevantDates-reversed": {"templateId": "demo", "pass": {"relevantDates": [{"startDate": "2027-01-01T00:00Z", "endDate": "2026-01-01T00:00Z"}]}},
    "pass-expirationDate-year0": {"templateId": "demo", "pass": {"expirationDate": "0000-01-01T00:00Z"}},
    "pass-colors-overflow": {"templateId": "demo", "pass": {"backgroundColor": "rgb(999,999,999)"}},
    "pass-locations-many": {"templateId": "demo", "pass": {"locations": [{"latitude": 1, "longitude": 2}] * 50}},
    "pass-semantics-weird": {"templateId": "demo", "pass": {"semantics": {"totalPrice": {"amount": [], "currencyCode": 5}}}},
    "pass-nfc": {"templateId": "demo", "pass": {"nfc": {"message": 5}}},
    "pass-userInfo-deep": {"templateId": "demo", "pass": {"userInfo": json.loads("{\"a\":" * 30 + "1" + "}" * 30)}},
    "group-missing": {"templateId": "demo", "groupId": "nope"}, "unknown-member": {"templateId": "demo", "x": 1},
}
for n, b in issuer_bodies.items():
    case(f"api create {n}", "POST", "/api/passes", {**AK, **J}, json.dumps(b))
    if "templateId" in b and b.get("templateId") == "demo":
        b2 = {k: v for k, v in b.items() if k in ("fields", "pass")}
        case(f"api patch {n}", "PATCH", f"/api/passes/{PT}/SWEEP-TARGET", {**AK, **J}, json.dumps(b2))
        case(f"api group {n}", "PUT", "/api/groups/g-sweep", {**AK, **J}, json.dumps(b))

# personalize token shapes
for n, tok in {"json-number": "1" * 20, "json-true-pad": "true" + "=" * 12, "hex": "ab" * 16, "b64": "QUJD" * 5,
               "too-short": "abc", "too-long": "A" * 513, "brace": "{" * 20, "int": 12345}.items():
    case(f"personalize token={n}", "POST", f"/v1/passes/{PT}/{SERIAL}/personalize", J,
         json.dumps({"personalizationToken": tok, "requiredPersonalizationInfo": {"fullName": "x"}}))

# webhook urls
for n, url in {"file": "file:///etc/passwd", "loopback": "http://127.0.0.1:1/", "metadata": "http://169.254.169.254/latest/meta-data/",
               "userinfo": "http://user:pass@127.0.0.1:1/"}.items():
    case(f"webhook url={n}", "PUT", f"/api/webhooks/w-{n}", {**AK, **J},
         json.dumps({"url": url, "secret": "s" * 16, "passTypeIdentifier": "pass.nope"}))

# ---- content types ----------------------------------------------------------------------------------
for ct in ["text/plain", "application/xml", "application/json; charset=utf-16", "application/jsonx", "multipart/form-data; boundary=x",
           "application/x-www-form-urlencoded", "", "\u00e9/\u00e9", "a" * 5000]:
    case(f"register CT={ct[:30]!r}", "POST", f"/v1/devices/{DEV}/registrations/{PT}/{SERIAL}", {**AP, "Content-Type": ct}, json.dumps({"pushToken": PUSH}))
    case(f"api create CT={ct[:30]!r}", "POST", "/api/passes", {**AK, "Content-Type": ct}, json.dumps({"templateId": "demo"}))
case("register UTF-16 body", "POST", f"/v1/devices/{DEV}/registrations/{PT}/{SERIAL}", {**AP, "Content-Type": "application/json; charset=utf-16"},
     json.dumps({"pushToken": PUSH}).encode("utf-16"))

# ---- unmapped methods --------------------------------------------------------------------------------
for m in ["PUT", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "FOO", "HEAD"]:
    case(f"method {m} pass", m, f"/v1/passes/{PT}/{SERIAL}", AP)
    case(f"method {m} log", m, "/v1/log")
    case(f"method {m} api passes", m, "/api/passes", AK)

# ---- misc endpoints -------------------------------------------------------------------------------------
for p in ["/health", "/alive", "/metrics", "/openapi/v1.json", "/dashboard", "/api/device-logs?count=-5", "/api/device-logs?count=abc",
          "/api/device-logs?count=99999999999", "/download/" + PT + "?serials=" + ",".join(["a"] * 11) + "&expires=9999999999&sig=x",
          "/download/" + PT + "?serials=,,,&expires=9999999999&sig=x", "/download/" + PT + "/" + SERIAL + "?expires=-1&sig=",
          "/download/" + PT + "/" + SERIAL + "?expires=99999999999999999999&sig=x", "/preview/templates/demo?lang=%00",
          "/preview/templates/demo?lang=" + "a" * 5000, "/v1/passes", "/v1/", "/v1/devices", "/api", "/", "/favicon.ico"]:
    case(f"GET {p[:70]}", "GET", p, AK if p.startswith(("/api", "/preview", "/metrics")) else None)

# ---- big headers, chunking -------------------------------------------------------------------------------
case("64KiB header", "GET", f"/v1/passes/{PT}/{SERIAL}", {**AP, "X-Big": "a" * 65536})
case("64KiB User-Agent on log", "POST", "/v1/log", {**J, "User-Agent": "u" * 65536}, '{"logs":["x"]}')
case("30KiB User-Agent on log", "POST", "/v1/log", {**J, "User-Agent": "u" * 30000}, '{"logs":["x"]}')
case("CRLF in log message", "POST", "/v1/log", J, json.dumps({"logs": ["line1\r\nfail: Forged.Logger[0]\r\n      forged log line"]}))
case("many log entries", "POST", "/v1/log", J, json.dumps({"logs": ["m"] * 5000}))
case("log entries wrong type", "POST", "/v1/log", J, json.dumps({"logs": [1, {"a": 1}]}))
case("header with NUL", "GET", f"/v1/passes/{PT}/{SERIAL}", {**AP, "X-Nul": "a\x00b"})
case("header with non-ascii", "GET", f"/v1/passes/{PT}/{SERIAL}", {"Authorization": "ApplePass \u00e9\u00e8"})
case("many headers", "GET", f"/v1/passes/{PT}/{SERIAL}", {**AP, **{f"X-H{i}": "v" for i in range(200)}})
case("chunked register", "POST", f"/v1/devices/{DEV}/registrations/{PT}/{SERIAL}",
     {**AP, **J, "Transfer-Encoding": "chunked"}, b"10\r\n{\"pushToken\":\"ab\r\n0\r\n\r\n")
case("chunked stops midway (register)", "POST", f"/v1/devices/{DEV}/registrations/{PT}/{SERIAL}",
     {**AP, **J, "Transfer-Encoding": "chunked"}, b"100\r\n{\"pushToken\":\"", timeout=5, half_close=True)
case("chunked stops midway (template)", "PUT", "/api/templates/halfway",
     {**AK, "Content-Type": "application/zip", "Transfer-Encoding": "chunked"}, b"1000\r\nPK\x03\x04", timeout=5, half_close=True)
case("chunked stops midway (batch)", "POST", "/api/passes/batch",
     {**AK, "Content-Type": "application/x-ndjson", "Transfer-Encoding": "chunked"}, b"1000\r\n{\"templateId\":\"demo\"}\n", timeout=5, half_close=True)
case("chunked bad size", "POST", "/v1/log", {**J, "Transfer-Encoding": "chunked"}, b"zz\r\n{}\r\n0\r\n\r\n")
case("content-length lies (short)", "POST", "/v1/log", {**J, "Content-Length": "1000"}, b'{"logs":[]}', timeout=5, half_close=True)
case("content-length + chunked", "POST", "/v1/log", {**J, "Content-Length": "5", "Transfer-Encoding": "chunked"}, b"2\r\n{}\r\n0\r\n\r\n")
case("body on GET", "GET", f"/v1/passes/{PT}/{SERIAL}", {**AP, "Content-Length": "5"}, b"hello")
case("expect 100-continue big template", "PUT", "/api/templates/big", {**AK, "Content-Type": "application/zip", "Expect": "100-continue",
                                                                        "Content-Length": str(64 * 1024 * 1024)}, b"", timeout=5)
case("batch content-length huge", "POST", "/api/passes/batch", {**AK, "Content-Length": str(300 * 1024 * 1024)}, b"", timeout=5)
rawcase("HTTP/1.0 no Host", b"GET /alive HTTP/1.0\r\n\r\n")
rawcase("absolute-form target", f"GET http://evil.example/v1/passes/{PT}/{SERIAL} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: ApplePass {TOKEN}\r\n\r\n".encode())
rawcase("asterisk target", b"OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
rawcase("raw NUL in path", b"GET /v1/passes/" + PT.encode() + b"/a\x00b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
rawcase("raw UTF-8 in path", "GET /v1/passes/{}/\u00e9\U0001F600 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".format(PT).encode())
rawcase("garbage request line", b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 50)

print("\n==== summary: 5xx / lost answers ====")
bad = [(n, s) for n, s, _ in results if s.startswith("HTTP/1.1 5") or s.startswith("<")]
for n, s in bad:
    print(f"{s}  {n}")
print(f"{len(results)} cases, {len(bad)} flagged")
