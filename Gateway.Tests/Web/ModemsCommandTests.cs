using Gateway.Core.Config;
using Gateway.Emulation.Isp;
using Gateway.Web.Cli;

namespace Gateway.Tests.Web;

/// <summary>What <c>gateway modems</c> plugs in, from ppp.conf: modems at the ISP labels' devices, ISPs by their <c>set phone</c>.</summary>
public class ModemsCommandTests
{
    private static (ModemsCommand.ModemPlan? Plan, List<string> Errors) Plan(string conf, string secrets = "isp1name isp1key\n", params string[] labels)
    {
        var source = new InMemoryConfigSource().Add("ppp.conf", conf).Add("ppp.secret", secrets);
        var model = GatewayModelBuilder.Build(new GatewayConfigFiles(PppConfReader.Read("ppp.conf", source), null, null,
            PppSecrets.Read("ppp.secret", source), ServiceTable.BuiltInOnly)).Model;
        var errors = new List<string>();
        return (ModemsCommand.Plan(model, labels, errors), errors);
    }

    private const string Isps = """
        default:
         set device /tmp/m/cuaa0 /tmp/m/cuaa1
         set speed 57600
         set dial "ATDT\\T"
        isp1:
         set phone 1234567
        isp2:
         set device /tmp/m/cuaa1 /tmp/m/cuaa2
         set phone 7654321
        """;

    [Fact]
    public void Each_isp_in_label_answers_its_numbers_behind_every_device_the_isp_labels_dial_from()
    {
        var (plan, errors) = Plan(Isps + """

            isp-in-1:
             set phone 1234567:1111111
             set ifaddr 10.0.1.1 10.0.1.2-10.0.1.9
             enable chap
            isp-in-2:
             set phone 7654321
             set ifaddr 10.0.2.1 10.0.2.2
            """);

        Assert.Empty(errors);
        Assert.Equal(["/tmp/m/cuaa0", "/tmp/m/cuaa1", "/tmp/m/cuaa2"], plan!.Devices);
        Assert.Equal(57600, plan.LineSpeed);
        Assert.Equal(["1234567", "1111111", "7654321"], plan.Numbers.Select(n => n.Number));
        var isp1 = plan.Numbers[0].Isp;
        Assert.Same(isp1, plan.Numbers[1].Isp);
        Assert.Equal(("isp-in-1", "10.0.1.1", "10.0.1.2", IspAuthentication.Chap),
            (isp1.Name, isp1.LocalAddress.ToString(), isp1.PeerAddress.ToString(), isp1.Authentication));
        Assert.True(isp1.Secrets!.TryGetSecret("isp1name", out _));
        Assert.Equal(IspAuthentication.None, plan.Numbers[2].Isp.Authentication);
    }

    [Fact]
    public void A_number_answered_twice_a_label_without_a_phone_and_an_unknown_label_are_errors()
    {
        var (plan, errors) = Plan(Isps + """

            isp-in-1:
             set phone 1234567
             set ifaddr 10.0.1.1 10.0.1.2
            isp-in-2:
             set phone 123-4567
             set ifaddr 10.0.2.1 10.0.2.2
            isp-in-3:
             set ifaddr 10.0.3.1 10.0.3.2
            """, labels: ["isp-in-1", "isp-in-2", "isp-in-3", "vpn"]);

        Assert.Null(plan);
        Assert.Contains(errors, e => e.StartsWith("vpn: not an answering single-link label", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("isp-in-2: number 123-4567 is answered by another label too", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("isp-in-3: no 'set phone'", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_an_answering_label_or_a_modem_device_there_is_nothing_to_run()
    {
        var (plan, errors) = Plan("vpn:\n set mrru 1500\n");

        Assert.Null(plan);
        Assert.Contains(errors, e => e.StartsWith("no answering label with 'set phone'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("no ISP label dials from a device path", StringComparison.Ordinal));
    }
}
