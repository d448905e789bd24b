-- Hourly rollups beside the minutes: the same sums, counts and maxima per hour, kept by the writer as it writes
-- each minute, so that a window of days is read from a sixtieth of the rows (a week of 8 links and their members:
-- 2,856 rows instead of 171,000). Filled here from the minutes already kept.
CREATE TABLE history_rollups_hourly (
    hour_ms             BIGINT  NOT NULL,
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
    PRIMARY KEY (node, scope, bundle, name, hour_ms)
);
CREATE INDEX ix_history_rollups_hourly_hour ON history_rollups_hourly (hour_ms);

INSERT INTO history_rollups_hourly (hour_ms, node, scope, bundle, name, samples, up_samples, octets_in, octets_out, packets_in, packets_out, errors, queue_drops, rtt_samples, rtt_sum_ms, rtt_max_ms, loss_samples, loss_in_sum_pct, loss_out_sum_pct, goodput_samples, goodput_sum_bps, probes_sent, probes_answered)
SELECT (minute_ms / 3600000) * 3600000, node, scope, bundle, name, CAST(SUM(samples) AS BIGINT), CAST(SUM(up_samples) AS BIGINT), CAST(SUM(octets_in) AS BIGINT), CAST(SUM(octets_out) AS BIGINT), CAST(SUM(packets_in) AS BIGINT), CAST(SUM(packets_out) AS BIGINT), CAST(SUM(errors) AS BIGINT), CAST(SUM(queue_drops) AS BIGINT), CAST(SUM(rtt_samples) AS BIGINT), SUM(rtt_sum_ms), MAX(rtt_max_ms), CAST(SUM(loss_samples) AS BIGINT), SUM(loss_in_sum_pct), SUM(loss_out_sum_pct), CAST(SUM(goodput_samples) AS BIGINT), SUM(goodput_sum_bps), CAST(SUM(probes_sent) AS BIGINT), CAST(SUM(probes_answered) AS BIGINT)
FROM history_rollups
GROUP BY (minute_ms / 3600000) * 3600000, node, scope, bundle, name;
