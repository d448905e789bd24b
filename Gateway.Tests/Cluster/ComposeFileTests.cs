using Gateway.Tests.Support;
using Gateway.Web.Cli;
using Gateway.Web.Cluster;
using Gateway.Web.Hosting;
using Microsoft.Extensions.Configuration;
using Xunit.Abstractions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Gateway.Tests.Cluster;

/// <summary>
/// <c>docker/compose.yaml</c> (issue 14: "the docker compose file gains a three-node receiver cluster"), read as docker
/// compose reads it (YAML merge keys) and then as the product reads each container's command line and environment:
/// no machine here runs docker, so this is what says the file means what its comments say. Each container's
/// <c>/etc/ppp</c> is the span-isp example, as docker/config/README.md asks a user to put FreeBSD ppp's files there.
/// </summary>
public sealed class ComposeFileTests(ITestOutputHelper output)
{
    private static readonly string[] ClusterNodes = ["receiver-1", "receiver-2", "receiver-3"];

    [Fact]
    public void Every_container_runs_a_label_of_the_mounted_ppp_conf_and_gateway_check_passes_its_files()
    {
        var services = Services();
        Assert.Equal(["gateway", "receiver", .. ClusterNodes], services.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, service) in services)
        {
            var (role, configuration) = Read(service);
            Assert.Equal(name == "gateway" ? GatewayRole.Gateway : GatewayRole.Receiver, role);
            Assert.True(RunConfiguration.IsConfigured(configuration), $"{name}: no --config, so it would serve status only");

            // The files and label the container runs, checked as `gateway check` checks them (the label must exist).
            var args = new List<string>();
            foreach (string option in new[] { "secret", "linkup", "linkdown" })
            {
                if (configuration[option] is { } path)
                    args.AddRange(["--" + option, Mounted(path)]);
            }
            args.AddRange([Mounted(configuration["config"]!), configuration["label"]!]);
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int code = CheckCommand.Run(args, stdout, stderr);
            output.WriteLine($"{name}: gateway check {string.Join(' ', args)}: {code}");
            Assert.True(code == CheckCommand.Ok, $"{name}: {stderr}");
            Assert.DoesNotContain(": error:", stderr.ToString());
        }
    }

    [Fact]
    public void The_cluster_profile_is_three_receiver_nodes_with_sharded_bundles_that_find_each_other()
    {
        var services = Services();
        var nodes = ClusterNodes.Select(name => (name, service: services[name])).ToList();
        var addresses = new List<string>();
        var seedLists = new List<IReadOnlyList<string>>();
        foreach (var (name, service) in nodes)
        {
            Assert.Equal(["cluster"], Sequence(service, "profiles"));
            var (_, configuration) = Read(service);
            Assert.True(ReceiverClusterSettings.IsConfigured(configuration), $"{name}: no Gateway:Cluster:SeedNodes");
            var errors = new List<string>();
            var cluster = ReceiverClusterSettings.Read(configuration, errors);
            Assert.Empty(errors);
            Assert.True(cluster.ShardBundles, $"{name}: bundles are not sharded");

            // The address the other nodes reach it at is the container's own on the compose network.
            var network = (Dictionary<object, object>)Map(Map(service, "networks"), "multilink");
            Assert.Equal((string)network["ipv4_address"], cluster.PublicHostname);
            addresses.Add(cluster.SelfAddress);
            seedLists.Add(cluster.SeedNodes);

            // SIGTERM leaves the cluster gracefully, given the time for it (docker's default is 10 s, then SIGKILL).
            Assert.Equal("30s", (string)service["stop_grace_period"]);
        }
        Assert.Equal(3, addresses.Distinct().Count());
        // Every node lists the same seeds, at least two, each one of the nodes: a restarted first seed joins the others.
        var seeds = Assert.Single(seedLists.Select(s => string.Join(',', s)).Distinct());
        Assert.True(seedLists[0].Count >= 2, $"seeds: {seeds}");
        Assert.All(seedLists[0], seed => Assert.Contains(seed, addresses));

        // The default services stay what they were: one receiver, alone, and the gateway.
        Assert.False(ReceiverClusterSettings.IsConfigured(Read(services["receiver"]).Configuration));
        Assert.False(services["receiver"].ContainsKey("profiles"));
    }

    /// <summary>The compose file's services, with YAML merge keys (<c>&lt;&lt;: *image</c>) applied as docker compose applies them.</summary>
    private static Dictionary<string, Dictionary<object, object>> Services()
    {
        using var reader = new StreamReader(Repository.Path("docker", "compose.yaml"));
        var document = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(new MergingParser(new Parser(reader)));
        return ((Dictionary<object, object>)document["services"]).ToDictionary(s => (string)s.Key, s => (Dictionary<object, object>)s.Value);
    }

    /// <summary>A container's role and configuration as <c>gateway</c> reads them: its command line, then its environment (<c>A__B</c> is <c>A:B</c>).</summary>
    private static (GatewayRole? Role, IConfiguration Configuration) Read(Dictionary<object, object> service)
    {
        string[] command = Sequence(service, "command").ToArray();
        Assert.True(RoleCommandLine.TryParse(command, out var role, out var options, out var error), error);
        var environment = service.TryGetValue("environment", out var env)
            ? ((Dictionary<object, object>)env).ToDictionary(e => ((string)e.Key).Replace("__", ":", StringComparison.Ordinal), e => (string?)e.Value)
            : [];
        return (role, new ConfigurationBuilder().AddCommandLine(options).AddInMemoryCollection(environment).Build());
    }

    /// <summary>A path under the containers' <c>/etc/ppp</c> (docker/config), here the span-isp example's file of the same name.</summary>
    private static string Mounted(string path)
    {
        Assert.StartsWith("/etc/ppp/", path);
        return Repository.Path("examples", "span-isp", path["/etc/ppp/".Length..]);
    }

    private static IEnumerable<string> Sequence(Dictionary<object, object> map, string key) =>
        ((List<object>)map[key]).Cast<string>();

    private static Dictionary<object, object> Map(Dictionary<object, object> map, string key) => (Dictionary<object, object>)map[key];
}
