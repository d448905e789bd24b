-- History schema, version 1 (PostgreSQL). Times are UTC milliseconds since 1970 (the same in both dialects);
-- '' stands for "no bundle" so that it can be part of a key.
CREATE TABLE history_events (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time_ms       BIGINT  NOT NULL,
    node          TEXT    NOT NULL,
    scope         TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    bundle        TEXT    NOT NULL DEFAULT '',
    kind          TEXT    NOT NULL,
    state         TEXT    NULL,
    detail        TEXT    NULL,
    operator_name TEXT    NULL,
    address       TEXT    NULL
);
CREATE INDEX ix_history_events_time ON history_events (time_ms);
CREATE INDEX ix_history_events_name ON history_events (name, time_ms);
CREATE INDEX ix_history_events_bundle ON history_events (bundle, time_ms);

CREATE TABLE history_rollups (
    minute_ms           BIGINT  NOT NULL,
    node                TEXT    NOT NULL,
    scope               TEXT    NOT NULL,
    name                TEXT    NOT NULL,
    bundle              TEXT    NOT NULL DEFAULT '',
    samples             INTEGER NOT NULL,
    up_samples          INTEGER NOT NULL,
    octets_in           BIGINT  NOT NULL,
    octets_out          BIGINT  NOT NULL,
    packets_in          BIGINT  NOT NULL,
    packets_out         BIGINT  NOT NULL,
    errors              BIGINT  NOT NULL,
    queue_drops         BIGINT  NOT NULL,
    rtt_samples         INTEGER NOT NULL,
    rtt_sum_ms          DOUBLE PRECISION NOT NULL,
    rtt_max_ms          DOUBLE PRECISION NULL,
    loss_samples        INTEGER NOT NULL,
    loss_in_sum_pct     DOUBLE PRECISION NOT NULL,
    loss_out_sum_pct    DOUBLE PRECISION NOT NULL,
    goodput_samples     INTEGER NOT NULL,
    goodput_sum_bps     DOUBLE PRECISION NOT NULL,
    probes_sent         BIGINT  NOT NULL,
    probes_answered     BIGINT  NOT NULL,
    PRIMARY KEY (node, scope, bundle, name, minute_ms)
);
CREATE INDEX ix_history_rollups_minute ON history_rollups (minute_ms);

CREATE TABLE history_failovers (
    node            TEXT    NOT NULL,
    bundle          TEXT    NOT NULL,
    started_ms      BIGINT  NOT NULL,
    ended_ms        BIGINT  NULL,
    members_before  INTEGER NOT NULL,
    members_lost    TEXT    NOT NULL,
    cause           TEXT    NOT NULL,
    gap_ms          BIGINT  NOT NULL,
    probes_lost     BIGINT  NULL,
    PRIMARY KEY (node, bundle, started_ms)
);
CREATE INDEX ix_history_failovers_started ON history_failovers (started_ms);
