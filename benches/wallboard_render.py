#!/usr/bin/env python3
"""How fast headless Chromium renders the wallboard of a 2,000-agent tenant: runs `callboard demo`
with 2,000 agents, opens the board through chromedriver at 1920x1080 (TV) and reads, for each snapshot
over SECONDS, the render time the page measures of itself with the Performance API (body's
data-render-ms: building the tiles and agents, fitting a TV board to its screen, and the layout that
causes; data-script-ms: building the DOM alone). The demo runs on the same machine.

Usage: benches/wallboard_render.py [BINARY] [SECONDS] [QUERY] [SPEED] [WARM_UP]
  defaults: target/release/callboard, 30, "tenant=acme&tv=1", 600, 8 (seconds before the board opens;
  at 600x the floor fills within the first minute, and nearly every agent changes state between two
  snapshots, ten simulated minutes apart: the worst case; at 60x, one simulated minute apart)
"""
import json
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/callboard"
seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 30
query = sys.argv[3] if len(sys.argv) > 3 else "tenant=acme&tv=1"
speed = sys.argv[4] if len(sys.argv) > 4 else "600"
warm_up = int(sys.argv[5]) if len(sys.argv) > 5 else 8


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["value"]


board_port, driver_port = free_port(), free_port()
demo = subprocess.Popen([binary, "demo", "--listen", f"127.0.0.1:{board_port}", "--agents", "2000",
                         "--calls-per-hour", "6000", "--speed", speed], stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)
driver = subprocess.Popen(["chromedriver", f"--port={driver_port}"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
try:
    base = f"http://127.0.0.1:{driver_port}"
    time.sleep(2)
    session = call(base, "POST", "/session", {"capabilities": {"alwaysMatch": {
        "browserName": "chrome", "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1920,1080"]}}}})["sessionId"]
    run = lambda script: call(base, "POST", f"/session/{session}/execute/sync",
                              {"script": script, "args": []})
    time.sleep(warm_up)
    call(base, "POST", f"/session/{session}/url", {"url": f"http://127.0.0.1:{board_port}/?{query}"})
    samples, scripts, last, agents, tiles = [], [], None, "", 0
    started = time.time()
    while time.time() - started < seconds:
        value = run("return [(document.body.dataset.renderMs || '') + '/' + (document.body.dataset.scriptMs || ''), "
                    "[...document.querySelectorAll('.agents-title')].map((t) => t.textContent).join(' '), "
                    "document.querySelectorAll('.agent').length]")
        if value[0] != "/" and value[0] != last:
            samples.append(float(value[0].split("/")[0]))
            scripts.append(float(value[0].split("/")[1]))
            last, agents, tiles = value[0], value[1], value[2]
        time.sleep(0.2)
    call(base, "DELETE", f"/session/{session}")
    samples.sort()
    print(f"{len(samples)} snapshots rendered, {agents or 'no agents'} in the view, {tiles} of them drawn ({query})")
    if samples:
        print(f"render ms: median {statistics.median(samples):.1f}, "
              f"p90 {samples[int(len(samples) * 0.9) - 1]:.1f}, max {samples[-1]:.1f}; "
              f"of which script (building the DOM) median {statistics.median(scripts):.1f}")
finally:
    driver.terminate()
    demo.terminate()
