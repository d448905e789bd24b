using Akka.Actor;
using Gateway.Core.Actors;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Hosting;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Status;
using static Gateway.Tests.Actors.BundleEndToEndTests;
using static Gateway.Tests.Actors.ReceiverTestSupport;

namespace Gateway.Tests.Actors;

/// <summary>
/// Issue 16's link policy over real loopback UDP, gateway and receiver built with the production wiring: three NIC
/// sublinks, the third a backup (ppp.conf's <c>link 3 set policy backup</c>).
/// </summary>
public class BackupMemberTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>At most this many fragments on the backup while a primary is up: the bundle's own NCP packets may go there (none is expected).</summary>
    private const long ControlAllowance = 5;

    [Fact]
    public async Task The_backup_carries_no_data_while_a_primary_is_up_all_of_it_once_both_are_closed_and_none_again_when_one_returns()
    {
        var sink = new ProbeSink();
        await using var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(Receiver(sink)));
        var listening = await ListeningAsync(receiver);
        var options = new GatewayOptions
        {
            Bundles =
            [
                Vpn([
                    new SublinkSpec("1", Nic(listening), "nic", listening),
                    new SublinkSpec("2", Nic(listening), "nic", listening),
                    new SublinkSpec("3", Nic(listening), "nic", listening, Policy: MemberPolicy.Backup),
                ]),
            ],
        };
        await using var gateway = await ActorHost.StartAsync("gateway", a => a.WithGatewayActors(options));
        var root = await gateway.GetAsync<ActorKeys.Gateway>();
        var bundle = await BundleAsync(gateway, "vpn");
        var up = await WaitForBundleAsync(bundle, s => s.Up && s.Members.Count == 3, Timeout);
        Assert.Equal((true, (int?)null, false), (Member(up, "3").Backup, Member(up, "3").Priority, Member(up, "3").CarriesData));
        Assert.Equal(0.0, Member(up, "3").SharePercent);

        // The primaries up: the probes flow, and none of them on the backup.
        long backupBefore = Member(up, "3").FragmentsOut;
        await SendProbesAsync(bundle, 0, 2_000);
        await WaitForProbesAsync(sink, 0, 2_000);
        var shared = await StatusAsync(bundle);
        Assert.InRange(Member(shared, "3").FragmentsOut - backupBefore, 0, ControlAllowance);
        Assert.True(Member(shared, "1").FragmentsOut + Member(shared, "2").FragmentsOut >= 2_000);

        // Both primaries closed: the backup is all there is, and the probes go over it.
        foreach (var primary in new[] { "1", "2" })
            Assert.True((await root.Ask<LinkCommandResult>(new LinkCommand(primary, LinkCommandKind.Close), Timeout)).Found);
        var alone = await WaitForBundleAsync(bundle, s => s.Members.Count == 1, Timeout);
        Assert.True(Member(alone, "3").CarriesData);
        Assert.Equal(100.0, Member(alone, "3").SharePercent);
        backupBefore = Member(alone, "3").FragmentsOut;
        await SendProbesAsync(bundle, 2_000, 1_000);
        await WaitForProbesAsync(sink, 2_000, 1_000);
        Assert.True(Member(await StatusAsync(bundle), "3").FragmentsOut - backupBefore >= 1_000);

        // A primary dialled again: data leaves the backup.
        Assert.True((await root.Ask<LinkCommandResult>(new LinkCommand("1", LinkCommandKind.Dial), Timeout)).Found);
        var back = await WaitForBundleAsync(bundle, s => s.Members.Count == 2 && !Member(s, "3").CarriesData, Timeout);
        backupBefore = Member(back, "3").FragmentsOut;
        await SendProbesAsync(bundle, 3_000, 1_000);
        await WaitForProbesAsync(sink, 3_000, 1_000);
        Assert.InRange(Member(await StatusAsync(bundle), "3").FragmentsOut - backupBefore, 0, ControlAllowance);
    }

    [Fact]
    public async Task The_operator_makes_a_member_a_backup_at_run_time_and_it_keeps_that_across_a_close_and_dial()
    {
        var sink = new ProbeSink();
        await using var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(Receiver(sink)));
        var listening = await ListeningAsync(receiver);
        await using var gateway = await GatewayAsync("gateway", NicBundle("vpn", listening, GatewayMember(), sublinks: 2));
        var root = await gateway.GetAsync<ActorKeys.Gateway>();
        var bundle = await BundleAsync(gateway, "vpn");
        await WaitForBundleAsync(bundle, s => s.Up && s.Members.Count == 2, Timeout);

        var set = await root.Ask<MemberPolicyResult>(new MemberPolicyCommand("vpn", "2", MemberPolicy.Backup), Timeout);

        Assert.True(set.Found, set.Message);
        var backup = await WaitForBundleAsync(bundle, s => Member(s, "2").Backup, Timeout);
        Assert.False(Member(backup, "2").CarriesData);
        long before = Member(backup, "2").FragmentsOut;
        await SendProbesAsync(bundle, 0, 500);
        await WaitForProbesAsync(sink, 0, 500);
        Assert.InRange(Member(await StatusAsync(bundle), "2").FragmentsOut - before, 0, ControlAllowance);

        await root.Ask<LinkCommandResult>(new LinkCommand("2", LinkCommandKind.Close), Timeout);
        await WaitForBundleAsync(bundle, s => s.Members.Count == 1, Timeout);
        await root.Ask<LinkCommandResult>(new LinkCommand("2", LinkCommandKind.Dial), Timeout);
        var rejoined = await WaitForBundleAsync(bundle, s => s.Members.Count == 2, Timeout);
        Assert.True(Member(rejoined, "2").Backup);

        Assert.False((await root.Ask<MemberPolicyResult>(new MemberPolicyCommand("vpn", "9", MemberPolicy.Backup), Timeout)).Found);
        Assert.False((await root.Ask<MemberPolicyResult>(new MemberPolicyCommand("other", "2", MemberPolicy.Backup), Timeout)).Found);
    }

    [Fact]
    public async Task A_primary_whose_peer_is_unreachable_hands_the_data_to_the_backup_at_once_and_takes_it_back_when_the_peer_answers()
    {
        var sink = new ProbeSink();
        await using var rig = await RelayRig.StartAsync(sink, (direct, relayed) =>
        [
            new SublinkSpec("1", Nic(relayed), "nic via relay", relayed),
            new SublinkSpec("2", Nic(direct), "nic", direct, Policy: MemberPolicy.Backup),
        ]);
        var (bundle, relay) = (rig.Bundle, rig.Relay);

        // The primary's far end goes away: the kernel answers its datagrams with ICMP port unreachable.
        relay.HardDown = true;
        int seq = 0;
        var paused = await SendUntilAsync(bundle, () => seq++, s => s.Paused.Contains("1"));
        Assert.True(Member(paused, "2").CarriesData);
        long before = Member(paused, "2").FragmentsOut;
        int from = seq;
        await SendProbesAsync(bundle, from, 500);
        seq += 500;
        // An echo reply the relay passed just before it went down can lift the pause for a moment (the primary then
        // loses what it is given until the next ICMP pauses it again): most probes, not all, is what this may demand.
        await WaitForProbesAsync(sink, from, 500, atLeast: 450);
        Assert.True(Member(await StatusAsync(bundle), "2").FragmentsOut - before >= 450);

        // The far end is back: the primary's pause ends and the data leaves the backup.
        relay.HardDown = false;
        var resumed = await SendUntilAsync(bundle, () => seq++, s => s.Paused.Count == 0);
        Assert.False(Member(resumed, "2").CarriesData);
        before = Member(resumed, "2").FragmentsOut;
        from = seq;
        await SendProbesAsync(bundle, from, 500);
        await WaitForProbesAsync(sink, from, 500);
        Assert.InRange(Member(await StatusAsync(bundle), "2").FragmentsOut - before, 0, ControlAllowance);
    }

    private static MemberStatus Member(BundleStatus status, string name) => status.MemberDetails.Single(m => m.Name == name);

    /// <summary>Waits until the receiver has delivered every probe of [first, first+count), or <paramref name="atLeast"/> of them.</summary>
    private static async Task WaitForProbesAsync(ProbeSink sink, int first, int count, int? atLeast = null)
    {
        var deadline = DateTime.UtcNow + Timeout;
        int delivered;
        do
        {
            delivered = sink.Sequences().Count(s => s >= first && s < first + count);
            if (delivered >= (atLeast ?? count))
                return;
            await Task.Delay(20);
        }
        while (DateTime.UtcNow < deadline);
        throw new Xunit.Sdk.XunitException($"{delivered} of probes {first}..{first + count - 1} delivered");
    }
}
