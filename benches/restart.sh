#!/usr/bin/env bash
# Restart benchmark (issue 10): resident memory over a day consumed at full speed, and time from start to
# /readyz of the release binary after a restart, with and without the state topic, for a simulated center of AGENTS agents over HOURS hours, against a real
# tansu broker on loopback. Not a test: run by hand, `bash benches/restart.sh` (AGENTS=2000 HOURS=24
# CALLS=10500 by default). Needs tansu on PATH (.ci/run installs it) and a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
AGENTS=${AGENTS:-2000} HOURS=${HOURS:-24} CALLS=${CALLS:-10500}
bin=target/release/callboard
cargo build --release --quiet
dir=$(mktemp -d)
port=$((20000 + RANDOM % 20000)) http=$((40000 + RANDOM % 20000))
broker="127.0.0.1:$port"
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"; }
pids=()
trap cleanup EXIT
(cd "$dir" && exec tansu broker --storage-engine sqlite://broker.db --listener-url "tcp://$broker" \
  --advertised-listener-url "tcp://$broker" >/dev/null 2>&1) & pids+=($!)
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do sleep 0.2; done
tansu topic create --broker "tcp://$broker" --partitions 4 call-events >/dev/null
tansu topic create --broker "tcp://$broker" --partitions 1 --config cleanup.policy=compact \
  callboard-state >/dev/null
start=$(date -u -d "-$HOURS hours" +%Y-%m-%dT%H:%M:%SZ)
"$bin" simulate --seed 7 --agents "$AGENTS" --calls-per-hour "$CALLS" --hours "$HOURS" \
  --start "$start" > "$dir/day.jsonl" 2>/dev/null
events=$(wc -l < "$dir/day.jsonl")
echo "events: $events ($AGENTS agents, $HOURS h from $start)"
t0=$(date +%s.%N)
"$bin" simulate --seed 7 --agents "$AGENTS" --calls-per-hour "$CALLS" --hours "$HOURS" \
  --start "$start" --brokers "$broker" 2>/dev/null
echo "produced in $(echo "$(date +%s.%N) - $t0" | bc) s"

config() { # $1: group, $2: state topic line or empty
  cat > "$dir/$1.toml" <<TOML
[kafka]
brokers = "$broker"
group_id = "$1"
$2
[http]
listen = "127.0.0.1:$http"
TOML
}

# Runs the service until ready and every event is counted; prints seconds to ready; stops it with SIGTERM.
run_until_ready() {
  local t0 pid ready
  t0=$(date +%s.%N)
  "$bin" run --config "$dir/$1.toml" --log-format json 2>>"$dir/$1.log" & pid=$!
  until curl -sf "http://127.0.0.1:$http/readyz" >/dev/null; do sleep 0.05; done
  ready=$(echo "$(date +%s.%N) - $t0" | bc)
  local rss
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  until [ "$(curl -sf "http://127.0.0.1:$http/metrics" | awk '/^callboard_events_total/ {s += $2} END {print s+0}')" -ge "$2" ]; do sleep 0.2; done
  kill -TERM "$pid"; wait "$pid" || true
  echo "$ready s to ready, peak RSS $((rss / 1024)) MB"
}

# A first start of a fresh group consumes the whole day at full speed: resident memory (VmRSS) sampled
# every half second against the share of the day's events counted, so growth with the day shows.
rss_over_the_day() {
  local pid counted next=10 rss peak=0
  "$bin" run --config "$dir/$1.toml" --log-format json 2>>"$dir/$1.log" & pid=$!
  until curl -sf "http://127.0.0.1:$http/metrics" >/dev/null; do sleep 0.05; done
  while :; do
    counted=$(curl -sf "http://127.0.0.1:$http/metrics" | awk '/^callboard_events_total/ {s += $2} END {print s+0}')
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    [ "$rss" -gt "$peak" ] && peak=$rss
    while [ "$next" -le 100 ] && [ "$((counted * 100))" -ge "$((next * $2))" ]; do
      echo "  ${next}% of the day counted ($counted events): RSS $((rss / 1024)) MB, peak so far $((peak / 1024)) MB"
      next=$((next + 10))
    done
    [ "$counted" -ge "$2" ] && break
    sleep 0.5
  done
  echo "  peak RSS (VmHWM) $(( $(awk '/VmHWM/ {print $2}' "/proc/$pid/status") / 1024 )) MB"
  kill -TERM "$pid"; wait "$pid" || true
}

config memory ''
echo "resident memory over a day consumed at full speed:"
rss_over_the_day memory "$events"

config with-state 'state_topic = "callboard-state"
state_every = "5m"'
config without-state ''
echo "with the state topic:    first start $(run_until_ready with-state "$events")"
echo "with the state topic:    restart     $(run_until_ready with-state 0)"
echo "without the state topic: first start $(run_until_ready without-state "$events")"
echo "without the state topic: restart     $(run_until_ready without-state 0)"
