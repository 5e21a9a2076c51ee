#!/usr/bin/env python3
"""The 15-minute queue report of one "Anonymous Bank" month, recomputed call by call from the raw log.

Independent of callboard and of tests/reference/bank_to_events.py: it reads the tab-separated log
(tests/data/bank/README.md) and applies spec/metrics.md ("When a count happens", "Queue figures") to each
call directly, with no events in between. Each count lands in the quarter hour of its own time:

* offered at queue entry: ``q_start``; for a call the VRU put straight through to an agent (no
  ``q_start``), ``vru_exit``, or ``ser_start`` when that reads earlier;
* answered at the answer, ``ser_start``; wait = answer - queue entry; within the threshold <=> wait <= 20 s;
* abandoned (outcome HANG after queueing) at ``q_exit``; short <=> wait < 5 s;
* dequeued (outcome AGENT after queueing but ``NO_SERVER``) at ``q_exit``;
* handled at the service end, ``ser_exit``, for the queue it was answered from; handle = talk = end -
  answer (the log has no hold and no separate wrap-up, so both average 0 over handled calls).

The queue is the call's ``type``. Calls that never queued and never reached an agent, and PHANTOM calls,
count nowhere. The log's own quirks are read the way bank_to_events.py documents (local clocks labelled
UTC; a stage more than 12 h before the one it follows is on the next day; an answer that reads before
queue entry by the clock's one-second skew is at queue entry; an agent named without service clocks
answered and finished at ``q_exit``, or ``vru_exit`` without a queue).

Output: CSV with the header of spec/metrics.md, one row per queue and interval with any count, numbers
with six decimals at most, an undefined ratio empty. ``--overlaps`` prints instead, per agent, how often
the agent answered a call while an earlier one was still in service.

Usage: bank_report.py LOG[.gz] [--overlaps]   (standard library only)
"""

import argparse
import collections
import datetime
import gzip
import statistics
import sys

TENANT = "bank"
INTERVAL = 15 * 60
THRESHOLD = 20
SHORT_ABANDON = 5
HEADER = (
    "tenant,queue,interval_start,offered,answered,answered_within_threshold,abandoned,"
    "short_abandoned,dequeued,handled,service_level,abandon_rate,asa_seconds,aht_seconds,"
    "avg_talk_seconds,avg_hold_seconds,avg_wrap_up_seconds,max_wait_seconds"
)
ZERO_CLOCK = "0:00:00"
HALF_DAY = 12 * 3600


class Call:
    """One call's stages in epoch seconds (local clock read as UTC); None where it has no such stage."""

    def __init__(self, fields):
        self.queue = fields["type"]
        self.agent = None
        self.entered = self.answered = self.finished = None
        self.abandoned = self.dequeued = None
        date = datetime.date(1900 + int(fields["date"][:2]), int(fields["date"][2:4]), int(fields["date"][4:]))
        midnight = (date.toordinal() - datetime.date(1970, 1, 1).toordinal()) * 86400

        def stamp(name, follows):
            h, m, s = fields[name].split(":")
            value = midnight + int(h) * 3600 + int(m) * 60 + int(s)
            while value < follows - HALF_DAY:
                value += 86400
            return value

        if fields["outcome"] == "PHANTOM":
            return
        arrived = stamp("vru_entry", midnight)
        left_vru = stamp("vru_exit", arrived)
        served = fields["outcome"] == "AGENT" and fields["server"] != "NO_SERVER"
        has_service_clock = fields["ser_start"] != ZERO_CLOCK
        if fields["q_start"] != ZERO_CLOCK:
            self.entered = stamp("q_start", arrived)
            left_queue = stamp("q_exit", self.entered)
            if served:
                if has_service_clock:
                    start = stamp("ser_start", self.entered)
                    self.answered = max(start, self.entered)
                    self.finished = max(stamp("ser_exit", start), self.answered)
                else:
                    self.answered = self.finished = max(left_queue, self.entered)
            elif fields["outcome"] == "HANG":
                self.abandoned = left_queue
            else:
                self.dequeued = left_queue
        elif served:
            if has_service_clock:
                self.answered = stamp("ser_start", arrived)
                self.finished = stamp("ser_exit", self.answered)
            else:
                self.answered = self.finished = left_vru
            self.entered = min(left_vru, self.answered)
        if self.answered is not None:
            self.agent = fields["server"]

    def counted(self):
        return self.entered is not None


