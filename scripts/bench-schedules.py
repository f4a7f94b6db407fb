#!/usr/bin/env python3
"""The schedules benchmark's driver (scripts/bench-schedules.sh): N schedules, one per pass B-0..B-(N-1), all due at the
same whole minute, made through POST /api/schedules on THREADS keep-alive connections; then it waits for the minute and
reads the event feed until every schedule's schedule.succeeded (or .failed) event is there, and prints when the last ran.
usage: bench-schedules.py BASE_URL API_KEY N [THREADS]"""
import datetime as dt, http.client, json, os, sys, threading, time, urllib.parse

base, key, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 16
url = urllib.parse.urlparse(base)
headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

def connect():
    return http.client.HTTPConnection(url.hostname, url.port, timeout=120)

# Setup runs at about 600 schedules a second here; the minute they are due starts a minute after it is expected to end.
start = dt.datetime.now(dt.timezone.utc)
due = (start + dt.timedelta(seconds=n / 400 + 60)).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
at = due.isoformat().replace("+00:00", "Z")
failures, lock, made = [], threading.Lock(), [0]

def make(indexes):
    conn = connect()
    for i in indexes:
        body = json.dumps({"at": at, "method": "PATCH", "path": f"/api/passes/pass.com.example.event/B-{i}", "body": {"fields": {"seat": f"moved-{i}"}}})
        for attempt in range(5):
            try:
                conn.request("POST", "/api/schedules", body, headers)
                response = conn.getresponse(); text = response.read()
                if response.status in (200, 201):
                    break
                if response.status != 503:
                    with lock: failures.append(f"{response.status} {text[:200]!r}")
                    break
                time.sleep(float(response.getheader("Retry-After", "1")))
            except (ConnectionError, http.client.HTTPException):
                conn.close(); conn = connect()
        with lock: made[0] += 1

work = [range(t, n, threads) for t in range(threads)]
pool = [threading.Thread(target=make, args=(w,)) for w in work]
t0 = time.monotonic()
for t in pool: t.start()
for t in pool: t.join()
setup = time.monotonic() - t0
print(f"setup: {made[0]} schedules made in {setup:.1f} s ({made[0] / setup:.0f}/s) on {threads} connections, all due at {at}; {len(failures)} refused {failures[:3]}")
if dt.datetime.now(dt.timezone.utc) >= due:
    print(f"setup ended after the minute they are due ({at}): no measurement"); sys.exit(1)

conn = connect()
def feed(after):
    conn.request("GET", f"/api/events?after={after}&limit=1000", headers=headers)
    return json.loads(conn.getresponse().read())

# The server's CPU seconds (SERVER_PID, from bench-schedules.sh), to say what the run itself cost.
def server_cpu():
    pid = os.environ.get("SERVER_PID")
    if not pid:
        return float("nan")
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

# The feed's cursor at the minute: every schedule event comes after it.
while dt.datetime.now(dt.timezone.utc) < due:
    time.sleep(0.2)
cpu_at_due = server_cpu()
cursor, done, failed, last = "0", set(), 0, None
deadline = due + dt.timedelta(minutes=5)
while len(done) < n and dt.datetime.now(dt.timezone.utc) < deadline:
    page = feed(cursor)
    for e in page["events"]:
        if e["type"] in ("schedule.succeeded", "schedule.failed") and e["id"] not in done:
            done.add(e["id"]); failed += e["type"] == "schedule.failed"
            at_event = dt.datetime.fromisoformat(e["at"].replace("Z", "+00:00"))
            last = at_event if last is None or at_event > last else last
    if page["next"] == cursor:
        time.sleep(0.5)
    cursor = page["next"]
ran = (last - due).total_seconds() if last else float("nan")
run_cpu = server_cpu() - cpu_at_due
print(f"ran: {len(done)} of {n} schedules ({failed} failed); the last ran {ran:.2f} s after the minute began "
      f"({'within' if len(done) == n and ran < 60 else 'NOT within'} that minute)")
print(f"server CPU from the minute to the last event read: {run_cpu:.1f} s ({run_cpu / max(len(done), 1) * 1000:.2f} ms a schedule)")
