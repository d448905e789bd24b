using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Event;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Gateway.Core.Actors.Cluster;

namespace Gateway.Web.Cluster;

/// <summary>
/// <c>Gateway:Cluster</c>: a receiver that runs as one node of an Akka.Cluster (issue 14; docs/CONFIG.md "Receiver
/// cluster"). Without <c>Gateway:Cluster:SeedNodes</c> the receiver runs alone, exactly as before.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>Hostname</c>: the address Akka.Remote binds (default <c>0.0.0.0</c>); <c>PublicHostname</c>: the address the
/// other nodes reach this one at (default <c>Hostname</c>; needed when <c>Hostname</c> is <c>0.0.0.0</c>).</item>
/// <item><c>Port</c>: Akka.Remote's TCP port (default <see cref="DefaultPort"/>).</item>
/// <item><c>SeedNodes</c>: the nodes a starting node contacts, as <c>HOST:PORT</c> or a whole
/// <c>akka.tcp://gateway@HOST:PORT</c>; the first node lists itself first.</item>
/// <item><c>SplitBrain:Strategy</c>: <c>keep-majority</c> (default), <c>static-quorum</c> (with
/// <c>SplitBrain:QuorumSize</c>) or <c>keep-oldest</c>; <c>SplitBrain:StableAfter</c>: how long membership must be
/// unchanged before the resolver downs the unreachable side (default 0.5 s; Akka's is 20 s).</item>
/// <item><c>FailureDetector:HeartbeatInterval</c> and <c>FailureDetector:AcceptableHeartbeatPause</c>: Akka's cluster
/// failure detector (defaults 250 ms and 1 s; Akka's are 1 s and 3 s).</item>
/// </list>
/// </remarks>
public sealed record ReceiverClusterSettings
{
    public const string Section = "Gateway:Cluster";

    /// <summary>The name of every node's actor system: part of every cluster address.</summary>
    public const string SystemName = "gateway";

    /// <summary>Akka.Remote's port when <c>Gateway:Cluster:Port</c> is not given (Akka.NET's customary cluster port).</summary>
    public const int DefaultPort = 4053;

    /// <summary>The role every receiver node has in the cluster.</summary>
    public const string Role = "receiver";

    public string Hostname { get; init; } = "0.0.0.0";

    public string? PublicHostname { get; init; }

    public int Port { get; init; } = DefaultPort;

    public IReadOnlyList<string> SeedNodes { get; init; } = [];

    public string Strategy { get; init; } = "keep-majority";

    public int QuorumSize { get; init; }

