#!/usr/bin/env python3
"""Converts one month of the "Anonymous Bank" call-center log (Technion, 1999) into callboard v1 events.

The log has one tab-separated record per call (tests/data/bank/README.md describes the fields and the
source). Each call becomes the events an ACD would have sent for it, per spec/events.md:

* queued through the queue (``q_start`` set): ``call.queued`` at ``q_start`` (queue = the call's
  ``type``), then
  - outcome AGENT with an agent in ``server``: ``call.answered`` at ``ser_start`` by that agent, and
    ``call.ended`` and ``call.completed`` at ``ser_exit`` (the log has no separate wrap-up);
  - outcome HANG: ``call.abandoned`` at ``q_exit``;
  - outcome AGENT without an agent (``NO_SERVER``): ``call.dequeued`` (reason ``other``) at ``q_exit``;
* routed from the VRU straight to an agent (no ``q_start``, outcome AGENT, an agent named): offered at
  ``vru_exit`` (or at ``ser_start`` when that is earlier), answered at ``ser_start``, ended and completed
  at ``ser_exit``;
* never queued and never with an agent (abandoned in the VRU, or AGENT with ``NO_SERVER``), and
  PHANTOM calls: skipped.

Conventions (tests/reference/bank_report.py applies the same ones to the raw log independently):

* Time zone: the log's clocks are Israel local time; they are written unchanged and labelled UTC
  (``1999-02-01T07:02:55Z``), so report intervals are the local quarter hours. February has no daylight
  saving change.
* Midnight: each clock is on the record's ``date``; a later stage whose clock reads more than twelve hours
  before the stage it follows is on the next day (``ser_exit`` 0:01:28 after ``ser_start`` 23:59:43).
* One-second clock skew: where ``ser_start`` reads before ``q_start`` (50 calls, 1 s), the answer is put at
  ``q_start`` (wait 0); ``ser_exit`` never before the answer.
* An agent named but no service clock (``ser_start`` 0:00:00): answered, ended and completed at ``q_exit``
  (or ``vru_exit`` for a call that did not queue).
* Ids: call = ``<vru+line>-<call_id>``; event id = call id and a letter (q a e c x d).
* Order: by time; at one instant, calls that end come before calls that start (an agent drops one call and
  picks up the next), and a call's own events keep their causal order; further ties keep the log's order.

Usage: bank_to_events.py LOG[.gz] [-o EVENTS.jsonl[.gz]]   (standard library only)
"""

import argparse
import datetime
import gzip
import json
import sys

TENANT = "bank"
NOT_SET = "0:00:00"
DAY = 86400
EPOCH = datetime.date(1970, 1, 1)

# At one instant: releases before arrivals, and a call's own events in causal order (see `ordered`).
RANK = {
    "call.ended": 0,
    "call.completed": 1,
    "call.abandoned": 2,
    "call.dequeued": 3,
    "call.queued": 4,
    "call.answered": 5,
}
SUFFIX = {
    "call.queued": "q",
    "call.answered": "a",
    "call.ended": "e",
    "call.completed": "c",
    "call.abandoned": "x",
    "call.dequeued": "d",
}


def open_text(path, mode):
    if path == "-":
        return sys.stdin if "r" in mode else sys.stdout
    if path.endswith(".gz"):
        return gzip.open(path, mode + "t", encoding="ascii", newline="")
    return open(path, mode, encoding="ascii", newline="")


def clock(text):
    hours, minutes, seconds = (int(part) for part in text.split(":"))
    return hours * 3600 + minutes * 60 + seconds


def after(text, reference):
    """Seconds since the record's midnight of a clock read after `reference` (midnight rule above)."""
    seconds = clock(text)
    while seconds < reference - DAY // 2:
        seconds += DAY
    return seconds


def records(lines):
    header = None
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        if not line:
            continue
        fields = line.split("\t")
        if header is None:
            header = fields
            continue
        if len(fields) != len(header):
            raise SystemExit(f"line {number}: {len(fields)} fields, the header has {len(header)}")
        yield dict(zip(header, fields))


def call_events(record):
    """The (seconds since the record's midnight, type, extra fields) of one call, in causal order."""
    outcome = record["outcome"]
    if outcome == "PHANTOM":
        return []
    has_agent = outcome == "AGENT" and record["server"] != "NO_SERVER"
    entry = clock(record["vru_entry"])
    vru_exit = after(record["vru_exit"], entry)
    events = []
    if record["q_start"] != NOT_SET:
        queued = after(record["q_start"], entry)
        queue_exit = after(record["q_exit"], queued)
        events.append((queued, "call.queued", {}))
        if has_agent:
            if record["ser_start"] != NOT_SET:
                service_start = after(record["ser_start"], queued)
                answered = max(service_start, queued)
                ended = max(after(record["ser_exit"], service_start), answered)
            else:
                answered = ended = max(queue_exit, queued)
            events += service(answered, ended, record["server"])
        elif outcome == "HANG":
            events.append((queue_exit, "call.abandoned", {}))
        else:
            events.append((queue_exit, "call.dequeued", {"reason": "other"}))
    elif has_agent:
        if record["ser_start"] != NOT_SET:
            answered = after(record["ser_start"], entry)
            ended = after(record["ser_exit"], answered)
        else:
            answered = ended = vru_exit
        events.append((min(vru_exit, answered), "call.queued", {}))
        events += service(answered, ended, record["server"])
    return events


def service(answered, ended, agent):
    return [
        (answered, "call.answered", {"agent": agent}),
        (ended, "call.ended", {"agent": agent}),
        (ended, "call.completed", {"agent": agent}),
    ]


def ordered(log):
    """All events of the log as (epoch seconds, event dict), sorted as the module doc says."""
    keyed = []
    for sequence, record in enumerate(log):
        events = call_events(record)
        if not events:
            continue
        day = datetime.datetime.strptime("19" + record["date"], "%Y%m%d").date()
        midnight = (day - EPOCH).days * DAY
        call = f"{record['vru+line']}-{record['call_id']}"
        previous = None
        for index, (seconds, kind, extra) in enumerate(events):
            key = (midnight + seconds, RANK[kind])
            # A call's later event never sorts before its earlier one, even at one instant.
            if previous is not None and key < previous:
                key = previous
            previous = key
            event = {
                "type": kind,
                "time": None,
                "tenant": TENANT,
                "id": f"{call}-{SUFFIX[kind]}",
                "call": call,
                "queue": record["type"],
            }
            if kind not in ("call.queued", "call.answered", "call.abandoned", "call.dequeued"):
                del event["queue"]
            event.update(extra)
            keyed.append((key + (sequence, index), event))
    keyed.sort(key=lambda item: item[0])
    return [(key[0], event) for key, event in keyed]


def rfc3339(epoch_seconds):
    moment = datetime.datetime.fromtimestamp(epoch_seconds, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("log", help="the month's tab-separated log (.gz allowed, - for stdin)")
    parser.add_argument("-o", "--output", default="-", help="events file (.gz allowed; default stdout)")
    args = parser.parse_args()
    with open_text(args.log, "r") as source:
        events = ordered(records(source))
    with open_text(args.output, "w") as sink:
        for epoch_seconds, event in events:
            event["time"] = rfc3339(epoch_seconds)
            sink.write(json.dumps(event, separators=(",", ":")) + "\n")
    calls = len({event["call"] for _, event in events})
    print(f"bank_to_events: {calls} calls, {len(events)} events", file=sys.stderr)


if __name__ == "__main__":
    main()
