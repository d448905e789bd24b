using Gateway.Core.Config;
using Gateway.Core.Ppp.Multilink;

namespace Gateway.Tests.Config;

/// <summary>Issue 16's ppp.conf extension: <c>set schedule latency|throughput</c>, per bundle, on either end.</summary>
public class ScheduleConfigTests
{
    private static GatewayModelResult Build(string conf) =>
        GatewayModelBuilder.Build(new GatewayConfigFiles(PppConfReader.Read("ppp.conf", new InMemoryConfigSource().Add("ppp.conf", conf))));

    private const string NicBundle = "vpn-nic:\n set mrru 1500\n set device 127.0.0.1:6671/udp\n";

    private const string Receiver = "vpn-in:\n set mrru 1500\n enable chap\n set ifaddr 10.0.0.1 10.0.0.2\n";

    [Fact]
    public void Latency_is_the_default_on_both_ends()
    {
        var model = Build(NicBundle + Receiver).Model;

        Assert.Equal(MpSchedule.Latency, model.Bundles.Single().Schedule);
        Assert.Equal(MpSchedule.Latency, model.Receivers.Single().Schedule);
    }

    [Theory]
    [InlineData(" set schedule throughput", MpSchedule.Throughput)]
    [InlineData(" set sched THROUGHPUT", MpSchedule.Throughput)]   // by prefix and case, as every set word
    [InlineData(" set schedule throughput\n set schedule latency", MpSchedule.Latency)]
    public void Set_schedule_chooses_the_bundles_schedule_on_the_gateway_and_on_the_receiver(string lines, MpSchedule expected)
    {
        var result = Build(NicBundle + lines + "\n" + Receiver + lines + "\n");

        Assert.False(result.HasErrors, string.Join("\n", result.Diagnostics));
        Assert.Equal(expected, result.Model.Bundles.Single().Schedule);
        Assert.Equal(expected, result.Model.Receivers.Single().Schedule);
    }

    [Theory]
    [InlineData(" set schedule")]
    [InlineData(" set schedule fastest")]
    [InlineData(" set schedule throughput now")]
    public void A_malformed_schedule_is_an_error_at_its_line_and_leaves_the_setting_as_it_was(string line)
    {
        var result = Build(NicBundle + " set schedule throughput\n" + line + "\n");

        var error = Assert.Single(result.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(("ppp.conf", 5), (error.File, error.Line));
        Assert.Contains("set schedule latency|throughput", error.Message);
        Assert.Equal(MpSchedule.Throughput, result.Model.Bundles.Single().Schedule);
    }
}
