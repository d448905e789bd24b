using Gateway.Core.Status;
using Gateway.Web.Status;
using Prometheus;

namespace Gateway.Web.Metrics;

/// <summary>
/// The Prometheus <c>/metrics</c> endpoint's figures, read from the <see cref="StatusBoard"/> (the same event stream
/// the dashboard sees) at each scrape. One registry per app, so several apps in one process (tests) do not mix.
/// </summary>
public sealed class GatewayMetrics
{
    public CollectorRegistry Registry { get; } = Prometheus.Metrics.NewCustomRegistry();

    public GatewayMetrics(StatusBoard board, StatusFeed feed, GatewayRoleInfo role)
    {
        var f = Prometheus.Metrics.WithCustomRegistry(Registry);
        // The process's own figures, as the default registry would give them: resident and managed memory, GC
        // collections, threads, open handles, CPU (what an operator graphs to see a leak; the soak reads them too).
        DotNetStats.Register(Registry);
        var linkUp = f.CreateGauge("gateway_link_up", "1 when the ISP link is up (PPP open with IPCP), else 0.", "link");
        var linkOctets = f.CreateCounter("gateway_link_octets_total", "Octets carried by the ISP link.", "link", "direction");
        var linkFrames = f.CreateCounter("gateway_link_frames_total", "PPP frames carried by the ISP link.", "link", "direction");
        var linkErrors = f.CreateCounter("gateway_link_errors_total", "Frames of the ISP link dropped as bad.", "link");
        var linkDials = f.CreateCounter("gateway_link_dial_attempts_total", "Dial attempts of the ISP link.", "link");
        var linkRate = f.CreateGauge("gateway_link_bits_per_second", "The ISP link's rate over the last second.", "link", "direction");
        var subOpen = f.CreateGauge("gateway_sublink_open", "1 when the bundle member is open.", "bundle", "sublink");
        var subRtt = f.CreateGauge("gateway_sublink_rtt_milliseconds", "Round trip of the member's LQR or echo.", "bundle", "sublink");
        var subLoss = f.CreateGauge("gateway_sublink_loss_percent", "Loss measured by LQR.", "bundle", "sublink", "direction");
        var subEncrypted = f.CreateGauge("gateway_sublink_encrypted", "1 when the member's datagrams are sealed (its first handshake completed), else 0.", "bundle", "sublink");
        var subKeyAge = f.CreateGauge("gateway_sublink_key_age_seconds", "Age of the member's current keys (replaced every two minutes).", "bundle", "sublink");
        var subRejected = f.CreateCounter("gateway_sublink_rejected_datagrams_total", "Datagrams the encrypted member dropped, by reason (forged, replayed, for no session...).", "bundle", "sublink", "reason");
        var bundleUp = f.CreateGauge("gateway_bundle_up", "1 when the bundle is up.", "bundle");
        var bundleMembers = f.CreateGauge("gateway_bundle_members", "Member links of the bundle.", "bundle");
        var bundleStalled = f.CreateGauge("gateway_bundle_stalled_seconds", "Seconds since the last reassembled packet while fragments keep arriving on the members; 0 when the bundle delivers or is idle.", "bundle");
        var bundleBringUp = f.CreateGauge("gateway_bundle_bringup_seconds", "How long IPCP took to open the last time the bundle came up, from its first member's joining (authentication done).", "bundle");
        var bundleOctets = f.CreateCounter("gateway_bundle_octets_total", "Octets carried by the bundle.", "bundle", "direction");
        var goodput = f.CreateGauge("gateway_bundle_goodput_bits_per_second", "Traffic generator goodput through the bundle.", "bundle");
        var probeRtt = f.CreateGauge("gateway_bundle_probe_rtt_milliseconds", "Round trip of the traffic generator's probes.", "bundle");
        var probeLoss = f.CreateGauge("gateway_bundle_probe_loss_percent", "Probes not answered.", "bundle");
        var reassembled = f.CreateCounter("gateway_bundle_packets_reassembled_total", "Packets reassembled (RFC 1990 4.1).", "bundle");
        var lost = f.CreateCounter("gateway_bundle_packets_lost_total", "Packets given up as lost by the reassembler.", "bundle");
        var reorder = f.CreateGauge("gateway_bundle_reorder_depth", "Fragments waiting for reordering.", "bundle");
        var clients = f.CreateGauge("gateway_dashboard_clients", "Connected dashboard (SignalR) clients.");
        var updates = f.CreateCounter("gateway_dashboard_updates_total", "Batched updates sent to dashboard clients.");
        var busy = f.CreateCounter("gateway_dashboard_busy_skips_total", "Update rounds a client was skipped because its previous update was still being written.");
        var events = f.CreateCounter("gateway_status_events_total", "Status events received from the actors.");
        f.CreateGauge("gateway_info", "The role this process runs.", "role").WithLabels(role.Name).Set(1);

        Registry.AddBeforeCollectCallback(() =>
        {
            var (snapshot, _) = board.Snapshot(role.Name);
            foreach (var l in snapshot.Links)
            {
                linkUp.WithLabels(l.Name).Set(l.State == IspLinkState.Up ? 1 : 0);
                Counters(linkOctets, linkFrames, l.Counters, l.Name);
                linkErrors.WithLabels(l.Name).IncTo(l.Counters.Errors);
                linkDials.WithLabels(l.Name).IncTo(l.DialAttempts);
                linkRate.WithLabels(l.Name, "in").Set(l.Counters.BitsPerSecondIn);
                linkRate.WithLabels(l.Name, "out").Set(l.Counters.BitsPerSecondOut);
            }
            foreach (var s in snapshot.Sublinks)
            {
                subOpen.WithLabels(s.Bundle, s.Name).Set(s.State == SublinkState.Open ? 1 : 0);
                SetOrOmit(subRtt, s.Quality?.RoundTripMs, s.Bundle, s.Name);
                SetOrOmit(subLoss, s.Quality?.InboundLossPercent, s.Bundle, s.Name, "in");
                SetOrOmit(subLoss, s.Quality?.OutboundLossPercent, s.Bundle, s.Name, "out");
                subEncrypted.WithLabels(s.Bundle, s.Name).Set(s.Encryption.Encrypted ? 1 : 0);
                SetOrOmit(subKeyAge, s.Encryption.KeyAgeSeconds, s.Bundle, s.Name);
                if (s.Encryption.Enabled)
                {
                    foreach (var (reason, count) in Reasons(s.Encryption.Rejected))
                        subRejected.WithLabels(s.Bundle, s.Name, reason).IncTo(count);
                }
            }
            foreach (var b in snapshot.Bundles)
            {
                bundleUp.WithLabels(b.Name).Set(b.Up ? 1 : 0);
                bundleMembers.WithLabels(b.Name).Set(b.Members.Count);
                bundleStalled.WithLabels(b.Name).Set(b.Stall?.Seconds ?? 0);
                SetOrOmit(bundleBringUp, b.BringUpSeconds, b.Name);
                bundleOctets.WithLabels(b.Name, "in").IncTo(b.Counters.OctetsIn);
                bundleOctets.WithLabels(b.Name, "out").IncTo(b.Counters.OctetsOut);
                goodput.WithLabels(b.Name).Set(b.Traffic?.GoodputBitsPerSecond ?? 0);
                SetOrOmit(probeRtt, b.Traffic?.ProbeRoundTripMs, b.Name);
                probeLoss.WithLabels(b.Name).Set(b.Traffic?.ProbeLossPercent ?? 0);
                reassembled.WithLabels(b.Name).IncTo(b.Reassembly.PacketsReassembled);
                lost.WithLabels(b.Name).IncTo(b.Reassembly.PacketsLost);
                reorder.WithLabels(b.Name).Set(b.Reassembly.ReorderDepth);
            }
            clients.Set(feed.ClientCount);
            updates.IncTo(feed.UpdatesSent);
            busy.IncTo(feed.TicksSkippedBusy);
            events.IncTo(board.EventsApplied);
        });
    }

