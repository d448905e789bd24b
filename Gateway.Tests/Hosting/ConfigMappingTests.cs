using Gateway.Core.Actors;
using System.Net;
using Gateway.Core.Config;
using Gateway.Core.Hosting;
using Gateway.Core.Ppp.Auth;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Multilink;
using Gateway.Tests.Config;

namespace Gateway.Tests.Hosting;

/// <summary>From what ppp.conf means to what the actors are built from (gateway run).</summary>
public class ConfigMappingTests
{
    private static GatewayModel Working() =>
        SeedFiles.Build("ppp.conf.span-isp.working", "ppp.linkup.span-isp.working", "ppp.linkdown.span-isp.working", "ppp.secret.span-isp.working").Model;

    [Fact]
    public void The_working_seeds_receiver_listens_with_chap_its_address_pair_and_the_secrets()
    {
        var model = Working();
        var errors = new List<string>();

        var receiver = ConfigMapping.ToReceiver(model.Receivers.Single(r => r.Label == "vpn-in"), new IPEndPoint(IPAddress.Loopback, 6671), errors);

        Assert.Empty(errors);
        Assert.NotNull(receiver);
        Assert.True(receiver.MemberSession.Lcp.EnableChap);
        Assert.Equal((ushort)1500, receiver.MemberSession.Lcp.Mrru);
        Assert.Equal((ushort)1504, receiver.MemberSession.Lcp.Mru);
        Assert.Equal(IPAddress.Parse("127.0.0.2"), receiver.Bundle.Ipcp.LocalAddress);
        Assert.Equal([IPAddress.Parse("127.0.0.3")], receiver.PeerAddresses);
        Assert.True(receiver.MemberSession.Secrets!.TryGetSecret("vpnname", out var key));
        Assert.True(key.Matches("vpnkey"u8));
        Assert.Equal(EndpointDiscriminatorClass.LocallyAssigned, receiver.MemberSession.Lcp.EndpointDiscriminator!.Class);
    }

    [Fact]
    public void The_working_seeds_bundle_rides_one_isp_modem_link_per_sublink_to_its_127_0_2_x_endpoint()
    {
        var model = Working();
        var errors = new List<string>();

        var gateway = ConfigMapping.ToGateway(model, model.Bundles.Single(b => b.Label == "vpn"), errors);

        Assert.Empty(errors);
        Assert.NotNull(gateway);
        var bundle = Assert.Single(gateway.Bundles);
        Assert.Empty(bundle.Sublinks);
        Assert.Equal(["isp1", "isp2", "isp3"], gateway.IspLinks.Select(l => l.Name));
        Assert.Equal(["isp1 -> vpn/1 127.0.2.7:6671", "isp2 -> vpn/2 127.0.2.6:6671", "isp3 -> vpn/3 127.0.2.4:6671"],
            gateway.Bindings.Select(b => $"{b.IspLink} -> {b.Bundle}/{b.Sublink} {b.Remote}"));
        Assert.Equal(3, gateway.Bindings.Select(b => b.LocalPort).Distinct().Count());
        Assert.All(gateway.Bindings, b => Assert.Equal(11520, b.BytesPerSecond));
        Assert.Equal("vpnname", bundle.MemberSession.AuthName);
        Assert.True(bundle.MemberSession.AuthKey.Matches("vpnkey"u8));
    }

