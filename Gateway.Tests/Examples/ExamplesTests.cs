using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Gateway.Core.Config;
using Gateway.Core.Status;
using Gateway.Emulation.Modem;
using Gateway.Tests.Support;
using Gateway.Web.Cli;
using Xunit.Abstractions;

namespace Gateway.Tests.Examples;

/// <summary>
/// <c>examples/</c> as a user who cloned the repository meets it: every file passes <c>gateway check</c>, every
/// <c>check</c> command the READMEs show runs as written from the root of the clone, and the span-isp example runs
/// end to end in real processes over emulated modems.
/// </summary>
public sealed partial class ExamplesTests(ITestOutputHelper output)
{
    public static TheoryData<string> ExampleFolders()
    {
        var folders = new TheoryData<string>();
        foreach (string folder in Directory.GetDirectories(Repository.Path("examples")).Order(StringComparer.Ordinal))
            folders.Add(Path.GetFileName(folder));
        return folders;
    }

    [Theory]
    [MemberData(nameof(ExampleFolders))]
    public void Every_example_passes_gateway_check_without_errors(string example)
    {
        string folder = Repository.Path("examples", example);
        var args = new List<string>();
        foreach (var (file, option) in new[] { ("ppp.secret", "--secret"), ("ppp.linkup", "--linkup"), ("ppp.linkdown", "--linkdown") })
        {
            if (File.Exists(Path.Combine(folder, file)))
                args.AddRange([option, Path.Combine(folder, file)]);
        }
        args.Add(Repository.Path("examples", example, "ppp.conf"));
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int code = CheckCommand.Run(args, stdout, stderr);

        output.WriteLine(stderr.ToString());
        Assert.Equal(CheckCommand.Ok, code);
        Assert.DoesNotContain(": error:", stderr.ToString());
        Assert.Contains("\"receivers\"", stdout.ToString());
    }

    /// <summary>Every <c>dotnet run --project Gateway.Web -- check ...</c> line of the READMEs, run from the root of the clone.</summary>
    [Fact]
    public async Task The_readmes_check_commands_run_as_written()
    {
        var commands = new[] { "README.md", "examples/README.md" }
            .SelectMany(readme => File.ReadLines(Repository.Path(readme)))
            .Select(line => CheckCommandLine().Match(line))
            .Where(m => m.Success)
            .Select(m => m.Groups["args"].Value.TrimEnd('`', ' ', '|'))
            .ToList();
        Assert.True(commands.Count >= 4, $"expected the READMEs to show at least 4 check commands, found {commands.Count}");

        foreach (string arguments in commands)
        {
            Assert.DoesNotMatch(@"[""'$\\]", arguments); // plain words: what the shell passes is what is split here
            await using var check = GatewayProgram.Start("check", ["check", .. arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)], output);
            await check.WaitForLineAsync(l => l.StartsWith("gateway check: ", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            Assert.Matches("gateway check: 0 error", check.Output);
        }
    }

    [GeneratedRegex(@"dotnet run --project Gateway\.Web -- check (?<args>[^`|]+)")]
    private static partial Regex CheckCommandLine();

    /// <summary>
    /// The span-isp example as examples/README.md runs it: <c>gateway modems</c>, the receiver and the gateway, three
    /// processes. The only changes to the files: the modems' folder and the UDP port are the test's own, so that the
    /// test never meets a user's running example.
    /// </summary>
    [SkippableFact]
    public async Task The_span_isp_example_runs_over_emulated_modems_and_a_dropped_isp_link_comes_back()
    {
        Skip.If(NullModemCable.FindSocat(out string? why) is null, why);
        string work = Directory.CreateTempSubdirectory("gateway-example-").FullName;
        try
        {
            int port = FreePorts.Udp();
            string conf = File.ReadAllText(Repository.Path("examples", "span-isp", "ppp.conf"));
            Assert.Contains("/tmp/gateway-span-isp/", conf);
            Assert.Contains(":ppp/udp", conf);
            File.WriteAllText(Path.Combine(work, "ppp.conf"), conf
                .Replace("/tmp/gateway-span-isp/", Path.Combine(work, "modems") + "/", StringComparison.Ordinal)
                .Replace(":ppp/udp", $":{port}/udp", StringComparison.Ordinal));
            foreach (string file in new[] { "ppp.secret", "ppp.linkup", "ppp.linkdown" })
                File.Copy(Repository.Path("examples", "span-isp", file), Path.Combine(work, file));
            string Example(string file) => Path.Combine(work, file);

            await using var modems = GatewayProgram.Start("modems", ["modems", "--secret", Example("ppp.secret"), Example("ppp.conf")], output);
            await modems.WaitForLineAsync(l => l.Contains("ready", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            await using var receiver = GatewayProgram.Start("receiver",
                ["run", "--config", Example("ppp.conf"), "--secret", Example("ppp.secret"), "--label", "vpn-in", "--listen", $"127.0.0.1:{port}", "--tun", "none", "--urls", "http://127.0.0.1:0"], output);
            await using var gateway = GatewayProgram.Start("gateway",
                ["run", "--config", Example("ppp.conf"), "--secret", Example("ppp.secret"), "--linkup", Example("ppp.linkup"), "--linkdown", Example("ppp.linkdown"),
                 "--label", "vpn", "--tun", "none", "--urls", "http://127.0.0.1:0"], output);
            var api = await gateway.ApiAsync(TimeSpan.FromSeconds(60));
            await receiver.ApiAsync(TimeSpan.FromSeconds(60));

            foreach (string isp in new[] { "isp1", "isp2", "isp3" })
                await api.WaitForLinkStateAsync(isp, IspLinkState.Up, TimeSpan.FromSeconds(60));
            await api.WaitForBundleAsync("vpn", b => b.Up && b.Members.Count == 3 && b.Traffic is { ProbesAnswered: > 5 }, TimeSpan.FromSeconds(60));
            var before = await api.BundleAsync("vpn");
            Assert.Equal("10.255.0.2", before.LocalAddress);
            Assert.Equal(["1", "2", "3"], before.Members.Order());

            // The operator closes isp2: ppp.linkdown closes sublink 2 at once and the bundle carries on.
            await api.CommandAsync("isp2", "close");
            await api.WaitForBundleAsync("vpn", b => !b.Members.Contains("2"), TimeSpan.FromSeconds(20));
            long answered = (await api.BundleAsync("vpn")).Traffic!.ProbesAnswered;
            await api.WaitForBundleAsync("vpn", b => b.Traffic!.ProbesAnswered >= answered + 10, TimeSpan.FromSeconds(30));
            var during = await api.BundleAsync("vpn");
            Assert.True(during.Up);
            Assert.Equal(before.UpSince, during.UpSince);
            await api.WaitForLinkStateAsync("isp2", IspLinkState.Closed, TimeSpan.FromSeconds(20));

            // Dialled again, isp2 comes back and its sublink rejoins the same bundle.
            await api.CommandAsync("isp2", "dial");
            await api.WaitForLinkStateAsync("isp2", IspLinkState.Up, TimeSpan.FromSeconds(60));
            await api.WaitForBundleAsync("vpn", b => b.Members.Count == 3, TimeSpan.FromSeconds(60));
            Assert.Equal(before.UpSince, (await api.BundleAsync("vpn")).UpSince);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
