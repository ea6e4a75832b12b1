#!/usr/bin/env python3
"""Drives `liaison serve` with wrk for scripts/bench.sh: starts the instances on a generated
data set, signs in as its users, runs each scenario and prints/writes the figures.

Standard library only (a fresh machine has Python but no pip packages)."""

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

SCENARIOS = [
    # name, what it measures
    ("floor", "static file (app.css) through the same middleware"),
    ("accounts", "Account Management, first page (50 rows)"),
    ("search", "Account Management, search by email prefix"),
    ("deep_page", "Account Management, a page deep in the pagination"),
    ("deep_overview", "overview of the tenant at the bottom of the chain"),
    ("activity", "Activity page of the big partner"),
    ("accept", "accepting invitations (write path)"),
]
# Figures a full SQLite run must reach (issue 8).
MIN_RATIO = 0.25
MAX_P99_MS = 25.0
MIN_ACCEPTS_PER_S = 500.0
MAX_RSS_MB = 200.0
MAX_GENERATION_S = 90.0
RATIO_SCENARIOS = ("accounts", "search", "deep_page", "deep_overview")


class Instance:
    """One `liaison serve` process on its own port."""

    def __init__(self, args, port, log_dir):
        self.port = port
        self.log = open(os.path.join(log_dir, f"serve-{port}.log"), "wb")
        cmd = [args.binary, "serve", "--data-dir", args.data_dir, "--bind", f"127.0.0.1:{port}"]
        if args.database_url:
            cmd += ["--database-url", args.database_url]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while True:
            try:
                if get(self, "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise SystemExit(f"liaison serve on port {port} did not start; see {self.log.name}")
            time.sleep(0.1)

    def peak_rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def request(inst, method, path, cookie=None, form=None):
    conn = http.client.HTTPConnection("127.0.0.1", inst.port, timeout=60)
    headers = {}
    if cookie:
        headers["Cookie"] = cookie
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    res = conn.getresponse()
    text = res.read().decode("utf-8", "replace")
    conn.close()
    return res.status, res.getheader("Set-Cookie"), text, res.getheader("Location")


def get(inst, path, cookie=None):
    status, _, text, _ = request(inst, "GET", path, cookie)
    return status, text


def csrf_in(html):
    m = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'"X-CSRF-Token": *"([^"]+)"', html
    )
    if not m:
        raise SystemExit("no CSRF token found on the page")
    return m.group(1)


def sign_in(inst, email, password):
    """Signs in through the real form; returns (cookie, csrf token of the new session)."""
    status, set_cookie, html, _ = request(inst, "GET", "/signin")
    cookie = set_cookie.split(";")[0] if set_cookie else None
    form = {"csrf_token": csrf_in(html), "email": email, "password": password}
    status, set_cookie, _, _ = request(inst, "POST", "/signin", cookie, form)
    if status != 303 or not set_cookie:
        raise SystemExit(f"sign-in of {email} failed with {status}")
    cookie = set_cookie.split(";")[0]
    status, html = get(inst, "/profile", cookie)
    if status != 200:
        raise SystemExit(f"{email} is not signed in after sign-in ({status})")
    return cookie, csrf_in(html)


def expect(inst, path, cookie, needle, what):
    """The page answers 200 and shows `needle` more often than the search box could."""
    status, html = get(inst, path, cookie)
    if status != 200 or html.count(needle) < 2:
        raise SystemExit(f"{what}: GET {path} answered {status} without {needle!r}")
    return html


def deep_page_path(inst, cookie, first, pages):
    """Follows the Older links of Account Management `pages` times."""
    path = first
    for _ in range(pages):
        _, html = get(inst, path, cookie)
        m = re.search(r'<a href="([^"]*before=[^"]*)"', html)
        if not m:
            break
        path = m.group(1).replace("&amp;", "&")
    return path


