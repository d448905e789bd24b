using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Hosting;
using Gateway.Core.Status;

namespace Gateway.Web.Status;

/// <summary>
/// Pushes the <see cref="StatusBoard"/>'s changes to every connected dashboard client, at most once per
/// <see cref="Interval"/> (10 a second by default). A client whose previous update is still being written (a slow
/// browser, a full socket) is skipped on that tick and later gets one update holding the latest of everything, so
/// no queue grows per client and one slow client never delays the others.
/// </summary>
public sealed class StatusFeed(StatusBoard board, IHubContext<StatusHub, IStatusClient> hub, GatewayRoleInfo role) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentDictionary<string, Client> clients = new();
    private long updatesSent, ticksSkippedBusy, sendFailures;

    public int ClientCount => clients.Count;
    public long UpdatesSent => Interlocked.Read(ref updatesSent);
    public long TicksSkippedBusy => Interlocked.Read(ref ticksSkippedBusy);
    public long SendFailures => Interlocked.Read(ref sendFailures);

    /// <summary>The board's version minus the oldest version any client has: 0 when every client is up to date.</summary>
    public long GreatestLag
    {
        get
        {
            var now = board.Version;
            return clients.Values.Select(c => now - Volatile.Read(ref c.Version)).DefaultIfEmpty(0).Max();
        }
    }

    public (GatewaySnapshot Snapshot, long Version) SnapshotForNewClient() => board.Snapshot(role.Name);

    /// <summary>Starts feeding a client that has been sent everything up to <paramref name="version"/>.</summary>
    public void Join(string connectionId, long version) => clients[connectionId] = new Client { Version = version };

    public void Leave(string connectionId) => clients.TryRemove(connectionId, out _);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                Tick();
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One round: each idle client gets what changed since its last update.</summary>
    internal void Tick()
    {
        foreach (var (id, client) in clients)
        {
            if (client.InFlight is { IsCompleted: false })
            {
                Interlocked.Increment(ref ticksSkippedBusy);
                continue;
            }
            var (update, version) = board.ChangesSince(Volatile.Read(ref client.Version));
            if (update is null)
                continue;
            Volatile.Write(ref client.Version, version);
            client.InFlight = Send(id, update);
        }
    }

    private async Task Send(string connectionId, StatusUpdate update)
    {
        try
        {
            await hub.Clients.Client(connectionId).Update(update);
            Interlocked.Increment(ref updatesSent);
        }
        catch (Exception)
        {
            // The connection went away mid-write; OnDisconnectedAsync removes it.
            Interlocked.Increment(ref sendFailures);
        }
    }

    private sealed class Client
    {
        public long Version;
        public Task? InFlight;
    }
}

/// <summary>The role this process runs (demo, gateway, receiver), as shown to clients.</summary>
public sealed record GatewayRoleInfo(string Name);