    [Fact]
    public void An_isp_label_maps_to_its_modem_link_with_the_defaults_section_applied()
    {
        var model = SeedFiles.Build("ppp.conf.span-isp", "ppp.linkup.span-isp", "ppp.linkdown.span-isp", "ppp.secret.span-isp").Model;

        var isp1 = ConfigMapping.ToIspLink(model.IspLinks.Single(l => l.Label == "isp1"));

        Assert.Equal(["/dev/cuaa0", "/dev/cuaa1", "/dev/cuaa2", "/dev/cuaa3"], isp1.Devices);
        Assert.Equal(115200, isp1.Speed);
        Assert.Contains("ATDT\\T", isp1.DialScript);
        Assert.Equal("1234567", isp1.Phone);
        Assert.Equal(5, isp1.Redial.Attempts);
        Assert.Equal(TimeSpan.FromSeconds(3), isp1.Redial.Pause);
        Assert.Equal("isp1name", isp1.AuthName);
        Assert.True(isp1.AuthKey.Matches("isp1key"u8));
        Assert.True(isp1.EnableLqr);
        Assert.False(isp1.EnableEcho);
        Assert.Equal(TimeSpan.FromSeconds(15), isp1.QualityPeriod);
    }

    [Fact]
    public void A_bundle_whose_sublinks_are_nic_mode_gets_a_udp_socket_each_and_no_isp_links()
    {
        var model = Working();
        var vpn = model.Bundles.Single(b => b.Label == "vpn");
        var nic = vpn with { Sublinks = vpn.Sublinks.Select(s => s with { CarriedBy = null }).ToList() };
        var errors = new List<string>();

        var gateway = ConfigMapping.ToGateway(model, nic, errors);

        Assert.Empty(errors);
        Assert.NotNull(gateway);
        Assert.Empty(gateway.IspLinks);
        Assert.Equal(["127.0.2.7:6671", "127.0.2.6:6671", "127.0.2.4:6671"], gateway.Bundles[0].Sublinks.Select(s => s.Remote!.ToString()));
    }

    [Fact]
    public void A_set_device_list_of_two_receivers_gives_each_sublink_the_second_as_its_alternate()
    {
        var built = NicWithDevices("127.0.0.1:6671/udp 127.0.0.2:6671/udp", "127.0.0.1:6672/udp 127.0.0.2:6672/udp");
        Assert.DoesNotContain(built.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        var errors = new List<string>();

        var gateway = ConfigMapping.ToGateway(built.Model, built.Model.Bundles.Single(), errors);

        Assert.Empty(errors);
        var sublinks = gateway!.Bundles[0].Sublinks;
        Assert.All(sublinks, s => Assert.Equal(2, s.DeviceCount));
        Assert.Equal(["127.0.0.1:6671 127.0.0.2:6671", "127.0.0.1:6672 127.0.0.2:6672"],
            sublinks.Select(s => $"{s.Device(0).Remote} {s.Device(1).Remote}"));
    }

    [Fact]
    public void Set_device_lists_of_different_lengths_in_one_bundle_are_an_error_at_the_labels_line()
    {
        var built = NicWithDevices("127.0.0.1:6671/udp 127.0.0.2:6671/udp", "127.0.0.1:6672/udp");

        var error = Assert.Single(built.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(("ppp.conf", 2), (error.File, error.Line));
        Assert.Contains("link 1: 2, link 2: 1", error.Message);
    }

    /// <summary>A two-sublink <c>vpn-nic</c> label at line 2 whose links' <c>set device</c> lines are <paramref name="link1"/> and <paramref name="link2"/>.</summary>
    private static GatewayModelResult NicWithDevices(string link1, string link2) =>
        GatewayModelBuilder.Build(new GatewayConfigFiles(PppConfReader.Read("ppp.conf", new InMemoryConfigSource().Add("ppp.conf",
            "# receivers\nvpn-nic:\n set mrru 1500\n set authname n\n set authkey k\n clone 1 2\n link deflink rm\n" +
            $" link 1 set device {link1}\n link 2 set device {link2}\n"))));

    [Theory]
    [InlineData(" enable echo\n set echoperiod 0.2\n", 200)]
    [InlineData(" enable lqr\n set lqrperiod 2\n", 2000)]
    [InlineData(" set echoperiod 0.2\n", 1000)]
    public void The_sublinks_echo_period_is_ppp_confs_lqrperiod_where_echo_or_lqr_is_enabled(string lines, int milliseconds)
    {
        var gateway = GatewayWith(lines);

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), gateway.Bundles[0].EchoPeriod);
    }

