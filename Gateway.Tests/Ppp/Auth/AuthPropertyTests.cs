using CsCheck;
using Gateway.Core.Ppp.Auth;

namespace Gateway.Tests.Ppp.Auth;

public class AuthPropertyTests
{
    private static IAuthRole[] AllRoles(bool started)
    {
        IAuthRole[] roles =
        [
            Roles.PapPeer(),
            Roles.PapAuthenticator(Roles.Store().Add("", Secret.Empty)),
            Roles.ChapPeer(),
            Roles.ChapAuthenticator(Roles.Store().Add("", Secret.Empty)),
        ];
        if (started)
            foreach (var role in roles)
                role.Start();
        return roles;
    }

    /// <summary>Random packets, mostly with a plausible code and a consistent Length so the parsers get exercised deep.</summary>
    private static readonly Gen<byte[]> Packet = Gen.OneOf(
        Gen.Byte.Array[0, 64],
        Gen.Select(Gen.Byte[0, 5], Gen.Byte, Gen.Byte.Array[0, 300], (code, id, data) =>
        {
            var packet = new byte[4 + data.Length];
            packet[0] = code;
            packet[1] = id;
            packet[2] = (byte)(packet.Length >> 8);
            packet[3] = (byte)packet.Length;
            data.CopyTo(packet, 4);
            return packet;
        }));

    [Fact]
    public void Random_bytes_never_throw_from_any_role()
    {
        Gen.Select(Packet.Array[1, 20], Gen.Bool).Sample((packets, started) =>
        {
            foreach (var role in AllRoles(started))
                foreach (var packet in packets)
                {
                    var output = role.Receive(packet);
                    Assert.NotNull(output);
                }
        }, iter: 2000);
    }

    [Fact]
    public void Random_packets_and_timer_expiries_interleaved_never_throw_and_each_packet_is_accounted_for()
    {
        Gen.Select(Packet, Gen.Bool).Array[1, 40].Sample(events =>
        {
            foreach (var role in AllRoles(started: true))
            {
                long accounted = 0;
                foreach (var (packet, fireTimer) in events)
                {
                    var before = role.Counters.Dropped + role.Counters.Repeated + role.Counters.Malformed;
                    var output = role.Receive(packet);
                    var after = role.Counters.Dropped + role.Counters.Repeated + role.Counters.Malformed;
                    // a packet either did something or was counted
                    Assert.True(output.Packet is not null || output.Result is not null || output.Timer.Action != TimerAction.None || after > before);
                    accounted++;
                    if (fireTimer)
                        role.TimerExpired();
                }
                Assert.Equal(events.Length, accounted);
            }
        }, iter: 1000);
    }

    [Fact]
    public void Garbage_before_a_good_exchange_does_not_stop_chap_from_authenticating()
    {
        Gen.Byte.Array[0, 40].Array[0, 10].Sample(garbage =>
        {
            var authenticator = Roles.ChapAuthenticator();
            var peer = Roles.ChapPeer();
            var challenge = authenticator.Start().Packet!;
            peer.Start();
            foreach (var junk in garbage)
                if (junk.Length < 2 || junk[1] != challenge[1]) // junk carrying the live identifier could legitimately decide
                {
                    authenticator.Receive(junk);
                    peer.Receive(junk);
                }

            var response = peer.Receive(challenge).Packet!;
            var verdict = authenticator.Receive(response);

            Assert.IsType<AuthResult.Succeeded>(verdict.Result);
            Assert.IsType<AuthResult.Succeeded>(peer.Receive(verdict.Packet).Result);
        }, iter: 500);
    }
}