    /// <summary>
    /// A figure nobody measured (echo gives no inbound loss, no probe answered yet) is left out rather than exported
    /// as NaN, which Prometheus stores and every sum or average over it then becomes.
    /// </summary>
    private static void SetOrOmit(Gauge gauge, double? value, params string[] labels)
    {
        if (value is { } v && double.IsFinite(v))
            gauge.WithLabels(labels).Set(v);
        else
            gauge.RemoveLabelled(labels);
    }

    /// <summary>The rejection counters by the reason label <c>/metrics</c> gives them (<see cref="Gateway.Core.Crypto.DatagramStatus"/>).</summary>
    private static IEnumerable<(string Reason, long Count)> Reasons(RejectedDatagrams r) =>
    [
        ("malformed", r.Malformed), ("unknown_session", r.UnknownSession), ("bad_tag", r.BadTag), ("replay", r.Replay),
        ("expired", r.Expired), ("bad_mac1", r.BadMac1), ("unknown_peer", r.UnknownPeer), ("rate_limited", r.RateLimited),
    ];

    private static void Counters(Counter octets, Counter frames, LinkCounters c, string name)
    {
        octets.WithLabels(name, "in").IncTo(c.OctetsIn);
        octets.WithLabels(name, "out").IncTo(c.OctetsOut);
        frames.WithLabels(name, "in").IncTo(c.FramesIn);
        frames.WithLabels(name, "out").IncTo(c.FramesOut);
    }
}
