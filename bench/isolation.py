#!/usr/bin/env python3
"""Another user's latency while one user runs heavy requests (docs/performance.md, "One user
cannot stall the others"). Probes GET /api/me as the probe user, one request at a time, for
SECONDS in each phase:
  baseline    nothing else running;
  exports     the rep runs 4 xlsx exports of calls in parallel, each starting again when it
              ends (a refused one, 429, waits its Retry-After like a browser user would retry).
(Failed sign-ins: bench/signin_load.sh.)
Prints a markdown table: phase, probe requests, p50, p90, p99, max (ms), and what the load did.

  bench/isolation.py URL PROBE_TOKEN REP_TOKEN [SECONDS]
"""
import http.client
import sys
import threading
import time
import urllib.parse

url, probe_token, rep_token = sys.argv[1], sys.argv[2], sys.argv[3]
secs = float(sys.argv[4]) if len(sys.argv) > 4 else 20
u = urllib.parse.urlparse(url)
host, port = u.hostname, u.port or 80


def conn():
    return http.client.HTTPConnection(host, port, timeout=120)


def probe(stop):
    c, lat = conn(), []
    while not stop.is_set():
        t = time.perf_counter()
        c.request("GET", "/api/me", headers={"Authorization": f"Bearer {probe_token}"})
        r = c.getresponse()
        r.read()
        if r.status != 200:
            raise SystemExit(f"probe answered {r.status}")
        lat.append((time.perf_counter() - t) * 1000)
        time.sleep(0.01)
    return lat


def exporter(stop, counts):
    c = conn()
    while not stop.is_set():
        c.request("GET", "/records/calls/export?format=xlsx",
                  headers={"Authorization": f"Bearer {rep_token}"})
        r = c.getresponse()
        body = r.read()
        counts[r.status] = counts.get(r.status, 0) + 1
        if r.status == 429:
            time.sleep(float(r.getheader("Retry-After", "1")))
        elif r.status != 200:
            raise SystemExit(f"export answered {r.status}: {body[:200]!r}")


def phase(name, loads):
    stop, counts, threads = threading.Event(), {}, []
    for target, n in loads:
        for _ in range(n):
            t = threading.Thread(target=target, args=(stop, counts), daemon=True)
            t.start()
            threads.append(t)
    time.sleep(1 if loads else 0)
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("lat", probe(stop)))
    t.start()
    time.sleep(secs)
    stop.set()
    t.join()
    for th in threads:
        th.join(timeout=120)
    lat = sorted(out["lat"])
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    load = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=str)) or "-"
    print(f"| {name} | {len(lat)} | {q(0.5):.1f} | {q(0.9):.1f} | {q(0.99):.1f} | {lat[-1]:.1f} | {load} |")
    sys.stdout.flush()


print("| phase | probe requests | p50 ms | p90 ms | p99 ms | max ms | load's answers |")
print("|---|---|---|---|---|---|---|")
phase("baseline", [])
phase("4 parallel xlsx exports by the rep", [(exporter, 4)])
