using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Gateway.Core.Ppp.Auth;
using Gateway.Core.Status;
using Gateway.Emulation.Isp;
using Gateway.Emulation.Modem;
using Gateway.Tests.Actors;
using Gateway.Tests.Config;
using Gateway.Tests.Support;
using Gateway.Web.Hosting;
using Xunit.Abstractions;

namespace Gateway.Tests.Web;

/// <summary>
/// <c>gateway run --label vpn</c> on the seed's own ppp.conf, ppp.linkup, ppp.linkdown and ppp.secret (only the
/// placeholders filled in): three ISP labels dial Hayes modem emulators on socat pseudo-terminals through
/// System.IO.Ports with the seed's chat script, each emulated ISP forwards the sublink's UDP to the receiver on
/// 127.0.0.1, and the sublinks form the <c>vpn</c> bundle. Dropping one ISP link closes its sublink at once and the
/// bundle carries on; dialing it again brings the sublink back.
/// </summary>
[Collection("Demo")]
public sealed class RunModemLinksTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] Isps = ["isp1", "isp2", "ispN"];
    private static readonly string[] Phones = ["1234567", "2345678", "3456789"];
    private readonly string directory = Directory.CreateTempSubdirectory("gateway-run-modems-").FullName;
    private readonly List<IAsyncDisposable> cleanup = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(cleanup))
            await item.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [SkippableFact]
    public async Task The_seeds_vpn_over_three_emulated_modems_loses_only_the_dropped_isps_sublink_and_gets_it_back()
    {
        string seed = SeedFiles.Directory;
        string? why = EmulatedModemOnPty.WhyUnavailable();
        Skip.If(why is not null, why);
        int port = FreePorts.Udp();

        // Any ISP may answer any ISP label (the labels share `set device` and take the first free one).
        var secrets = new InMemorySecretStore();
        foreach (var isp in Isps)
            secrets.Add($"{isp}name", Secret.FromText($"{isp}key"));
        var devices = new List<string>();
        for (int i = 1; i <= 3; i++)
        {
            var numbers = new ModemDirectory();
            foreach (var phone in Phones)
                numbers.Set(phone, ModemLinkRig.Quick(CallOutcome.Answer));
            var answerer = new IspEndpoint(new IspEndpointOptions($"isp-in-{i}", IPAddress.Parse($"10.0.{i}.1"), IPAddress.Parse($"10.0.{i}.2"))
            {
                Authentication = i == 2 ? IspAuthentication.Pap : IspAuthentication.Chap,
                Secrets = secrets,
            });
            var modem = await EmulatedModemOnPty.StartAsync(numbers, answerer);
            cleanup.Add(modem);
            devices.Add(modem.Device);
        }

        string conf = File.ReadAllText(Path.Combine(seed, "ppp.conf.span-isp"))
            .Replace("/dev/cuaa0 /dev/cuaa1 /dev/cuaa2 /dev/cuaa3", string.Join(' ', devices), StringComparison.Ordinal)
            .Replace("RIP1", "10.0.1.1", StringComparison.Ordinal)
            .Replace("RIP2", "10.0.2.1", StringComparison.Ordinal)
            .Replace("RIPN", "10.0.3.1", StringComparison.Ordinal)
            .Replace("ppp/udp", $"{port}/udp", StringComparison.Ordinal)
            .Replace("REAL-LOCAL-IP", "10.255.0.1", StringComparison.Ordinal)
            .Replace("REAL-ASSIGNED-IP", "10.255.0.2", StringComparison.Ordinal);
        Assert.Contains("set dial \"ABORT BUSY", conf);
        File.WriteAllText(Path.Combine(directory, "ppp.conf"), conf);
        string[] files =
        [
            "--config", Path.Combine(directory, "ppp.conf"),
            "--secret", Path.Combine(seed, "ppp.secret.span-isp"),
            "--linkup", Path.Combine(seed, "ppp.linkup.span-isp"),
            "--linkdown", Path.Combine(seed, "ppp.linkdown.span-isp"),
            "--tun", "none",
        ];

        var receiver = await WebTestHost.StartAsync(GatewayRole.Receiver, [.. files, "--label", "vpn-in", "--listen", $"127.0.0.1:{port}"]);
        cleanup.Add(receiver);
        var gateway = await WebTestHost.StartAsync(GatewayRole.Gateway, [.. files, "--label", "vpn"]);
        cleanup.Add(gateway);

        foreach (var isp in Isps)
            await gateway.WaitForLinkStateAsync(isp, IspLinkState.Up, TimeSpan.FromSeconds(60));
        await gateway.WaitForBundleAsync("vpn", b => b.Up && b.Members.Count == 3 && b.Traffic is { ProbesAnswered: > 5 }, TimeSpan.FromSeconds(30));
        var before = await BundleAsync(gateway);
        output.WriteLine($"up: {string.Join(", ", before.Members)} since {before.UpSince}; probes {before.Traffic!.ProbesAnswered}/{before.Traffic.ProbesSent}");
        Assert.Equal(["1", "2", "N"], before.Members.Order());
        Assert.Equal("10.255.0.2", before.LocalAddress);

        // The operator drops isp2 abruptly (ppp's `down`): linkdown closes sublink 2 at once; the bundle stays up.
        using (var client = gateway.Client(WebTestHost.Password))
            (await client.PostAsync("api/links/isp2/down", null)).EnsureSuccessStatusCode();
        await gateway.WaitForBundleAsync("vpn", b => !b.Members.Contains("2"), TimeSpan.FromSeconds(10));
        var isp2 = await gateway.LinkAsync("isp2");
        Assert.NotEqual(IspLinkState.Up, isp2.State);

        // Probes keep crossing on the two remaining sublinks.
        long answered = (await BundleAsync(gateway)).Traffic!.ProbesAnswered;
        await gateway.WaitForBundleAsync("vpn", b => b.Traffic!.ProbesAnswered >= answered + 10, TimeSpan.FromSeconds(20));
        var during = await BundleAsync(gateway);
        Assert.True(during.Up);
        Assert.Equal(before.UpSince, during.UpSince);
        Assert.Equal(["1", "N"], during.Members.Order());

        // Dialing isp2 again brings its sublink back into the same bundle, without a bundle restart.
        using (var client = gateway.Client(WebTestHost.Password))
            (await client.PostAsync("api/links/isp2/dial", null)).EnsureSuccessStatusCode();
        await gateway.WaitForBundleAsync("vpn", b => b.Members.Count == 3, TimeSpan.FromSeconds(60));
        var after = await BundleAsync(gateway);
        Assert.Equal(before.UpSince, after.UpSince);
        output.WriteLine($"after redial: {string.Join(", ", after.Members)}; probes {after.Traffic!.ProbesAnswered}/{after.Traffic.ProbesSent}");
    }

    private static async Task<BundleStatus> BundleAsync(WebTestHost host)
    {
        using var client = host.Client(WebTestHost.Password);
        var bundles = await client.GetFromJsonAsync<BundleStatus[]>("api/bundles", WebTestHost.Json);
        return bundles!.Single(b => b.Name == "vpn");
    }
}
