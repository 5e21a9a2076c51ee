-- callboard's closed intervals (the `call-intervals` topic, docs/intervals.md) landed in ClickHouse:
-- a Kafka engine table reads the topic, materialized views parse each record into one of two
-- ReplacingMergeTree tables (queue rows, agent rows; interval and day rows apart by `kind`), and the
-- newest record of a key wins: the version is the record's offset, and a key always lands in the same
-- partition, so a later offset is a later record.
--
-- Run with: clickhouse-client --multiquery < deploy/clickhouse/intervals.sql
-- Set kafka_broker_list to your brokers. Read with FINAL (or argMax by version) until merges catch up:
--   SELECT * FROM callboard.queue_intervals FINAL WHERE tenant = 'acme' AND date = '2026-11-27'
--   ORDER BY queue, interval_start;

CREATE DATABASE IF NOT EXISTS callboard;

-- The topic as it is: one JSON value per message, kept as text; the key is the virtual column _key.
CREATE TABLE IF NOT EXISTS callboard.intervals_kafka
(
    raw String
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = 'kafka:9092',
    kafka_topic_list = 'call-intervals',
    kafka_group_name = 'clickhouse-callboard-intervals',
    kafka_format = 'JSONAsString',
    kafka_num_consumers = 1;

-- Queue rows: kind 'queue' (an interval) or 'queue_day' (the local day, interval_start its first instant).
-- Ratios and averages are empty (NULL) where undefined, as in `callboard report`.
CREATE TABLE IF NOT EXISTS callboard.queue_intervals
(
    tenant LowCardinality(String),
    kind LowCardinality(String),
    queue String,
    date Date,
    interval_start DateTime('UTC'),
    offered UInt32,
    answered UInt32,
    answered_within_threshold UInt32,
    abandoned UInt32,
    short_abandoned UInt32,
    dequeued UInt32,
    handled UInt32,
    service_level Nullable(Float64),
    abandon_rate Nullable(Float64),
    asa_seconds Nullable(Float64),
    aht_seconds Nullable(Float64),
    avg_talk_seconds Nullable(Float64),
    avg_hold_seconds Nullable(Float64),
    avg_wrap_up_seconds Nullable(Float64),
    max_wait_seconds Nullable(Float64),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(date)
ORDER BY (tenant, kind, queue, interval_start);

-- Agent interval rows: kind 'agent'.
CREATE TABLE IF NOT EXISTS callboard.agent_intervals
(
    tenant LowCardinality(String),
    kind LowCardinality(String),
    agent String,
    date Date,
    interval_start DateTime('UTC'),
    handled UInt32,
    talk_seconds Float64,
    hold_seconds Float64,
    wrap_up_seconds Float64,
    available_seconds Float64,
    not_ready_seconds Float64,
    logged_in_seconds Float64,
    occupancy Nullable(Float64),
    utilization Nullable(Float64),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(date)
ORDER BY (tenant, kind, agent, interval_start);

CREATE MATERIALIZED VIEW IF NOT EXISTS callboard.queue_intervals_mv TO callboard.queue_intervals AS
SELECT
    JSONExtractString(raw, 'tenant') AS tenant,
    JSONExtractString(raw, 'kind') AS kind,
    JSONExtractString(raw, 'queue') AS queue,
    toDate(JSONExtractString(raw, 'date')) AS date,
    parseDateTime64BestEffort(JSONExtractString(raw, 'interval_start')) AS interval_start,
    JSONExtractUInt(raw, 'offered') AS offered,
    JSONExtractUInt(raw, 'answered') AS answered,
    JSONExtractUInt(raw, 'answered_within_threshold') AS answered_within_threshold,
    JSONExtractUInt(raw, 'abandoned') AS abandoned,
    JSONExtractUInt(raw, 'short_abandoned') AS short_abandoned,
    JSONExtractUInt(raw, 'dequeued') AS dequeued,
    JSONExtractUInt(raw, 'handled') AS handled,
    JSONExtract(raw, 'service_level', 'Nullable(Float64)') AS service_level,
    JSONExtract(raw, 'abandon_rate', 'Nullable(Float64)') AS abandon_rate,
    JSONExtract(raw, 'asa_seconds', 'Nullable(Float64)') AS asa_seconds,
    JSONExtract(raw, 'aht_seconds', 'Nullable(Float64)') AS aht_seconds,
    JSONExtract(raw, 'avg_talk_seconds', 'Nullable(Float64)') AS avg_talk_seconds,
    JSONExtract(raw, 'avg_hold_seconds', 'Nullable(Float64)') AS avg_hold_seconds,
    JSONExtract(raw, 'avg_wrap_up_seconds', 'Nullable(Float64)') AS avg_wrap_up_seconds,
    JSONExtract(raw, 'max_wait_seconds', 'Nullable(Float64)') AS max_wait_seconds,
    _offset AS version
FROM callboard.intervals_kafka
WHERE JSONExtractUInt(raw, 'schema') = 1 AND JSONExtractString(raw, 'kind') IN ('queue', 'queue_day');

CREATE MATERIALIZED VIEW IF NOT EXISTS callboard.agent_intervals_mv TO callboard.agent_intervals AS
SELECT
    JSONExtractString(raw, 'tenant') AS tenant,
    JSONExtractString(raw, 'kind') AS kind,
    JSONExtractString(raw, 'agent') AS agent,
    toDate(JSONExtractString(raw, 'date')) AS date,
    parseDateTime64BestEffort(JSONExtractString(raw, 'interval_start')) AS interval_start,
    JSONExtractUInt(raw, 'handled') AS handled,
    JSONExtractFloat(raw, 'talk_seconds') AS talk_seconds,
    JSONExtractFloat(raw, 'hold_seconds') AS hold_seconds,
    JSONExtractFloat(raw, 'wrap_up_seconds') AS wrap_up_seconds,
    JSONExtractFloat(raw, 'available_seconds') AS available_seconds,
    JSONExtractFloat(raw, 'not_ready_seconds') AS not_ready_seconds,
    JSONExtractFloat(raw, 'logged_in_seconds') AS logged_in_seconds,
    JSONExtract(raw, 'occupancy', 'Nullable(Float64)') AS occupancy,
    JSONExtract(raw, 'utilization', 'Nullable(Float64)') AS utilization,
    _offset AS version
FROM callboard.intervals_kafka
WHERE JSONExtractUInt(raw, 'schema') = 1 AND JSONExtractString(raw, 'kind') = 'agent';

-- Agent days (kind 'agent_day'): each agent's scorecard of a local day, the columns of
-- `callboard report --by agent --period day`. Weeks and months are sums of these days (ratios from the
-- sums: occupancy = busy / (busy + available), and so on).
CREATE TABLE IF NOT EXISTS callboard.agent_days
(
    tenant LowCardinality(String),
    agent String,
    team String,
    date Date,
    handled UInt32,
    aht_seconds Nullable(Float64),
    avg_talk_seconds Nullable(Float64),
    avg_hold_seconds Nullable(Float64),
    avg_wrap_up_seconds Nullable(Float64),
    logged_in_seconds Float64,
    available_seconds Float64,
    not_ready_seconds Float64,
    not_ready_by_reason String,
    occupancy Nullable(Float64),
    utilization Nullable(Float64),
    rings_unanswered UInt32,
    dialed UInt32,
    connected UInt32,
    successes UInt32,
    surveys UInt32,
    csat Nullable(Float64),
    reviews UInt32,
    qa_score Nullable(Float64),
    quota_attainment String,
    labour_cost Float64,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(date)
ORDER BY (tenant, agent, date);

CREATE MATERIALIZED VIEW IF NOT EXISTS callboard.agent_days_mv TO callboard.agent_days AS
SELECT
    JSONExtractString(raw, 'tenant') AS tenant,
    JSONExtractString(raw, 'agent') AS agent,
    JSONExtractString(raw, 'team') AS team,
    toDate(JSONExtractString(raw, 'date')) AS date,
    JSONExtractUInt(raw, 'handled') AS handled,
    JSONExtract(raw, 'aht_seconds', 'Nullable(Float64)') AS aht_seconds,
    JSONExtract(raw, 'avg_talk_seconds', 'Nullable(Float64)') AS avg_talk_seconds,
    JSONExtract(raw, 'avg_hold_seconds', 'Nullable(Float64)') AS avg_hold_seconds,
    JSONExtract(raw, 'avg_wrap_up_seconds', 'Nullable(Float64)') AS avg_wrap_up_seconds,
    JSONExtractFloat(raw, 'logged_in_seconds') AS logged_in_seconds,
    JSONExtractFloat(raw, 'available_seconds') AS available_seconds,
    JSONExtractFloat(raw, 'not_ready_seconds') AS not_ready_seconds,
    JSONExtractString(raw, 'not_ready_by_reason') AS not_ready_by_reason,
    JSONExtract(raw, 'occupancy', 'Nullable(Float64)') AS occupancy,
    JSONExtract(raw, 'utilization', 'Nullable(Float64)') AS utilization,
    JSONExtractUInt(raw, 'rings_unanswered') AS rings_unanswered,
    JSONExtractUInt(raw, 'dialed') AS dialed,
    JSONExtractUInt(raw, 'connected') AS connected,
    JSONExtractUInt(raw, 'successes') AS successes,
    JSONExtractUInt(raw, 'surveys') AS surveys,
    JSONExtract(raw, 'csat', 'Nullable(Float64)') AS csat,
    JSONExtractUInt(raw, 'reviews') AS reviews,
    JSONExtract(raw, 'qa_score', 'Nullable(Float64)') AS qa_score,
    JSONExtractString(raw, 'quota_attainment') AS quota_attainment,
    JSONExtractFloat(raw, 'labour_cost') AS labour_cost,
    _offset AS version
FROM callboard.intervals_kafka
WHERE JSONExtractUInt(raw, 'schema') = 1 AND JSONExtractString(raw, 'kind') = 'agent_day';