    public TimeSpan StableAfter { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// <c>FailureDetector:HeartbeatInterval</c>: how often each node heartbeats the nodes that watch it (Akka's
    /// <c>akka.cluster.failure-detector.heartbeat-interval</c>; default 250 ms, Akka's is 1 s). Below 1 s the cluster's gossip,
    /// leader actions and unreachable reaper run at the same pace (Akka's default for each is 1 s), and so do the shard
    /// regions' retries to find a shard's new home (Akka's <c>akka.cluster.sharding.retry-interval</c>, 2 s by default),
    /// so that a node's removal spreads, and its bundles move, as fast as its failure is detected.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// <c>FailureDetector:AcceptableHeartbeatPause</c>: how long heartbeats may stop before a node is unreachable
    /// (Akka's <c>acceptable-heartbeat-pause</c>; default 1 s, Akka's is 3 s). With <see cref="StableAfter"/> it sets how
    /// long a dead node's bundles wait before they form again elsewhere: the defaults are chosen for nodes in one data
    /// centre, where they move a dead node's bundles within 5 s (docs/DESIGN.md, "Cluster failover time").
    /// </summary>
    public TimeSpan AcceptableHeartbeatPause { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// <c>Gateway:Cluster:ShardBundles</c>: bundles are sharded entities of the cluster (<see cref="BundleEntity"/>), so a
    /// gateway's sublinks may land on different nodes and still form one bundle; false (the default): each node keeps
    /// the bundles of the sublinks that reach it, and a node left alone by its peers goes on serving them (with sharding
    /// it could place no bundle: docs/DESIGN.md, "sharded bundles: a sublink without a bundle").
    /// </summary>
    public bool ShardBundles { get; init; }

    /// <summary>True when the configuration asks for a cluster (<c>Gateway:Cluster:SeedNodes</c> has an entry).</summary>
    public static bool IsConfigured(IConfiguration configuration) =>
        configuration.GetSection(Section + ":SeedNodes").GetChildren().Any() || configuration[Section + ":SeedNodes"] is { Length: > 0 };

    /// <summary>Reads <c>Gateway:Cluster</c>; every problem is added to <paramref name="errors"/> with the key it is under.</summary>
    public static ReceiverClusterSettings Read(IConfiguration configuration, List<string> errors)
    {
        var section = configuration.GetSection(Section);
        var settings = new ReceiverClusterSettings();
        if (section["Hostname"] is { Length: > 0 } host)
            settings = settings with { Hostname = host };
        if (section["PublicHostname"] is { Length: > 0 } publicHost)
            settings = settings with { PublicHostname = publicHost };
        if (section["Port"] is { } portText)
        {
            if (int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and <= 65535)
                settings = settings with { Port = port };
            else
                errors.Add($"{Section}:Port: '{portText}' is not a TCP port (1-65535)");
        }

        // SeedNodes as an array (SeedNodes:0, SeedNodes:1, ...: appsettings.json, --Gateway:Cluster:SeedNodes:0=...) or as one
        // comma-separated value (an environment variable).
        var seedTexts = section.GetSection("SeedNodes").GetChildren().Select(c => c.Value ?? "").ToList();
        if (seedTexts.Count == 0 && section["SeedNodes"] is { } joined)
            seedTexts = joined.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        var seeds = new List<string>();
        foreach (var text in seedTexts)
        {
            if (TrySeedAddress(text, out var address))
                seeds.Add(address);
            else
                errors.Add($"{Section}:SeedNodes: '{text}' is neither HOST:PORT nor akka.tcp://{SystemName}@HOST:PORT");
        }
        settings = settings with { SeedNodes = seeds };

        if (section.GetSection("SplitBrain")["Strategy"] is { } strategy)
        {
            if (strategy is "keep-majority" or "static-quorum" or "keep-oldest")
                settings = settings with { Strategy = strategy };
            else
                errors.Add($"{Section}:SplitBrain:Strategy: '{strategy}' is not keep-majority, static-quorum or keep-oldest");
        }
        if (section.GetSection("SplitBrain")["QuorumSize"] is { } quorumText)
        {
            if (int.TryParse(quorumText, NumberStyles.None, CultureInfo.InvariantCulture, out int quorum) && quorum >= 1)
                settings = settings with { QuorumSize = quorum };
            else
                errors.Add($"{Section}:SplitBrain:QuorumSize: '{quorumText}' is not a number of nodes");
        }
        if (settings.Strategy == "static-quorum" && settings.QuorumSize == 0)
            errors.Add($"{Section}:SplitBrain:QuorumSize: static-quorum needs it (more than half of the nodes)");
        if (Duration(section, "SplitBrain:StableAfter", errors) is { } stable)
            settings = settings with { StableAfter = stable };
        if (Duration(section, "FailureDetector:HeartbeatInterval", errors) is { } heartbeat)
            settings = settings with { HeartbeatInterval = heartbeat };
        if (Duration(section, "FailureDetector:AcceptableHeartbeatPause", errors) is { } pause)
            settings = settings with { AcceptableHeartbeatPause = pause };
        if (section["ShardBundles"] is { } shardText)
        {
            if (bool.TryParse(shardText, out bool shard))
                settings = settings with { ShardBundles = shard };
            else
                errors.Add($"{Section}:ShardBundles: '{shardText}' is neither true nor false");
        }
        if (settings.PublicHostname is null && settings.Hostname is "0.0.0.0" or "::")
            errors.Add($"{Section}:PublicHostname: needed when {Section}:Hostname is {settings.Hostname} (the address the other nodes reach this one at)");
        return settings;
    }

    /// <summary>A positive duration (hh:mm:ss[.fff]) under <paramref name="key"/>, null when it is not there or is wrong (added to <paramref name="errors"/>).</summary>
    private static TimeSpan? Duration(IConfigurationSection section, string key, List<string> errors)
    {
        if (section[key] is not { } text)
            return null;
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var duration) && duration > TimeSpan.Zero)
            return duration;
        errors.Add($"{Section}:{key}: '{text}' is not a duration (hh:mm:ss)");
        return null;
    }

    /// <summary>
    /// The message for a node that could not start its cluster transport (the port taken, the address not this
    /// machine's), or null when <paramref name="e"/> is something else. Akka wraps the socket's error in several layers.
    /// </summary>
    public static string? StartFailure(Exception e)
    {
        var all = new List<Exception>();
        void Walk(Exception x)
        {
            all.Add(x);
            if (x is AggregateException aggregate)
                aggregate.InnerExceptions.ToList().ForEach(Walk);
            else if (x.InnerException is { } inner)
                Walk(inner);
        }
        Walk(e);
        if (all.OfType<Akka.Remote.RemoteTransportException>().FirstOrDefault() is not { } transport)
            return null;
        var socket = all.OfType<System.Net.Sockets.SocketException>().FirstOrDefault();
        return $"{Section}: {transport.Message.Replace(" See InnerException for details.", "", StringComparison.Ordinal).TrimEnd('.')}" +
               (socket is null ? "" : $": {socket.Message}") + $" (set {Section}:Hostname and {Section}:Port)";
    }