def run_wrk(args, instances, path, cookie=None, requests_file=None, duration=None):
    """Runs one wrk per instance at once (connections split between them); merges the figures."""
    procs = []
    per = max(1, args.connections // len(instances))
    for k, inst in enumerate(instances):
        out = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
        env = dict(os.environ, BENCH_OUT=out, BENCH_COOKIE=cookie or "",
                   BENCH_REQUESTS=requests_file or "", BENCH_SHARD=f"{k}/{len(instances)}",
                   BENCH_THREADS=str(args.threads))
        cmd = ["wrk", f"-t{args.threads}", f"-c{per}", f"-d{duration or args.duration}s",
               "--timeout", "10s", "-s", args.wrk_script, f"http://127.0.0.1:{inst.port}{path}"]
        procs.append((subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL), out))
    results = []
    for proc, out in procs:
        if proc.wait() != 0:
            raise SystemExit(f"wrk failed on {path}")
        with open(out) as f:
            results.append(json.load(f))
        os.unlink(out)
    return merge(results)


def merge(results):
    requests = sum(r["requests"] for r in results)
    rps = sum(r["requests"] / (r["duration_us"] / 1e6) for r in results)
    errors = sum(sum(r["errors"].values()) for r in results)
    if len(results) == 1:
        lat = results[0]["latency_us"]
        p50, p99 = lat["50"], lat["99"]
    else:
        # Each run gives 200 evenly spaced quantiles; weight them by the run's requests.
        samples = sorted(
            (q, r["requests"]) for r in results for q in r["quantiles_us"]
        )
        total = sum(w for _, w in samples)

        def pct(p):
            acc = 0
            for q, w in samples:
                acc += w
                if acc >= total * p / 100:
                    return q
            return samples[-1][0]

        p50, p99 = pct(50), pct(99)
    return {"requests": requests, "rps": rps, "p50_ms": p50 / 1000, "p99_ms": p99 / 1000,
            "errors": errors}


def accept_requests(args, inst, manifest, password, work_dir):
    """Signs in every invitee and writes one accept POST per fresh token."""
    path = os.path.join(args.data_dir, manifest["invitations_file"])
    sessions = {}
    lines = []
    with open(path) as f:
        for n, line in enumerate(f):
            email, token = line.rstrip("\n").split("\t")
            if email not in sessions:
                sessions[email] = sign_in(inst, email, password)
            cookie, csrf = sessions[email]
            body = urllib.parse.urlencode(
                {"csrf_token": csrf, "tenant": "new", "new_name": f"Bench customer {n}"})
            lines.append(f"/invitations/{token}/accept\t{cookie}\t{body}")
    # Interleave the invitees so concurrent requests come from different users.
    out = os.path.join(work_dir, "accepts.tsv")
    with open(out, "w") as f:
        f.write("\n".join(lines[i] for i in interleave(len(lines), len(sessions))) + "\n")
    return out, len(lines)


