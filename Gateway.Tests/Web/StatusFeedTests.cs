using Gateway.Core.Status;
using Gateway.Web.Status;
using Microsoft.AspNetCore.SignalR;

namespace Gateway.Tests.Web;

/// <summary>
/// The feed's batching, tick by tick (no timers): each idle client gets what changed, a busy (slow) client is
/// skipped and later gets one update with the latest of everything, and never holds up the others.
/// </summary>
public sealed class StatusFeedTests
{
    private readonly StatusBoard board = new();
    private readonly FakeHub hub = new();
    private readonly StatusFeed feed;

    public StatusFeedTests() => feed = new StatusFeed(board, hub, new GatewayRoleInfo("demo"));

    private static IspLinkChanged Link(string name, int dials) =>
        new(new IspLinkStatus(name, IspLinkState.Up, "/dev/ttyS0", null, dials, null, null, null, null, LinkCounters.Zero));

    [Fact]
    public void A_client_gets_only_what_changed_since_it_joined_and_nothing_when_nothing_changed()
    {
        board.Apply(Link("isp1", 1));
        var (snapshot, version) = feed.SnapshotForNewClient();
        Assert.Single(snapshot.Links);
        feed.Join("a", version);

        feed.Tick();
        Assert.Empty(hub.Sent("a"));

        board.Apply(Link("isp2", 1));
        feed.Tick();
        var update = Assert.Single(hub.Sent("a"));
        Assert.Equal("isp2", Assert.Single(update.Links).Name);
    }

    [Fact]
    public void Many_changes_between_ticks_make_one_update_with_the_latest_values()
    {
        feed.Join("a", board.Version);
        for (var i = 1; i <= 1000; i++)
            board.Apply(Link("isp1", i));
        board.Apply(new LogWritten(new LogEntry(DateTimeOffset.UnixEpoch, "isp1", LogSeverity.Information, "up")));

        feed.Tick();
        var update = Assert.Single(hub.Sent("a"));
        Assert.Equal(1000, Assert.Single(update.Links).DialAttempts);
        Assert.Single(update.Log);
    }

    [Fact]
    public void A_slow_client_is_skipped_while_busy_and_does_not_hold_up_the_others()
    {
        feed.Join("slow", board.Version);
        feed.Join("fast", board.Version);
        hub.Block("slow");

        for (var round = 1; round <= 5; round++)
        {
            board.Apply(Link("isp1", round));
            feed.Tick();
        }
        Assert.Equal(5, hub.Sent("fast").Count);
        Assert.Single(hub.Sent("slow")); // the first, still being written
        Assert.Equal(4, feed.TicksSkippedBusy);
        Assert.Equal(4, feed.GreatestLag);

        hub.Release("slow");
        feed.Tick();
        var catchUp = hub.Sent("slow")[^1];
        Assert.Equal(2, hub.Sent("slow").Count);
        Assert.Equal(5, Assert.Single(catchUp.Links).DialAttempts); // only the latest, not four queued updates
        Assert.Equal(0, feed.GreatestLag);
    }

    [Fact]
    public void Removed_bundles_and_sublinks_are_sent_as_removals()
    {
        board.Apply(new BundleChanged(new BundleStatus("vpn", true, [], 1500, null, null, null,
            new ReassemblyStatus(0, 0, 0, 0, 0, 0, 0, 0), null, LinkCounters.Zero)));
        feed.Join("a", board.Version);
        board.Apply(new BundleRemoved("vpn"));
        board.Apply(new SublinkRemoved("vpn", "1"));

        feed.Tick();
        var update = Assert.Single(hub.Sent("a"));
        Assert.Equal(["vpn"], update.RemovedBundles);
        Assert.Equal([new SublinkKey("vpn", "1")], update.RemovedSublinks);
        Assert.Empty(update.Bundles);
        Assert.Empty(board.Snapshot("demo").Snapshot.Bundles);
    }

    [Fact]
    public void The_board_keeps_only_the_last_log_lines()
    {
        for (var i = 0; i < StatusBoard.LogCapacity + 50; i++)
            board.Apply(new LogWritten(new LogEntry(DateTimeOffset.UnixEpoch, "x", LogSeverity.Information, i.ToString())));
        var log = board.Snapshot("demo").Snapshot.RecentLog;
        Assert.Equal(StatusBoard.LogCapacity, log.Count);
        Assert.Equal("50", log[0].Message);
    }

    [Fact]
    public void A_client_that_left_gets_nothing_more()
    {
        feed.Join("a", board.Version);
        feed.Leave("a");
        board.Apply(Link("isp1", 1));
        feed.Tick();
        Assert.Empty(hub.Sent("a"));
        Assert.Equal(0, feed.ClientCount);
    }

    /// <summary>Records what each connection was sent; a blocked connection's writes do not complete until released.</summary>
    private sealed class FakeHub : IHubContext<StatusHub, IStatusClient>, IHubClients<IStatusClient>
    {
        private readonly Dictionary<string, List<StatusUpdate>> sent = new();
        private readonly Dictionary<string, TaskCompletionSource> blocked = new();

        public IHubClients<IStatusClient> Clients => this;
        public IGroupManager Groups => throw new NotSupportedException();

        public List<StatusUpdate> Sent(string id) => sent.TryGetValue(id, out var list) ? list : [];

        public void Block(string id) => blocked[id] = new TaskCompletionSource();

        public void Release(string id)
        {
            blocked[id].SetResult();
            blocked.Remove(id);
        }

        public IStatusClient Client(string connectionId) => new Recorder(this, connectionId);

        public IStatusClient All => throw new NotSupportedException();
        public IStatusClient AllExcept(IReadOnlyList<string> excludedConnectionIds) => throw new NotSupportedException();
        IStatusClient IHubClients<IStatusClient>.Clients(IReadOnlyList<string> connectionIds) => throw new NotSupportedException();
        public IStatusClient Group(string groupName) => throw new NotSupportedException();
        public IStatusClient GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds) => throw new NotSupportedException();
        IStatusClient IHubClients<IStatusClient>.Groups(IReadOnlyList<string> groupNames) => throw new NotSupportedException();
        public IStatusClient User(string userId) => throw new NotSupportedException();
        public IStatusClient Users(IReadOnlyList<string> userIds) => throw new NotSupportedException();

        private sealed class Recorder(FakeHub hub, string id) : IStatusClient
        {
            public Task Snapshot(GatewaySnapshot snapshot) => Task.CompletedTask;

            public Task Update(StatusUpdate update)
            {
                if (!hub.sent.TryGetValue(id, out var list))
                    hub.sent[id] = list = [];
                list.Add(update);
                return hub.blocked.TryGetValue(id, out var gate) ? gate.Task : Task.CompletedTask;
            }
        }
    }
}
