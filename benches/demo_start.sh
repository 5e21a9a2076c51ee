#!/bin/bash
# How soon `callboard demo` shows live numbers: starts it RUNS times (default 10) and prints the seconds
# from each start to the first snapshot of tenant acme with events applied (what the wallboard shows),
# then the slowest. Usage: benches/demo_start.sh [BINARY] [RUNS]   (default target/release/callboard)
set -u
bin=${1:-target/release/callboard}
runs=${2:-10}
slowest=0
for run in $(seq 1 "$runs"); do
  port=$((19500 + run))
  start=$(date +%s.%N)
  "$bin" demo --listen "127.0.0.1:$port" >/dev/null 2>&1 &
  pid=$!
  seconds="none within 120 s"
  for _ in $(seq 1 1200); do
    if curl -s --max-time 1 "http://127.0.0.1:$port/api/v1/tenants/acme" | grep -q '"applied":[1-9]'; then
      seconds=$(python3 -c "print(f'{$(date +%s.%N) - $start:.2f}')")
      slowest=$(python3 -c "print(max($slowest, $seconds))")
      break
    fi
    sleep 0.1
  done
  echo "start $run: live numbers after $seconds s"
  kill -INT "$pid"
  wait "$pid" 2>/dev/null
done
echo "slowest of $runs: $slowest s"
