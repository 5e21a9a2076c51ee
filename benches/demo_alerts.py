#!/usr/bin/env python3
"""How many alerts `callboard demo` fires, per simulated hour: the noise a newcomer sees.

Starts `BINARY demo --listen 127.0.0.1:PORT --speed SPEED`, polls /api/v1/alerts and the simulated
time (`now` of /api/v1/tenants/acme) every INTERVAL seconds for SECONDS of wall time, then prints the
distinct alerts (rule and labels) seen firing in each simulated hour, and in the whole run.

Usage:
  benches/demo_alerts.py [--bin target/release/callboard] [--speed 60] [--seconds 60]
                         [--port 19470] [--interval 1] [--quiet] [-- DEMO FLAGS...]

Examples: the first minute as a newcomer sees it (`--speed 60 --seconds 60`); a whole day in two
minutes (`--speed 600 --seconds 110 --interval 0.25`). An alert firing and resolving between two polls
is not seen: at speed 600 a one-second poll covers ten simulated minutes.
"""

import argparse
import json
import signal
import subprocess
import sys
import time
import urllib.request


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return json.load(response)
    except (OSError, ValueError):
        return None


def key(alert):
    labels = {k: v for k, v in alert["labels"].items() if k not in ("alertname", "severity", "tenant")}
    described = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    return f'{alert["labels"]["alertname"]}{{{described}}}'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default="target/release/callboard")
    parser.add_argument("--speed", type=float, default=60.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--port", type=int, default=19470)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--quiet", action="store_true", help="counts only, no alert names")
    parser.add_argument("demo_flags", nargs="*", help="more flags for `callboard demo`, after --")
    args = parser.parse_args()

    base = f"http://127.0.0.1:{args.port}"
    demo = subprocess.Popen(
        [args.bin, "demo", "--listen", f"127.0.0.1:{args.port}", "--speed", str(args.speed)]
        + args.demo_flags,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    by_hour = {}  # simulated "HH", in the order seen → alert keys seen firing
    first_seen = {}  # alert key → simulated time it was first seen
    started = time.monotonic()
    try:
        while time.monotonic() - started < args.seconds:
            tenant = get(f"{base}/api/v1/tenants/acme")
            alerts = get(f"{base}/api/v1/alerts")
            if tenant and alerts is not None and tenant.get("now"):
                now = tenant["now"]  # 2026-12-01T06:10:46.444Z
                firing = by_hour.setdefault(now[11:13], set())
                for alert in alerts.get("alerts", []):
                    firing.add(key(alert))
                    first_seen.setdefault(key(alert), now[11:19])
            time.sleep(args.interval)
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(timeout=10)
        except subprocess.TimeoutExpired:
            demo.kill()

    print(f"speed {args.speed:g}, {args.seconds:g} s of wall time, polled every {args.interval:g} s")
    for hour in by_hour:  # in the order they were seen
        keys = sorted(by_hour[hour])
        print(f"{hour}:00  {len(keys):3} distinct alerts firing")
        if not args.quiet:
            for alert in keys:
                print(f"         {alert}")
    print(f"whole run: {len(first_seen)} distinct alerts")
    if not args.quiet:
        for alert, when in sorted(first_seen.items(), key=lambda item: item[1]):
            print(f"  first seen {when}  {alert}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
