using Gateway.Core.Config;
using Gateway.Core.Ppp.Multilink;

namespace Gateway.Tests.Config;

/// <summary>Issue 16's ppp.conf extension: <c>link N set policy backup|primary [PRIORITY]</c>, per link like <c>set bandwidth</c>.</summary>
public class PolicyConfigTests
{
    private static GatewayModelResult Build(string links) =>
        GatewayModelBuilder.Build(new GatewayConfigFiles(PppConfReader.Read("ppp.conf", new InMemoryConfigSource().Add("ppp.conf", $"""
            vpn-nic:
             set mrru 1500
             clone 1 2 3
             link deflink rm
             link * set device 127.0.0.1:6671/udp
            {links}
            """))));

    private static IEnumerable<string?> Policies(GatewayModelResult result) =>
        result.Model.Bundles.Single().Sublinks.Select(s => s.Policy?.ToString());

    [Fact]
    public void Link_N_set_policy_makes_a_member_a_backup_or_gives_it_a_priority_and_the_others_stay_unset()
    {
        var result = Build(" link 3 set policy backup\n link 2 set policy primary 2\n");

        Assert.False(result.HasErrors, string.Join("\n", result.Diagnostics));
        Assert.Equal([null, "primary 2", "backup"], Policies(result));
        Assert.Same(MemberPolicy.Backup, result.Model.Bundles.Single().Sublinks[2].Policy);
    }

    [Theory]
    [InlineData(" link 1 set policy Primary", "primary 1")]
    [InlineData(" link 1 set pol BACKUP", "backup")]   // by prefix, as every set word
    [InlineData(" link 1 set po primary 255", "primary 255")]
    public void The_words_match_case_insensitively_and_the_command_by_prefix(string line, string expected)
    {
        var result = Build(line + "\n");

        Assert.False(result.HasErrors, string.Join("\n", result.Diagnostics));
        Assert.Equal(expected, Policies(result).First());
    }

    [Theory]
    [InlineData(" link 1 set policy", "no policy given")]
    [InlineData(" link 1 set policy spare", "'spare'")]
    [InlineData(" link 1 set policy primary 0", "'0'")]
    [InlineData(" link 1 set policy primary 256", "'256'")]
    [InlineData(" link 1 set policy primary 2x", "'2x'")]
    [InlineData(" link 1 set policy primary -1", "'-1'")]
    [InlineData(" link 1 set policy backup 2", "'backup 2'")]
    public void A_malformed_policy_is_an_error_at_its_line_and_leaves_the_setting_as_it_was(string line, string named)
    {
        var result = Build(" link 1 set policy backup\n" + line + "\n");

        var error = Assert.Single(result.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(("ppp.conf", 7), (error.File, error.Line));
        Assert.Contains("set policy", error.Message);
        Assert.Contains(named, error.Message);
        Assert.Equal("backup", Policies(result).First());
    }

    [Fact]
    public void The_new_word_changes_no_abbreviation_freebsd_ppp_knows()
    {
        // "set ba" is still bandwidth, "set pr" still proctitle: no FreeBSD set word starts with "po".
        var result = Build(" link 1 set ba 64000\n link 1 set policy backup\n");

        Assert.False(result.HasErrors, string.Join("\n", result.Diagnostics));
        Assert.Equal(64000, result.Model.Bundles.Single().Sublinks[0].Bandwidth);
        var ambiguous = Build(" link 1 set p backup\n");
        Assert.Contains(ambiguous.Diagnostics, d => d.Severity == DiagnosticSeverity.Error && d.Message.Contains("mbiguous"));
    }

    [Fact]
    public void The_model_json_names_a_policy_only_where_one_is_set()
    {
        var json = ConfigJson.Serialize(Build(" link 3 set policy backup\n link 2 set policy primary 2\n").Model);

        var sublinks = System.Text.Json.Nodes.JsonNode.Parse(json)!["bundles"]![0]!["sublinks"]!.AsArray();
        Assert.Null(sublinks[0]!["policy"]);
        Assert.Equal((false, 2), ((bool)sublinks[1]!["policy"]!["isBackup"]!, (int)sublinks[1]!["policy"]!["priority"]!));
        Assert.True((bool)sublinks[2]!["policy"]!["isBackup"]!);
    }
}
