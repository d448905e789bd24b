using System.Text.Json.Nodes;
using Gateway.Core.Config;

namespace Gateway.Tests.Config;

/// <summary>FreeBSD ppp's <c>set lcpretry|ipcpretry|ipv6cpretry|ccpretry|chapretry|papretry</c> (command.c <c>SetRetry</c>).</summary>
public class RetryConfigTests
{
    private static ProfileResolution Resolve(string lines) =>
        ProfileResolver.Resolve(PppConfReader.Read("ppp.conf", new InMemoryConfigSource().Add("ppp.conf", "v:\n" + lines)), ["v"]);

    /// <summary>Where each command puts its value in a one-link label without Multilink: the link, or the bundle for IPCP and IPV6CP.</summary>
    private static RetrySpec? Retry(PppProfile profile, string command) => command switch
    {
        "lcpretry" => profile.Links[0].Retries?.Lcp,
        "ipcpretry" => profile.Retries?.Ipcp,
        "ipv6cpretry" => profile.Retries?.Ipv6cp,
        "ccpretry" => profile.Links[0].Retries?.Ccp,
        "chapretry" => profile.Links[0].Retries?.Chap,
        "papretry" => profile.Links[0].Retries?.Pap,
        _ => throw new ArgumentOutOfRangeException(nameof(command)),
    };

    private static RetrySpec? Lcp(ProfileResolution r) => r.Profile.Links[0].Retries?.Lcp;

    public static TheoryData<string> FsmCommands() => new() { "lcpretry", "ipcpretry", "ipv6cpretry", "ccpretry" };

    public static TheoryData<string> AuthCommands() => new() { "chapretry", "papretry" };

    [Theory]
    [MemberData(nameof(FsmCommands))]
    public void Each_fsm_command_takes_timeout_reqtries_and_trmtries(string command)
    {
        var r = Resolve($" set {command} 1 4 2\n");

        Assert.Empty(r.Diagnostics);
        Assert.Equal(new RetrySpec(1, 4, 2), Retry(r.Profile, command));
        Assert.Empty(r.Profile.Unused.Concat(r.Profile.Links[0].Unused));
    }

    [Theory]
    [MemberData(nameof(AuthCommands))]
    public void Chap_and_pap_take_timeout_and_reqtries_and_have_no_trmtries(string command)
    {
        var r = Resolve($" set {command} 2 6\n");

        Assert.Empty(r.Diagnostics);
        Assert.Equal(new RetrySpec(2, 6, null), Retry(r.Profile, command));
    }

    [Theory]
    [InlineData("lcpretry", 3, 5, 5)]
    [InlineData("ipcpretry", 3, 5, 5)]
    [InlineData("ipv6cpretry", 3, 5, 5)]
    [InlineData("ccpretry", 3, 5, 5)]
    [InlineData("chapretry", 3, 3, null)]
    [InlineData("papretry", 3, 3, null)]
    public void A_bare_command_restores_freebsds_defaults_whatever_was_set_before(string command, int timeout, int requests, int? terminates)
    {
        var bare = Resolve($" set {command}\n");
        var after = Resolve($" set {command} 9 9 9\n set {command}\n");

        Assert.Equal(new RetrySpec(timeout, requests, terminates), Retry(bare.Profile, command));
        Assert.Equal(new RetrySpec(timeout, requests, terminates), Retry(after.Profile, command));
    }

