#!/usr/bin/env python3
"""Load client for JourneyLake's HTTP API (bench/api.sh): requests at a fixed rate on 127.0.0.1.

Open loop: request i is due at start + i/rate whatever happened before, and its latency runs from
when it was due, so a slow server cannot hide its queueing (no coordinated omission). Workers
keep HTTP/1.1 connections open, as a dashboard or a sales tool would.

Usage:
    python3 api_load.py BASE_URL TOKEN PATHS_FILE --rate 200 --seconds 30 [--workers 32] [--label NAME]
PATHS_FILE holds one request path per line; requests cycle through them in a seeded random
order. Prints one JSON line: label, rate asked, requests, achieved req/s, errors, p50/p90/p99/max
milliseconds, and the status counts. Standard library only.
"""

import argparse
import http.client
import json
import queue
import random
import statistics
import sys
import threading
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("token")
    ap.add_argument("paths")
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--workers", type=int, default=32)
    ap.add_argument("--label", default="")
    ap.add_argument("--seed", type=int, default=16)
    args = ap.parse_args()

    paths = [p.strip() for p in open(args.paths, encoding="utf-8") if p.strip()]
    if not paths:
        sys.exit("api_load.py: no paths in " + args.paths)
    rng = random.Random(args.seed)
    url = urllib.parse.urlparse(args.base)
    total = int(args.rate * args.seconds)
    work = queue.Queue()
    results = []
    lock = threading.Lock()
    headers = {"Authorization": "Bearer " + args.token, "Connection": "keep-alive"}

    def worker():
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        while True:
            item = work.get()
            if item is None:
                return
            due, path = item
            now = time.perf_counter()
            if now < due:
                time.sleep(due - now)
            status = -1
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
            done = time.perf_counter()
            with lock:
                results.append((done - due, status, done))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.workers)]
    for t in threads:
        t.start()
    start = time.perf_counter() + 0.2
    for i in range(total):
        work.put((start + i / args.rate, rng.choice(paths)))
    for _ in threads:
        work.put(None)
    for t in threads:
        t.join()

    latencies = sorted(r[0] * 1000 for r in results)
    statuses = {}
    for _, s, _ in results:
        statuses[str(s)] = statuses.get(str(s), 0) + 1
    end = max(r[2] for r in results)

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 2)

    print(json.dumps({
        "label": args.label,
        "rate": args.rate,
        "requests": len(results),
        "achieved_rps": round(len(results) / (end - start), 1),
        "errors": sum(n for s, n in statuses.items() if s != "200"),
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1], 2),
        "mean_ms": round(statistics.fmean(latencies), 2),
        "statuses": statuses,
    }))


if __name__ == "__main__":
    main()
