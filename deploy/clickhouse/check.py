"""Runs deploy/clickhouse/intervals.sql in an embedded ClickHouse (chdb, `pip install chdb`) and checks
that records as callboard writes them land in the tables, the newest of a key winning.

The Kafka engine table needs a broker, so it is replaced here by a plain table of the same columns
plus the `_offset` the Kafka engine provides; everything else (the target tables and the materialized
views) runs as written. Usage: python3 deploy/clickhouse/check.py
"""

import pathlib
import re
import sys

from chdb import session

SQL = pathlib.Path(__file__).with_name("intervals.sql").read_text()

QUEUE_0900_FIRST = (
    '{"schema":1,"kind":"queue","date":"2026-11-27","tenant":"acme","queue":"sales",'
    '"interval_start":"2026-11-27T09:00:00Z","offered":4,"answered":3,"answered_within_threshold":2,'
    '"abandoned":1,"short_abandoned":0,"dequeued":0,"handled":3,"service_level":0.5,"abandon_rate":0.25,'
    '"asa_seconds":12.5,"aht_seconds":240,"avg_talk_seconds":200,"avg_hold_seconds":0,'
    '"avg_wrap_up_seconds":40,"max_wait_seconds":31}'
)
# The same interval after a late event: one more offered call.
QUEUE_0900_LATE = QUEUE_0900_FIRST.replace('"offered":4', '"offered":5').replace(
    '"abandon_rate":0.25', '"abandon_rate":0.2'
)
QUEUE_DAY = (
    '{"schema":1,"kind":"queue_day","date":"2026-11-27","tenant":"acme","queue":"sales",'
    '"interval_start":"2026-11-27T00:00:00Z","offered":5,"answered":3,"answered_within_threshold":2,'
    '"abandoned":1,"short_abandoned":0,"dequeued":0,"handled":3,"service_level":0.5,"abandon_rate":0.2,'
    '"asa_seconds":null,"aht_seconds":null,"avg_talk_seconds":null,"avg_hold_seconds":null,'
    '"avg_wrap_up_seconds":null,"max_wait_seconds":null}'
)
AGENT = (
    '{"schema":1,"kind":"agent","date":"2026-11-27","tenant":"acme","agent":"a1",'
    '"interval_start":"2026-11-27T09:00:00Z","handled":1,"talk_seconds":270,"hold_seconds":0,'
    '"wrap_up_seconds":60,"available_seconds":570,"not_ready_seconds":0,"logged_in_seconds":900,'
    '"occupancy":0.366667,"utilization":0.366667}'
)
AGENT_DAY = (
    '{"schema":1,"kind":"agent_day","date":"2026-11-27","tenant":"acme","agent":"a1","team":"t1",'
    '"period":"day","period_start":"2026-11-27","handled":2,"aht_seconds":360,"avg_talk_seconds":300,'
    '"avg_hold_seconds":0,"avg_wrap_up_seconds":60,"logged_in_seconds":7200,"available_seconds":4645,'
    '"not_ready_seconds":1800,"not_ready_by_reason":"lunch=1800","occupancy":0.139815,'
    '"utilization":0.104861,"rings_unanswered":1,"dialed":1,"connected":1,"successes":1,'
    '"contact_rate":1,"conversion":1,"surveys":1,"csat":0.8,"reviews":0,"qa_score":null,'
    '"quota_attainment":"handled_per_hour=0.25","labour_cost":72}'
)
DELIVERY = '{"schema":1,"kind":"delivery","date":"2026-11-27"}'
FUTURE = QUEUE_0900_FIRST.replace('"schema":1', '"schema":2')


def statements(sql):
    sql = re.sub(r"--[^\n]*", "", sql)
    return [statement.strip() for statement in sql.split(";") if statement.strip()]


def main():
    db = session.Session()
    for statement in statements(SQL):
        if "ENGINE = Kafka" in statement:
            statement = (
                "CREATE TABLE callboard.intervals_kafka (raw String, _offset UInt64) "
                "ENGINE = MergeTree ORDER BY _offset"
            )
        db.query(statement)
    records = [QUEUE_0900_FIRST, AGENT, AGENT_DAY, DELIVERY, FUTURE, QUEUE_DAY, QUEUE_0900_LATE]
    for offset, raw in enumerate(records):
        db.query(
            "INSERT INTO callboard.intervals_kafka VALUES ('%s', %d)" % (raw.replace("'", "\\'"), offset)
        )
    queue = db.query(
        "SELECT kind, queue, toString(interval_start), offered, abandon_rate, asa_seconds "
        "FROM callboard.queue_intervals FINAL ORDER BY kind, interval_start",
        "CSV",
    ).bytes().decode()
    agent = db.query(
        "SELECT kind, agent, toString(interval_start), handled, talk_seconds, occupancy "
        "FROM callboard.agent_intervals FINAL",
        "CSV",
    ).bytes().decode()
    day = db.query(
        "SELECT agent, team, toString(date), handled, not_ready_by_reason, occupancy, qa_score, "
        "quota_attainment, labour_cost FROM callboard.agent_days FINAL",
        "CSV",
    ).bytes().decode()
    expected_day = '"a1","t1","2026-11-27",2,"lunch=1800",0.139815,\\N,"handled_per_hour=0.25",72\n'
    expected_queue = (
        '"queue","sales","2026-11-27 09:00:00",5,0.2,12.5\n'
        '"queue_day","sales","2026-11-27 00:00:00",5,0.2,\\N\n'
    )
    expected_agent = '"agent","a1","2026-11-27 09:00:00",1,270,0.366667\n'
    failures = []
    if queue != expected_queue:
        failures.append("queue rows:\n%s\nexpected:\n%s" % (queue, expected_queue))
    if agent != expected_agent:
        failures.append("agent rows:\n%s\nexpected:\n%s" % (agent, expected_agent))
    if day != expected_day:
        failures.append("agent days:\n%s\nexpected:\n%s" % (day, expected_day))
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    print("clickhouse: intervals.sql runs; the newest record of a key wins; other kinds and schemas are left out")


if __name__ == "__main__":
    main()