    [Theory]
    [InlineData(" set lcpretry 2\n", 2, 5, 5)]
    [InlineData(" set lcpretry 2 7\n", 2, 7, 5)]
    [InlineData(" set lcpretry 1 4 2\n set lcpretry 6\n", 6, 4, 2)]
    [InlineData(" set lcpretry 1 4 2\n set lcpretry 6 8\n", 6, 8, 2)]
    public void What_a_line_does_not_give_stays_as_it_was_and_before_the_first_line_that_is_freebsds_default(string lines, int timeout, int requests, int terminates)
    {
        var r = Resolve(lines);

        Assert.Empty(r.Diagnostics);
        Assert.Equal(new RetrySpec(timeout, requests, terminates), Lcp(r));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("x")]
    [InlineData("3601")]
    public void A_period_below_one_second_or_above_an_hour_is_an_error_at_its_line_and_changes_nothing(string timeout)
    {
        var first = Resolve($" set speed 9600\n set lcpretry {timeout} 4 2\n");
        var later = Resolve($" set lcpretry 2 7 3\n set lcpretry {timeout} 4 2\n");

        var error = Assert.Single(first.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(("ppp.conf", 3), (error.File, error.Line));
        Assert.StartsWith("ppp.conf:3: error: set lcpretry", error.ToString());
        Assert.Contains("FSM retry period", error.Message);
        Assert.Null(Lcp(first));
        Assert.Equal(3, Assert.Single(later.Diagnostics, d => d.Severity == DiagnosticSeverity.Error).Line);
        Assert.Equal(new RetrySpec(2, 7, 3), Lcp(later));
    }

    [Theory]
    [InlineData(" set lcpretry 2 0 0\n", "REQ", "TRM")]
    [InlineData(" set lcpretry 2 x -1\n", "REQ", "TRM")]
    public void Fewer_than_one_try_is_a_warning_at_its_line_and_one_is_used(string line, string request, string terminate)
    {
        var r = Resolve(line);

        Assert.Equal(new RetrySpec(2, 1, 1), Lcp(r));
        Assert.False(r.HasErrors);
        Assert.Collection(r.Diagnostics,
            d => Assert.Contains($"invalid FSM {request} tries - changed to 1", d.Message),
            d => Assert.Contains($"invalid FSM {terminate} tries - changed to 1", d.Message));
        Assert.All(r.Diagnostics, d => Assert.Equal((DiagnosticSeverity.Warning, 2), (d.Severity, d.Line)));
    }

    [Fact]
    public void More_than_a_thousand_tries_is_a_warning_and_a_thousand_is_used()
    {
        var r = Resolve(" set chapretry 1 5000\n");

        Assert.Equal(new RetrySpec(1, RetrySpec.MaxTries, null), r.Profile.Links[0].Retries?.Chap);
        Assert.Equal(2, Assert.Single(r.Diagnostics, d => d.Severity == DiagnosticSeverity.Warning).Line);
    }

    [Fact]
    public void A_number_followed_by_other_characters_is_read_as_atol_reads_it_with_a_warning()
    {
        var r = Resolve(" set lcpretry 2x 4s\n");

        Assert.Equal(new RetrySpec(2, 4, 5), Lcp(r));
        Assert.Collection(r.Diagnostics,
            d => Assert.Contains("'2x' read as 2", d.Message),
            d => Assert.Contains("'4s' read as 4", d.Message));
        Assert.All(r.Diagnostics, d => Assert.Equal((DiagnosticSeverity.Warning, 2), (d.Severity, d.Line)));
    }

    [Theory]
    [InlineData(" set lcpretry 1 4 2 9\n", 3, 1, 4, 2)]
    [InlineData(" set papretry 1 4 2\n", 2, 1, 4, null)]
    public void Extra_arguments_are_warned_and_ignored(string line, int used, int timeout, int requests, int? terminates)
    {
        var r = Resolve(line);
        var link = r.Profile.Links[0].Retries!;

        var warning = Assert.Single(r.Diagnostics);
        Assert.Equal((DiagnosticSeverity.Warning, 2), (warning.Severity, warning.Line));
        Assert.Contains($"only {used} argument(s) used", warning.Message);
        Assert.Equal(new RetrySpec(timeout, requests, terminates), link.Lcp ?? link.Pap);
    }

    [Theory]
    [InlineData("lcpretries")]
    [InlineData("LCPRetry")]
    [InlineData("lcpr")]
    public void The_plural_alias_and_any_unique_prefix_name_the_same_command(string word)
    {
        var r = Resolve($" set {word} 1 4 2\n");

        Assert.Empty(r.Diagnostics);
        Assert.Equal(new RetrySpec(1, 4, 2), Lcp(r));
    }

    [Fact]
    public void Ccpretry_goes_to_the_link_without_an_mrru_and_to_the_bundle_after_set_mrru_as_ppp_chooses()
    {
        var r = Resolve(" set ccpretry 1 2 3\n set mrru 1500\n set ccpretry 4 5 6\n");

        Assert.Empty(r.Diagnostics);
        Assert.Equal(new FsmRetries { Ccp = new(1, 2, 3) }, r.Profile.Links[0].Retries);
        Assert.Equal(new FsmRetries { Ccp = new(4, 5, 6) }, r.Profile.Retries);
    }

    private static GatewayModelResult Build(string links) =>
        GatewayModelBuilder.Build(new GatewayConfigFiles(PppConfReader.Read("ppp.conf", new InMemoryConfigSource().Add("ppp.conf", $"""
            vpn-nic:
             set mrru 1500
             clone 1 2
             link deflink rm
             link * set device 127.0.0.1:6671/udp
            {links}
            """))));

    [Fact]
    public void The_model_gives_each_sublink_its_link_lines_and_the_bundle_its_ncp_lines()
    {
        var result = Build(" link * set lcpretry 1 4 2\n link * set chapretry 2 5\n set ipcpretry 2 6 3\n set ccpretry 5\n");

        Assert.False(result.HasErrors, string.Join("\n", result.Diagnostics));
        var bundle = result.Model.Bundles.Single();
        Assert.All(bundle.Sublinks, s => Assert.Equal(new FsmRetries { Lcp = new(1, 4, 2), Chap = new(2, 5, null) }, s.Retries));
        Assert.Equal(new FsmRetries { Ipcp = new(2, 6, 3), Ccp = new(5, 5, 5) }, bundle.Retries);
    }

    [Fact]
    public void Member_links_whose_lines_differ_are_warned_at_the_bundles_label()
    {
        var result = Build(" link 2 set lcpretry 1 4 2\n");

        var warning = Assert.Single(result.Diagnostics, d => d.Message.Contains("retry lines differ"));
        Assert.Equal((DiagnosticSeverity.Warning, 1), (warning.Severity, warning.Line));
        Assert.Contains("link 2: set lcpretry 1 4 2", warning.Message);
        Assert.Contains("every member link uses link 1's", warning.Message);
    }

    [Fact]
    public void The_model_json_shows_retries_only_where_a_line_was_written()
    {
        var json = JsonNode.Parse(ConfigJson.Serialize(Build(" link 2 set lcpretry 1 4 2\n link 2 set papretry 2 3\n").Model))!;

        var sublinks = json["bundles"]![0]!["sublinks"]!.AsArray();
        Assert.Null(sublinks[0]!["retries"]);
        Assert.Null(json["bundles"]![0]!["retries"]);
        var retries = sublinks[1]!["retries"]!;
        Assert.Equal((1, 4, 2), ((int)retries["lcp"]!["timeoutSeconds"]!, (int)retries["lcp"]!["requestTries"]!, (int)retries["lcp"]!["terminateTries"]!));
        Assert.Equal((2, 3), ((int)retries["pap"]!["timeoutSeconds"]!, (int)retries["pap"]!["requestTries"]!));
        Assert.Null(retries["pap"]!["terminateTries"]);
        Assert.Null(retries["chap"]);
    }
}