def read_log(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="ascii", newline="") as source:
        lines = (line.rstrip("\r\n") for line in source)
        header = next(lines).split("\t")
        for line in lines:
            if line:
                yield Call(dict(zip(header, line.split("\t"))))


def quarter(epoch_seconds):
    return epoch_seconds - epoch_seconds % INTERVAL


def tally(calls):
    """{(queue, interval start): counts}, each count in the interval of its own moment."""
    cells = collections.defaultdict(collections.Counter)
    for call in calls:
        if not call.counted():
            continue
        cells[(call.queue, quarter(call.entered))]["offered"] += 1
        if call.answered is not None:
            wait = call.answered - call.entered
            cell = cells[(call.queue, quarter(call.answered))]
            cell["answered"] += 1
            cell["answered_within_threshold"] += wait <= THRESHOLD
            cell["wait_answered"] += wait
            cell["max_wait"] = max(cell["max_wait"], wait)
            done = cells[(call.queue, quarter(call.finished))]
            done["handled"] += 1
            done["talk"] += call.finished - call.answered
        if call.abandoned is not None:
            wait = call.abandoned - call.entered
            cell = cells[(call.queue, quarter(call.abandoned))]
            cell["abandoned"] += 1
            cell["short_abandoned"] += wait < SHORT_ABANDON
            cell["max_wait"] = max(cell["max_wait"], wait)
        if call.dequeued is not None:
            cells[(call.queue, quarter(call.dequeued))]["dequeued"] += 1
    return cells


def ratio(numerator, denominator):
    return None if denominator == 0 else numerator / denominator


def number(value):
    if value is None:
        return ""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def row(queue, start, c):
    handled = c["handled"]
    outcomes = c["answered"] + c["abandoned"] + c["dequeued"]
    values = [
        ratio(c["answered_within_threshold"], c["answered"] + c["abandoned"] - c["short_abandoned"]),
        ratio(c["abandoned"], outcomes),
        ratio(c["wait_answered"], c["answered"]),
        ratio(c["talk"], handled),
        ratio(c["talk"], handled),
        ratio(0, handled),
        ratio(0, handled),
        c["max_wait"] if c["answered"] + c["abandoned"] > 0 else None,
    ]
    start_text = datetime.datetime.fromtimestamp(start, tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    counts = [c[name] for name in ("offered", "answered", "answered_within_threshold", "abandoned",
                                   "short_abandoned", "dequeued", "handled")]
    return ",".join([TENANT, queue, start_text] + [str(n) for n in counts] + [number(v) for v in values])


def overlaps(calls):
    """Per agent: answers given while an earlier call of the same agent was still in service."""
    services = collections.defaultdict(list)
    for call in calls:
        if call.agent is not None:
            services[call.agent].append((call.answered, call.finished))
    per_agent = collections.Counter()
    lengths = []
    for agent, spans in services.items():
        busy_until = None
        for start, end in sorted(spans):
            if busy_until is not None and busy_until > start:
                per_agent[agent] += 1
                lengths.append(min(busy_until, end) - start)
            busy_until = end if busy_until is None else max(busy_until, end)
    return per_agent, lengths


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("log", help="the month's tab-separated log (.gz allowed)")
    parser.add_argument("--overlaps", action="store_true", help="print overlapping answers per agent")
    args = parser.parse_args()
    calls = list(read_log(args.log))
    if args.overlaps:
        per_agent, lengths = overlaps(calls)
        print(f"overlapping answers: {len(lengths)} by {len(per_agent)} agents", end="")
        if lengths:
            print(f"; overlap median {statistics.median(lengths)} s, max {max(lengths)} s", end="")
        print()
        for agent, count in sorted(per_agent.items(), key=lambda item: (-item[1], item[0])):
            print(f"{agent},{count}")
        return
    cells = tally(calls)
    print(HEADER)
    for queue, start in sorted(cells):
        print(row(queue, start, cells[(queue, start)]))
    counted = sum(call.counted() for call in calls)
    print(f"bank_report: {len(calls)} records, {counted} calls counted, {len(cells)} rows", file=sys.stderr)


if __name__ == "__main__":
    main()
