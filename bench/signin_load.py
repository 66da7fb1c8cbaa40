#!/usr/bin/env python3
"""Another user's /api/me while failed sign-ins flood the server (issue 27).

A signed-in rep asks GET /api/me in a loop (one request at a time) while attacker threads
send RATE failed sign-ins per second (each: GET /login for the form's CSRF cookie, then POST a
wrong password for an existing account or an unknown name). Prints the /api/me latencies
(p50, p90, p99, max) and how the sign-ins were answered (401 wrong, 429 address limit,
503 password checks queue full). Standard library only.

    bench/signin_load.py BASE_URL [SECONDS] [RATE]      # defaults: 20 s, 60 sign-ins/s
"""
import http.cookiejar
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

base = sys.argv[1].rstrip("/")
secs = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
rate = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def opener():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)


def sign_in(op, username, password):
    """The status of one sign-in through the form."""
    page = op.open(base + "/login").read().decode()
    at = page.index('name="csrf" value="') + 19
    csrf = page[at:page.index('"', at)]
    body = urllib.parse.urlencode({"username": username, "password": password, "csrf": csrf})
    try:
        return op.open(base + "/login", data=body.encode()).status
    except urllib.error.HTTPError as e:
        return e.code


victim = opener()
assert sign_in(victim, "leader", "kaohe-demo") == 303, "the measured user signs in"
stop = time.monotonic() + secs
answers = {}
lock = threading.Lock()


def attacker(index, threads):
    n = 0
    start = time.monotonic()
    while time.monotonic() < stop:
        due = start + (n * threads + index) / rate
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        name = "rep" if n % 2 == 0 else f"nobody{index}-{n}"
        try:
            status = sign_in(opener(), name, f"wrong-{n}")
        except Exception as e:  # noqa: BLE001 - a refused connection counts too
            status = type(e).__name__
        with lock:
            answers[status] = answers.get(status, 0) + 1
        n += 1


threads = 48
workers = [threading.Thread(target=attacker, args=(i, threads), daemon=True) for i in range(threads)]
for w in workers:
    w.start()
latencies = []
while time.monotonic() < stop:
    t0 = time.perf_counter()
    with victim.open(base + "/api/me") as resp:
        resp.read()
        assert resp.status == 200
    latencies.append((time.perf_counter() - t0) * 1000)
    time.sleep(0.01)
for w in workers:
    w.join()
latencies.sort()
q = statistics.quantiles(latencies, n=100)
total = sum(v for v in answers.values())
print(f"sign-ins sent: {total} in {secs:.0f} s ({total / secs:.1f}/s), answers: {dict(sorted(answers.items(), key=str))}")
print(
    f"/api/me of another user: n={len(latencies)} p50={q[49]:.1f} ms p90={q[89]:.1f} ms "
    f"p99={q[98]:.1f} ms max={latencies[-1]:.1f} ms"
)