def interleave(n, groups):
    per = max(1, n // max(groups, 1))
    return [g * per + i for i in range(per) for g in range(groups) if g * per + i < n] + list(
        range(per * groups, n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--database-url")
    ap.add_argument("--backend", required=True)
    ap.add_argument("--instances", type=int, default=1)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--write-duration", type=int, default=10)
    ap.add_argument("--wrk-script", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--first-port", type=int, default=18181)
    ap.add_argument("--full", action="store_true", help="check the figures of a full run")
    args = ap.parse_args()

    with open(os.path.join(args.data_dir, "bench.json")) as f:
        manifest = json.load(f)
    password = manifest["password"]
    work_dir = tempfile.mkdtemp(prefix="liaison-bench-")
    instances = [Instance(args, args.first_port + i, work_dir) for i in range(args.instances)]
    try:
        first = instances[0]
        partner = manifest["partner"]["tenant_id"]
        deep = manifest["deep"]
        # Sessions are made on the first instance and used on all of them.
        admin, _ = sign_in(first, manifest["partner"]["admin_email"], password)
        deep_user, _ = sign_in(first, deep["user_email"], password)
        customers = f"/accounts/{partner}/customers"
        prefix = manifest["search_prefix"]
        pages = max(1, manifest["partner"]["links"] // 100)
        paths = {
            "floor": ("/static/css/app.css", admin, None),
            "accounts": (customers, admin, "customer"),
            "search": (f"{customers}?q={prefix}", admin, prefix),
            "deep_page": (deep_page_path(first, admin, customers, pages), admin, "customer"),
            "deep_overview": (f"/accounts/{deep['tenant_id']}", deep_user, "Deep Corp"),
            "activity": (f"/accounts/{partner}/activity", admin, "Activity"),
        }
        results = {}
        for name, _ in SCENARIOS:
            if name == "accept":
                continue
            path, cookie, needle = paths[name]
            for inst in instances:
                if needle:
                    expect(inst, path, cookie, needle, name)
            if args.warmup:
                run_wrk(args, instances, path, cookie, duration=args.warmup)
            results[name] = dict(run_wrk(args, instances, path, cookie), path=path)
            print(f"  {name}: {results[name]['rps']:.0f} req/s", file=sys.stderr, flush=True)
        accepts, tokens = accept_requests(args, first, manifest, password, work_dir)
        results["accept"] = dict(
            run_wrk(args, instances, "/", requests_file=accepts, duration=args.write_duration),
            path="/invitations/{token}/accept", tokens=tokens)
        if results["accept"]["requests"] >= tokens:
            print("warning: the write path ran out of fresh tokens", file=sys.stderr)
        rss = [inst.peak_rss_mb() for inst in instances]
    finally:
        for inst in instances:
            inst.stop()

    floor = results["floor"]["rps"]
    rows = []
    for name, what in SCENARIOS:
        r = results[name]
        r["ratio_to_floor"] = r["rps"] / floor if floor else 0.0
        rows.append(dict(r, scenario=name, what=what))
    run = {
        "backend": args.backend,
        "instances": args.instances,
        "connections": args.connections,
        "duration_s": args.duration,
        "data": {k: manifest.get(k) for k in
                 ("scale", "audit_events", "invitations", "generated_in_seconds")}
        | {"links": manifest["partner"]["links"], "depth": deep["depth"]},
        "peak_rss_mb": rss,
        "scenarios": rows,
    }
    if args.full:
        run["checks"] = checks(run)
    print_table(run)
    with open(args.out, "w") as f:
        json.dump(run, f, indent=2)
    if any(not c["ok"] for c in run.get("checks", [])):
        sys.exit(1)


def checks(run):
    by = {r["scenario"]: r for r in run["scenarios"]}
    out = []
    for name in RATIO_SCENARIOS:
        r = by[name]
        out.append({"check": f"{name}: >= {MIN_RATIO:.0%} of the floor",
                    "ok": r["ratio_to_floor"] >= MIN_RATIO})
        out.append({"check": f"{name}: p99 < {MAX_P99_MS:.0f} ms", "ok": r["p99_ms"] < MAX_P99_MS})
    a = by["accept"]
    out.append({"check": f"accept: >= {MIN_ACCEPTS_PER_S:.0f}/s", "ok": a["rps"] >= MIN_ACCEPTS_PER_S})
    out.append({"check": "accept: no errors", "ok": a["errors"] == 0})
    out.append({"check": f"peak RSS < {MAX_RSS_MB:.0f} MB", "ok": max(run["peak_rss_mb"]) < MAX_RSS_MB})
    gen = run["data"]["generated_in_seconds"] or 0
    out.append({"check": f"data set generated in < {MAX_GENERATION_S:.0f} s",
                "ok": gen < MAX_GENERATION_S})
    return out


def print_table(run):
    d = run["data"]
    print(f"\n{run['backend']}, {run['instances']} instance(s), {run['connections']} connections, "
          f"{run['duration_s']} s per scenario; data: {d['links']} links, depth {d['depth']}, "
          f"{d['audit_events']} audit events, generated in {d['generated_in_seconds']:.1f} s")
    print(f"{'scenario':<14} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs floor':>9} {'errors':>7}")
    for r in run["scenarios"]:
        print(f"{r['scenario']:<14} {r['rps']:>9.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
              f"{r['ratio_to_floor']:>8.0%} {r['errors']:>7}")
    print("peak RSS: " + ", ".join(f"{m:.0f} MB" for m in run["peak_rss_mb"]))
    for c in run.get("checks", []):
        print(f"  [{'PASS' if c['ok'] else 'FAIL'}] {c['check']}")


if __name__ == "__main__":
    main()