    /// <summary>A two-sublink <c>vpn-nic</c> label with <paramref name="lines"/> added first and <paramref name="last"/> last, mapped without errors.</summary>
    private static GatewayOptions GatewayWith(string lines, string last = "")
    {
        var source = new InMemoryConfigSource().Add("ppp.conf",
            // Before `set mrru`: after it, a link command with no link names the bundle's own link (as in FreeBSD).
            "vpn-nic:\n" + lines + " set mrru 1500\n set authname n\n set authkey k\n clone 1 2\n link deflink rm\n" +
            " link 1 set device 127.0.0.1:6671/udp\n link 2 set device 127.0.0.1:6672/udp\n" + last);
        var model = GatewayModelBuilder.Build(new GatewayConfigFiles(PppConfReader.Read("ppp.conf", source))).Model;
        var errors = new List<string>();

        var gateway = ConfigMapping.ToGateway(model, model.Bundles.Single(), errors);

        Assert.Empty(errors);
        return gateway!;
    }

    [Theory]
    [InlineData(" enable echo\n set echoperiod 0.25\n", 250)]
    [InlineData("", 1000)]
    public void The_receivers_echo_period_is_vpn_ins_lqrperiod_where_echo_is_enabled(string lines, int milliseconds)
    {
        var receiver = ReceiverWith(lines);

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), receiver.EchoPeriod);
    }

    [Fact]
    public void The_receivers_pool_takes_every_address_of_its_ranges_up_to_a_slash_16()
    {
        // 10.64.0.1-10.64.39.255 and 10.80.0.1-10.80.0.16: 10,239 + 16, past the 4,096 an earlier version cut it to.
        var errors = new List<string>();
        var pool = ConfigMapping.ParsePool("10.64.0.1-10.64.39.255, 10.80.0.1-10.80.0.16", "vpn-in: set ifaddr", errors);
        Assert.Empty(errors);
        Assert.Equal(10_239 + 16, pool.Count);
        Assert.Equal((IPAddress.Parse("10.64.0.1"), IPAddress.Parse("10.80.0.16")), (pool[0], pool[^1]));
        Assert.Equal(pool.Count, pool.Distinct().Count());

        Assert.Equal(ConfigMapping.MaxPoolAddresses, ConfigMapping.ParsePool("10.64.0.0-10.64.255.255", "w", errors).Count);
        Assert.Empty(errors);
        Assert.Empty(ConfigMapping.ParsePool("10.64.0.0-10.65.0.0", "vpn-in: set ifaddr", errors));
        Assert.Equal("vpn-in: set ifaddr: '10.64.0.0-10.65.0.0' names more than 65536 peer addresses, the most a receiver's pool holds", Assert.Single(errors));
        errors.Clear();
        ConfigMapping.ParsePool("10.0.0.9-10.0.0.2", "vpn-in: set ifaddr", errors);
        Assert.Equal("vpn-in: set ifaddr: '10.0.0.9-10.0.0.2' ends before it starts", Assert.Single(errors));
    }

    /// <summary>A <c>vpn-in</c> label with <paramref name="lines"/> added first and <paramref name="last"/> last, mapped without errors.</summary>
    private static ReceiverOptions ReceiverWith(string lines, string last = "")
    {
        var source = new InMemoryConfigSource().Add("ppp.conf",
            "vpn-in:\n" + lines + " set mrru 1500\n enable chap\n set ifaddr 10.0.0.1 10.0.0.2\n" + last);
        var model = GatewayModelBuilder.Build(new GatewayConfigFiles(PppConfReader.Read("ppp.conf", source))).Model;
        var errors = new List<string>();

        var receiver = ConfigMapping.ToReceiver(model.Receivers.Single(), new IPEndPoint(IPAddress.Loopback, 6671), errors);

        Assert.Empty(errors);
        return receiver!;
    }

    [Theory]
    [InlineData("", true, true)]
    [InlineData(" disable shortseq\n", false, true)]
    [InlineData(" deny shortseq\n", true, false)]
    public void The_receivers_sublinks_ask_for_and_accept_short_sequence_numbers_as_its_label_says(string lines, bool enabled, bool accepted)
    {
        var receiver = ReceiverWith(lines);

        Assert.Equal(enabled, receiver.MemberSession.Lcp.EnableShortSequence);
        Assert.Equal(accepted, receiver.MemberSession.Lcp.AcceptShortSequence);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData(" disable ipv6cp\n", false)]
    public void The_receivers_bundle_runs_ipv6cp_unless_its_label_disables_it_freebsds_default_is_enabled(string lines, bool runs)
    {
        var receiver = ReceiverWith(lines);

        Assert.Equal(runs, receiver.Bundle.Ipv6cp is not null);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData(" disable ipv6cp\n", false)]
    public void The_gateways_bundle_runs_ipv6cp_unless_its_label_disables_it(string lines, bool runs)
    {
        var gateway = GatewayWith(lines);

        Assert.Equal(runs, gateway.Bundles.Single().Settings.Ipv6cp is not null);
    }

    [Fact]
    public void The_seeds_placeholders_are_errors_that_name_the_label_and_the_value()
    {
        var model = SeedFiles.Build("ppp.conf.span-isp", "ppp.linkup.span-isp", "ppp.linkdown.span-isp", "ppp.secret.span-isp").Model;
        var errors = new List<string>();

        var receiver = ConfigMapping.ToReceiver(model.Receivers.Single(r => r.Label == "vpn-in"), new IPEndPoint(IPAddress.Any, 6671), errors);
        var gateway = ConfigMapping.ToGateway(model, model.Bundles.Single(b => b.Label == "vpn-nic"), errors);

        Assert.Null(receiver);
        Assert.Null(gateway);
        Assert.Contains(errors, e => e.Contains("vpn-in") && e.Contains("REAL-LOCAL-IP"));
        Assert.Contains(errors, e => e.Contains("vpn-nic") && e.Contains("RIP1"));
    }

    [Fact]
    public void Without_set_mru_a_sublink_offers_room_for_a_whole_mrru_packet_not_the_smallest_mru()
    {
        var source = new InMemoryConfigSource().Add("ppp.conf", """
            vpn:
             set enddisc LABEL
             set speed sync
             set mrru 1500
             set authname vpnname
             set authkey vpnkey
             clone 1
             link deflink rm
             link 1 set device 127.0.0.1:6671/udp

            """);
        var model = GatewayModelBuilder.Build(new GatewayConfigFiles(PppConfReader.Read("ppp.conf", source))).Model;
        var errors = new List<string>();

        var gateway = ConfigMapping.ToGateway(model, model.Bundles.Single(), errors);

        Assert.Empty(errors);
        Assert.Equal((ushort)1506, gateway!.Bundles[0].MemberSession.Lcp.Mru);
        Assert.Equal((ushort)1500, gateway.Bundles[0].MemberSession.Lcp.Mrru);
    }

    [Fact]
    public void Set_bandwidth_weighs_each_nic_sublink_for_the_fragmenter()
    {
        var source = new InMemoryConfigSource().Add("ppp.conf", """
            vpn:
             set enddisc LABEL
             set speed sync
             set mrru 1500
             set authname vpnname
             set authkey vpnkey
             clone 1 2
             link deflink rm
             link 1 set device 127.0.0.1:6671/udp
             link 1 set bandwidth 5000000
             link 2 set device 127.0.0.1:6671/udp

            """);
        var model = GatewayModelBuilder.Build(new GatewayConfigFiles(PppConfReader.Read("ppp.conf", source))).Model;
        var errors = new List<string>();

        var gateway = ConfigMapping.ToGateway(model, model.Bundles.Single(), errors);

        Assert.Empty(errors);
        Assert.Equal([625_000.0, new SublinkSpec("", null!, "", null).BytesPerSecond], gateway!.Bundles[0].Sublinks.Select(s => s.BytesPerSecond));
    }

    [Fact]
    public void Set_policy_reaches_each_nic_sublinks_spec_for_the_bundle()
    {
        var source = new InMemoryConfigSource().Add("ppp.conf", """
            vpn:
             set enddisc LABEL
             set speed sync
             set mrru 1500
             clone 1 2 3
             link deflink rm
             link * set device 127.0.0.1:6671/udp
             link 2 set policy primary 2
             link 3 set policy backup

            """);
        var model = GatewayModelBuilder.Build(new GatewayConfigFiles(PppConfReader.Read("ppp.conf", source))).Model;
        var errors = new List<string>();

        var gateway = ConfigMapping.ToGateway(model, model.Bundles.Single(), errors);

        Assert.Empty(errors);
        Assert.Equal([null, MemberPolicy.Primary(2), MemberPolicy.Backup], gateway!.Bundles[0].Sublinks.Select(s => s.Policy));
    }

    private static (TimeSpan RestartTimer, int MaxConfigure, int MaxTerminate) Counters(FsmSettings fsm) =>
        (fsm.RestartTimer, fsm.MaxConfigure, fsm.MaxTerminate);

    private static readonly (TimeSpan, int, int) Rfc1661Defaults = (TimeSpan.FromSeconds(3), 10, 2);

    [Fact]
    public void Without_retry_lines_every_protocol_keeps_todays_defaults_rfc_1661s()
    {
        var gateway = GatewayWith("").Bundles.Single();
        var receiver = ReceiverWith("");
        var isp = IspWith("").ToSessionSettings();

        FsmSettings[] used =
        [
            gateway.MemberSession.LcpFsm ?? gateway.MemberSession.Fsm,
            gateway.Settings.IpcpFsm ?? gateway.Settings.Fsm,
            gateway.Settings.Ipv6cpFsm ?? gateway.Settings.Fsm,
            gateway.Settings.CcpFsm ?? gateway.Settings.Fsm,
            receiver.MemberSession.LcpFsm ?? receiver.MemberSession.Fsm,
            receiver.Bundle.IpcpFsm ?? receiver.Bundle.Fsm,
            receiver.Bundle.Ipv6cpFsm ?? receiver.Bundle.Fsm,
            receiver.Bundle.CcpFsm ?? receiver.Bundle.Fsm,
            isp.LcpFsm ?? isp.Fsm,
            isp.IpcpFsm ?? isp.Fsm,
            isp.CcpFsm ?? isp.Fsm,
        ];
        Assert.All(used, fsm => Assert.Equal(Rfc1661Defaults, Counters(fsm)));
        Assert.All([gateway.MemberSession, receiver.MemberSession, isp], session =>
        {
            Assert.Null(session.PapRetry);
            Assert.Null(session.ChapRetry);
            Assert.Equal((TimeSpan.FromSeconds(3), 3), (session.AuthRestartInterval, session.AuthMaxTries));
        });
    }

    [Fact]
    public void Set_lcpretry_under_the_sublinks_links_gives_their_member_session_that_lcp_timer_and_counters()
    {
        var member = GatewayWith("", " link * set lcpretry 1 4 2\n").Bundles.Single().MemberSession;

        Assert.Equal((TimeSpan.FromSeconds(1), 4, 2), Counters(member.LcpFsm!));
        Assert.Equal(FsmSettings.DefaultMaxFailure, member.LcpFsm!.MaxFailure);
        Assert.Null(member.IpcpFsm);
    }

    [Fact]
    public void Set_ipcpretry_ipv6cpretry_and_ccpretry_reach_the_gateways_bundle_and_lcp_keeps_its_defaults()
    {
        var bundle = GatewayWith(" set ipcpretry 2 6 3\n set ipv6cpretry 1\n", " set ccpretry 4 7\n").Bundles.Single();

        Assert.Equal((TimeSpan.FromSeconds(2), 6, 3), Counters(bundle.Settings.IpcpFsm!));
        Assert.Equal((TimeSpan.FromSeconds(1), 5, 5), Counters(bundle.Settings.Ipv6cpFsm!));
        Assert.Equal((TimeSpan.FromSeconds(4), 7, 5), Counters(bundle.Settings.CcpFsm!));
        Assert.Null(bundle.MemberSession.LcpFsm);
    }

    [Fact]
    public void Set_papretry_and_set_chapretry_reach_the_member_sessions_authentication()
    {
        var member = GatewayWith("", " link * set papretry 2 4\n link * set chapretry 1\n").Bundles.Single().MemberSession;

        Assert.Equal(new AuthRetry(TimeSpan.FromSeconds(2), 4), member.PapRetry);
        Assert.Equal(TimeSpan.FromSeconds(8), member.PapRetry!.PeerWait);
        Assert.Equal(new AuthRetry(TimeSpan.FromSeconds(1), 3), member.ChapRetry);
    }

    [Fact]
    public void The_receivers_link_lines_reach_every_sublinks_session_and_its_ncp_lines_every_bundle()
    {
        var receiver = ReceiverWith(" set lcpretry 1 4 2\n set chapretry 2 5\n set ipcpretry 2 6 3\n set ipv6cpretry 1 2 1\n", " set ccpretry 4\n");

        Assert.Equal((TimeSpan.FromSeconds(1), 4, 2), Counters(receiver.MemberSession.LcpFsm!));
        Assert.Equal(new AuthRetry(TimeSpan.FromSeconds(2), 5), receiver.MemberSession.ChapRetry);
        Assert.Equal((TimeSpan.FromSeconds(2), 6, 3), Counters(receiver.Bundle.IpcpFsm!));
        Assert.Equal((TimeSpan.FromSeconds(1), 2, 1), Counters(receiver.Bundle.Ipv6cpFsm!));
        Assert.Equal((TimeSpan.FromSeconds(4), 5, 5), Counters(receiver.Bundle.CcpFsm!));
    }

    [Fact]
    public void An_isp_labels_retry_lines_reach_its_modem_links_session()
    {
        var session = IspWith(" set lcpretry 1 4 2\n set ipcpretry 2 6\n set ccpretry 5 1 1\n set papretry 4 2\n set chapretry 2 5\n").ToSessionSettings();

        Assert.Equal((TimeSpan.FromSeconds(1), 4, 2), Counters(session.LcpFsm!));
        Assert.Equal((TimeSpan.FromSeconds(2), 6, 5), Counters(session.IpcpFsm!));
        Assert.Equal((TimeSpan.FromSeconds(5), 1, 1), Counters(session.CcpFsm!));
        Assert.Equal(new AuthRetry(TimeSpan.FromSeconds(4), 2), session.PapRetry);
        Assert.Equal(new AuthRetry(TimeSpan.FromSeconds(2), 5), session.ChapRetry);
    }

    /// <summary>A modem ISP label (one serial link with a phone number) with <paramref name="lines"/> added, as its modem link's options.</summary>
    private static Gateway.Core.Isp.IspLinkOptions IspWith(string lines)
    {
        var source = new InMemoryConfigSource().Add("ppp.conf", "isp1:\n set device /dev/cuaa0\n set phone 1234567\n" + lines);
        var result = GatewayModelBuilder.Build(new GatewayConfigFiles(PppConfReader.Read("ppp.conf", source)));

        Assert.False(result.HasErrors, string.Join("\n", result.Diagnostics));
        return ConfigMapping.ToIspLink(result.Model.IspLinks.Single());
    }
}