    /// <summary>This node's own cluster address.</summary>
    public string SelfAddress => $"akka.tcp://{SystemName}@{PublicHostname ?? Hostname}:{Port}";

    /// <summary><c>HOST:PORT</c> (IPv6 in brackets) or an <c>akka.tcp://gateway@HOST:PORT</c> address, as an Akka address.</summary>
    internal static bool TrySeedAddress(string text, out string address)
    {
        address = "";
        text = text.Trim();
        if (text.StartsWith("akka.tcp://", StringComparison.Ordinal))
        {
            try
            {
                var parsed = Address.Parse(text);
                if (parsed.System != SystemName || parsed.Host is null || parsed.Port is null)
                    return false;
                address = parsed.ToString();
                return true;
            }
            catch (UriFormatException)
            {
                return false;
            }
        }
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            return false;
        var host = text[..colon];
        if (host.Contains(':') && !(host.StartsWith('[') && host.EndsWith(']')))
            return false;
        if (host.Length == 0 || host.Any(char.IsWhiteSpace) || host.Contains('/') || host.Contains('@'))
            return false;
        address = $"akka.tcp://{SystemName}@{host}:{port}";
        return true;
    }

    private SplitBrainResolverOption Resolver() => Strategy switch
    {
        "static-quorum" => new StaticQuorumOption { QuorumSize = QuorumSize, Role = Role },
        "keep-oldest" => new KeepOldestOption { DownIfAlone = true, Role = Role },
        _ => new KeepMajorityOption { Role = Role },
    };

    /// <summary>
    /// The address leases' replication at scale (docs/BENCHMARKS.md, "Receiver cluster scale"): Akka.DistributedData
    /// sends the deltas of up to <c>max-delta-elements</c> keys (Akka: 500) in one message, which with 10,000 gateways
    /// joining grew past Akka.Remote's 128,000-byte frame and was discarded, so leases spread only by gossip. Fewer keys
    /// a message, and frames of up to 1 MiB.
    /// </summary>
    public const string LeaseReplicationHocon = """
        akka.cluster.distributed-data.max-delta-elements = 64
        akka.remote.dot-netty.tcp.maximum-frame-size = 1048576b
        """;

    /// <summary>
    /// Akka.Remote on <see cref="Hostname"/>:<see cref="Port"/>, Akka.Cluster with the seed nodes and the split-brain
    /// resolver. A node that is downed (the minority side of a partition, or the last one left) does not shut its actor
    /// system down, as Akka would: every bundle of a receiver node is its own, so its receiver goes on serving them
    /// outside the cluster, and says so (<see cref="ClusterStatus.Downed"/>, an error in the log) until it is restarted
    /// (docs/DESIGN.md, "a downed receiver node").
    /// </summary>
    public AkkaConfigurationBuilder Apply(AkkaConfigurationBuilder builder)
    {
        // Gossip, leader actions, the reaper (Akka: 1 s each) and the regions' retries (2 s) at the heartbeat's pace below those.
        long pace = (long)HeartbeatInterval.TotalMilliseconds;
        return builder
            .AddHocon(string.Create(CultureInfo.InvariantCulture, $"""
                akka.cluster.split-brain-resolver.stable-after = {(long)StableAfter.TotalMilliseconds}ms
                akka.cluster.failure-detector.heartbeat-interval = {pace}ms
                akka.cluster.failure-detector.acceptable-heartbeat-pause = {(long)AcceptableHeartbeatPause.TotalMilliseconds}ms
                akka.cluster.gossip-interval = {Math.Min(1000, pace)}ms
                akka.cluster.leader-actions-interval = {Math.Min(1000, pace)}ms
                akka.cluster.unreachable-nodes-reaper-interval = {Math.Min(1000, pace)}ms
                akka.cluster.sharding.retry-interval = {Math.Min(2000, pace)}ms
                {LeaseReplicationHocon}
                """) +
                "\nakka.cluster.run-coordinated-shutdown-when-down = off\n" + MemberRelaySerializer.Hocon, HoconAddMode.Prepend)
            .AddStartup((system, _) => Akka.Cluster.Cluster.Get(system).RegisterOnMemberRemoved(() =>
            {
                // Removed while it runs on: downed. A node that leaves (SIGTERM, a rolling restart) is removed as well.
                if (!system.WhenTerminated.IsCompleted && CoordinatedShutdown.Get(system).ShutdownReason is null)
                    system.Log.Error("cluster: {0}", ClusterStatus.DownedNote);
            }))
            .WithRemoting(new RemoteOptions { HostName = Hostname, Port = Port, PublicHostName = PublicHostname })
            .WithClustering(new ClusterOptions
            {
                Roles = [Role],
                SeedNodes = SeedNodes.ToArray(),
                SplitBrainResolver = Resolver(),
            });
    }
}
