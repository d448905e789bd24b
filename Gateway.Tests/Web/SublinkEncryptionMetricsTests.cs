using System.Text;
using Gateway.Core.Status;
using Gateway.Web.Metrics;
using Gateway.Web.Status;

namespace Gateway.Tests.Web;

/// <summary>Issue 13: each sublink's encryption (state, key age, rejected datagrams by reason) reaches <c>/metrics</c> from the status board.</summary>
public class SublinkEncryptionMetricsTests
{
    private static SublinkStatus Sublink(string name, EncryptionStatus encryption) =>
        new("vpn", name, "nic", SublinkState.Open, "vpn-in", null, null, new LinkCounters(0, 0, 0, 0, 0, 0, 0)) { Encryption = encryption };

    [Fact]
    public async Task An_encrypted_sublink_exports_its_state_key_age_and_rejections_and_a_clear_one_says_it_is_clear()
    {
        var board = new StatusBoard();
        board.Apply(new SublinkChanged(Sublink("1", new EncryptionStatus(true, true, 42.5, RejectedDatagrams.None with { BadTag = 3, Replay = 7 }, 0))));
        board.Apply(new SublinkChanged(Sublink("2", EncryptionStatus.Clear)));
        var role = new GatewayRoleInfo("gateway");
        var metrics = new GatewayMetrics(board, new StatusFeed(board, null!, role), role);

        using var stream = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(stream);
        var text = Encoding.UTF8.GetString(stream.ToArray());

        Assert.Contains("gateway_sublink_encrypted{bundle=\"vpn\",sublink=\"1\"} 1", text);
        Assert.Contains("gateway_sublink_key_age_seconds{bundle=\"vpn\",sublink=\"1\"} 42.5", text);
        Assert.Contains("gateway_sublink_rejected_datagrams_total{bundle=\"vpn\",sublink=\"1\",reason=\"bad_tag\"} 3", text);
        Assert.Contains("gateway_sublink_rejected_datagrams_total{bundle=\"vpn\",sublink=\"1\",reason=\"replay\"} 7", text);
        Assert.Contains("gateway_sublink_encrypted{bundle=\"vpn\",sublink=\"2\"} 0", text);
        Assert.DoesNotContain("gateway_sublink_key_age_seconds{bundle=\"vpn\",sublink=\"2\"}", text);
        Assert.DoesNotContain("gateway_sublink_rejected_datagrams_total{bundle=\"vpn\",sublink=\"2\"", text);
    }
}
