using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Core.Status;
using Gateway.Web.Security;

namespace Gateway.Tests.Support;

/// <summary>The REST API of a running gateway (in this process or another), and waits on what it reports.</summary>
public sealed class GatewayApi(Uri baseAddress, string? password)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public Uri BaseAddress => baseAddress;

    public HttpClient Client(bool asOperator = true)
    {
        var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(20) };
        if (asOperator && password is not null)
            client.DefaultRequestHeaders.Authorization = Basic(password);
        return client;
    }

    public static AuthenticationHeaderValue Basic(string password, string user = OperatorCredentials.UserName) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    public async Task<IspLinkStatus> LinkAsync(string name)
    {
        using var client = Client();
        var links = await client.GetFromJsonAsync<IspLinkStatus[]>("api/links", Json);
        return links!.Single(l => l.Name == name);
    }

    public async Task<BundleStatus> BundleAsync(string name)
    {
        using var client = Client();
        var bundles = await client.GetFromJsonAsync<BundleStatus[]>("api/bundles", Json);
        return bundles!.Single(b => b.Name == name);
    }

    /// <summary><c>POST /api/links/{name}/{verb}</c> as the operator (dial, close, down).</summary>
    public async Task CommandAsync(string name, string verb)
    {
        using var client = Client();
        (await client.PostAsync($"api/links/{name}/{verb}", null)).EnsureSuccessStatusCode();
    }

    /// <summary>Polls the REST API until the link reaches the state, or fails after the timeout.</summary>
    public async Task WaitForLinkStateAsync(string name, IspLinkState state, TimeSpan timeout)
    {
        IspLinkStatus? last = null;
        if (await PollAsync(async client =>
            {
                var links = await client.GetFromJsonAsync<IspLinkStatus[]>("api/links", Json);
                last = links!.SingleOrDefault(l => l.Name == name);
                return last?.State == state;
            }, timeout))
            return;
        Assert.Fail($"{name} is {last?.State}, not {state}, after {timeout}");
    }

    /// <summary>Polls the REST API until the bundle meets the condition, or fails after the timeout.</summary>
    public async Task WaitForBundleAsync(string name, Func<BundleStatus, bool> condition, TimeSpan timeout)
    {
        BundleStatus? last = null;
        if (await PollAsync(async client =>
            {
                var bundles = await client.GetFromJsonAsync<BundleStatus[]>("api/bundles", Json);
                last = bundles!.SingleOrDefault(b => b.Name == name);
                return last is not null && condition(last);
            }, timeout))
            return;
        Assert.Fail($"bundle {name} did not reach the expected state after {timeout}; last: {last}");
    }

    /// <summary>Polls <c>GET /api/sublinks</c> until the sublinks meet the condition, or fails after the timeout.</summary>
    public async Task<SublinkStatus[]> WaitForSublinksAsync(Func<SublinkStatus[], bool> condition, TimeSpan timeout)
    {
        SublinkStatus[]? last = null;
        if (await PollAsync(async client =>
            {
                last = await client.GetFromJsonAsync<SublinkStatus[]>("api/sublinks", Json);
                return last is not null && condition(last);
            }, timeout))
            return last!;
        Assert.Fail($"the sublinks did not reach the expected state after {timeout}; last: {(last is null ? "none" : JsonSerializer.Serialize(last, Json))}");
        return last!;
    }

    /// <summary>Polls <c>GET /api/cluster</c> until the cluster as this node sees it meets the condition, or fails after the timeout.</summary>
    public async Task<Gateway.Web.Cluster.ClusterStatus> WaitForClusterAsync(Func<Gateway.Web.Cluster.ClusterStatus, bool> condition, TimeSpan timeout)
    {
        Gateway.Web.Cluster.ClusterStatus? last = null;
        if (await PollAsync(async client =>
            {
                last = await client.GetFromJsonAsync<Gateway.Web.Cluster.ClusterStatus>("api/cluster", Json);
                return last is not null && condition(last);
            }, timeout))
            return last!;
        Assert.Fail($"the cluster at {baseAddress} did not reach the expected state after {timeout}; last: {(last is null ? "none" : JsonSerializer.Serialize(last, Json))}");
        return last!;
    }

    /// <summary>Asks every 50 ms until <paramref name="done"/> says so; a refused connection (the server still starting) counts as not yet.</summary>
    private async Task<bool> PollAsync(Func<HttpClient, Task<bool>> done, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        do
        {
            using var client = Client();
            try
            {
                if (await done(client))
                    return true;
            }
            catch (HttpRequestException)
            {
            }
        }
        while (await WaitTick(timer, cts.Token));
        return false;
    }

    private static async Task<bool> WaitTick(PeriodicTimer timer, CancellationToken token)
    {
        try
        {
            return await timer.WaitForNextTickAsync(token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
