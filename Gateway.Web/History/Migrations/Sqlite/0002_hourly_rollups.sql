-- Hourly rollups beside the minutes: the same sums, counts and maxima per hour, kept by the writer as it writes
-- each minute, so that a window of days is read from a sixtieth of the rows (a week of 8 links and their members:
-- 2,856 rows instead of 171,000). Filled here from the minutes already kept.
CREATE TABLE history_rollups_hourly (
    hour_ms             INTEGER NOT NULL,
    node                TEXT    NOT NULL,
    scope               TEXT    NOT NULL,
    name                TEXT    NOT NULL,
    bundle              TEXT    NOT NULL DEFAULT '',
    samples             INTEGER NOT NULL,
    up_samples          INTEGER NOT NULL,
    octets_in           INTEGER NOT NULL,
    octets_out          INTEGER NOT NULL,
    packets_in          INTEGER NOT NULL,
    packets_out         INTEGER NOT NULL,
    errors              INTEGER NOT NULL,
    queue_drops         INTEGER NOT NULL,
    rtt_samples         INTEGER NOT NULL,
    rtt_sum_ms          REAL    NOT NULL,
    rtt_max_ms          REAL    NULL,
    loss_samples        INTEGER NOT NULL,
    loss_in_sum_pct     REAL    NOT NULL,
    loss_out_sum_pct    REAL    NOT NULL,
    goodput_samples     INTEGER NOT NULL,
    goodput_sum_bps     REAL    NOT NULL,
    probes_sent         INTEGER NOT NULL,
    probes_answered     INTEGER NOT NULL,
    PRIMARY KEY (node, scope, bundle, name, hour_ms)
);
CREATE INDEX ix_history_rollups_hourly_hour ON history_rollups_hourly (hour_ms);

INSERT INTO history_rollups_hourly (hour_ms, node, scope, bundle, name, samples, up_samples, octets_in, octets_out, packets_in, packets_out, errors, queue_drops, rtt_samples, rtt_sum_ms, rtt_max_ms, loss_samples, loss_in_sum_pct, loss_out_sum_pct, goodput_samples, goodput_sum_bps, probes_sent, probes_answered)
SELECT (minute_ms / 3600000) * 3600000, node, scope, bundle, name, SUM(samples), SUM(up_samples), SUM(octets_in), SUM(octets_out), SUM(packets_in), SUM(packets_out), SUM(errors), SUM(queue_drops), SUM(rtt_samples), SUM(rtt_sum_ms), MAX(rtt_max_ms), SUM(loss_samples), SUM(loss_in_sum_pct), SUM(loss_out_sum_pct), SUM(goodput_samples), SUM(goodput_sum_bps), SUM(probes_sent), SUM(probes_answered)
FROM history_rollups
GROUP BY (minute_ms / 3600000) * 3600000, node, scope, bundle, name;
