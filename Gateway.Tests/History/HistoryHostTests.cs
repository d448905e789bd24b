using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Status;
using Gateway.Tests.Web;
using Gateway.Web.History;
using Microsoft.AspNetCore.SignalR.Client;
using static Gateway.Tests.History.HistoryTestSupport;

namespace Gateway.Tests.History;

/// <summary>The history in the real host (the demo): kept across a restart, fed by the status stream and the operator's commands, read over REST.</summary>
[Collection("Demo")]
public sealed class HistoryHostTests : IAsyncLifetime
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private readonly string directory = NewDirectory("gateway-history-host");

    [Fact]
    public async Task History_survives_a_restart_of_the_process_on_the_same_data_directory()
    {
        var firstStart = DateTimeOffset.UtcNow.AddMinutes(-1);
        await using (var first = await WebTestHost.StartAsync(extraOptions: ["--data", directory]))
        {
            var status = await StatusAsync(first);
            Assert.Equal(("sqlite", Path.Combine(directory, HistoryOptions.DatabaseFileName)), (status.Backend, status.Location));
            await WaitUntilAsync(async () => (await EventsAsync(first, "link=isp1")).Any(e => e.Kind == HistoryEventKind.Up), "isp1's up is written", Generous);
            // Retention runs once the schema is in place, and measures it.
            await WaitUntilAsync(async () => (await StatusAsync(first)) is { LastRetention: not null, UsedBytes: > 0 }, "the first retention run", Generous);
        }
        var secondStart = DateTimeOffset.UtcNow;

        await using var second = await WebTestHost.StartAsync(extraOptions: ["--data", directory]);

        var before = $"from={Iso(firstStart)}&to={Iso(secondStart)}";
        Assert.Contains(await EventsAsync(second, $"link=isp1&{before}"), e => e.Kind == HistoryEventKind.Up);
        // The first run's last minutes were written as it stopped: the writer outlives the actors.
        var stats = await GetAsync<StatsPoint[]>(second, $"stats?link=isp1&scope=Link&{before}");
        Assert.Contains(stats, p => p.OctetsIn > 0 && p.Samples > 0);
    }

    [Fact]
    public async Task An_operators_close_and_the_failover_it_causes_are_kept_with_who_and_from_where()
    {
        await using var host = await WebTestHost.StartAsync(extraOptions: ["--data", directory]);
        using var operatorClient = host.Client(WebTestHost.Password);
        using var stranger = host.Client();

        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.PostAsync("api/links/isp2/close", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PostAsync("api/links/isp2/close", null)).StatusCode);

        await WaitUntilAsync(async () => (await EventsAsync(host, "scope=Operator")).Any(e =>
            e is { Name: "isp2", State: "close", Operator: "operator", Address: "127.0.0.1" } && e.Detail!.StartsWith("200", StringComparison.Ordinal)),
            "the command is written with the operator and the address", Generous);
        Assert.Contains(await EventsAsync(host, "scope=Operator"), e => e is { Name: "isp2", State: "close", Operator: null, Detail: "401 Unauthorized" });
        FailoverEpisode? episode = null;
        await WaitUntilAsync(async () => (episode = (await GetAsync<FailoverEpisode[]>(host, "failovers?bundle=vpn")).FirstOrDefault()) is not null,
            "the failover episode is written", Generous);
        Assert.Equal(4, episode!.MembersBefore);
        Assert.Null(episode.Ended);

        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PostAsync("api/links/isp2/dial", null)).StatusCode);
        await WaitUntilAsync(async () => (await GetAsync<FailoverEpisode[]>(host, "failovers?bundle=vpn")).Single().Ended is not null,
            "the episode ends when the bundle has four members again", Generous);

        using var client = host.Client();
        var csv = await client.GetStringAsync("api/history/failovers?bundle=vpn&format=csv");
        Assert.StartsWith("node,bundle,started,ended,members_before,members_lost,cause,gap_ms,probes_lost\r\n", csv);
        Assert.Equal(2, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task A_command_from_the_hub_is_kept_and_the_api_is_documented_and_refuses_a_bad_window_or_step()
    {
        await using var host = await WebTestHost.StartAsync(extraOptions: ["--data", directory]);
        using var client = host.Client();

        // A command from the dashboard's hub is recorded too (dial on a link that is up changes nothing).
        await using (var hub = host.Hub(WebTestHost.Password))
        {
            await hub.StartAsync();
            var answer = await hub.InvokeAsync<LinkCommandResult>("Dial", "isp1");
            await WaitUntilAsync(async () => (await EventsAsync(host, "scope=Operator")).Any(e =>
                e is { Name: "isp1", State: "dial", Operator: "operator", Address: "127.0.0.1" } && e.Detail == answer.Message), "the hub's dial is written", Generous);
        }

        using var openApi = JsonDocument.Parse(await client.GetStringAsync("openapi/v1.json"));
        var paths = openApi.RootElement.GetProperty("paths");
        foreach (var path in new[] { "events", "stats", "failovers" })
        {
            var content = paths.GetProperty($"/api/history/{path}").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content");
            Assert.True(content.TryGetProperty("text/csv", out _), $"{path}: CSV documented");
            Assert.True(content.TryGetProperty("application/json", out _), $"{path}: JSON documented");
        }
        Assert.True(paths.TryGetProperty("/api/history/status", out _));

        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("api/history/stats?step=30s")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"api/history/events?from={Iso(DateTimeOffset.UtcNow)}&to={Iso(DateTimeOffset.UtcNow.AddHours(-1))}")).StatusCode);
        var csv = await client.GetAsync("api/history/stats?format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("time,node,scope,name,bundle,samples,", await csv.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Without_a_usable_database_the_gateway_runs_and_says_history_is_unavailable()
    {
        var blocked = Path.Combine(directory, "a-file");
        File.WriteAllText(blocked, "the data directory cannot be made below a file");

        // StartAsync waits until all four links and the bundle are up: forwarding does not depend on the store.
        await using var host = await WebTestHost.StartAsync(extraOptions: ["--data", Path.Combine(blocked, "data")]);

        HistoryStatus? status = null;
        await WaitUntilAsync(async () => (status = await StatusAsync(host)).State == HistoryState.Unavailable, "history is reported unavailable", Generous);
        Assert.False(status!.Available);
        Assert.NotNull(status.LastError);
        using var client = host.Client();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("api/history/events")).StatusCode);
        await WaitUntilAsync(async () => (await StatusAsync(host)).RecordsQueued > 0, "records wait for the store", Generous);
        var link = await host.LinkAsync("isp1");
        Assert.Equal(IspLinkState.Up, link.State);
    }

    [Fact]
    public async Task A_database_made_read_only_mid_run_stops_the_history_not_the_forwarding_and_writing_resumes_after()
    {
        await using var host = await WebTestHost.StartAsync(extraOptions: ["--data", directory]);
        var file = Path.Combine(directory, HistoryOptions.DatabaseFileName);
        await WaitUntilAsync(async () => (await StatusAsync(host)).RecordsWritten > 0, "history is written", Generous);

        SetReadOnly(file, true);
        try
        {
            await WaitUntilAsync(async () => (await StatusAsync(host)).State == HistoryState.Unavailable, "history is reported unavailable", Generous);
            long answered = -1;
            await host.WaitForBundleAsync("vpn", b => (answered = b.Traffic?.ProbesAnswered ?? -1) >= 0, Generous);
            // Forwarding goes on while the store fails: the probes keep being answered.
            await host.WaitForBundleAsync("vpn", b => b.Traffic?.ProbesAnswered > answered + 20, Generous);
            Assert.False((await StatusAsync(host)).Available);
        }
        finally
        {
            SetReadOnly(file, false);
        }
        long written = (await StatusAsync(host)).RecordsWritten;
        await WaitUntilAsync(async () => (await StatusAsync(host)) is { Available: true } s && s.RecordsWritten > written, "writing resumes", Generous);
    }

    private static async Task<HistoryStatus> StatusAsync(WebTestHost host) => await GetAsync<HistoryStatus>(host, "status");

    private static async Task<HistoryEvent[]> EventsAsync(WebTestHost host, string query) => await GetAsync<HistoryEvent[]>(host, $"events?{query}");

    private static async Task<T> GetAsync<T>(WebTestHost host, string pathAndQuery)
    {
        using var client = host.Client();
        return (await client.GetFromJsonAsync<T>($"api/history/{pathAndQuery}", WebTestHost.Json))!;
    }

    private static string Iso(DateTimeOffset time) => Uri.EscapeDataString(time.ToString("O"));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        DeleteDirectory(directory);
        return Task.CompletedTask;
    }
}
