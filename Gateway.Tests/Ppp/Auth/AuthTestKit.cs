using System.Buffers.Binary;
using System.Text;
using Gateway.Core.Ppp.Auth;

namespace Gateway.Tests.Ppp.Auth;

/// <summary>Random bytes from a seeded generator: the same seed, the same challenges.</summary>
internal sealed class SeededRandom(int seed) : IRandomSource
{
    private readonly Random random = new(seed);

    public void Fill(Span<byte> destination) => random.NextBytes(destination);
}

/// <summary>Hands out the bytes given, in order, then zeros: challenges known to the octet.</summary>
internal sealed class ScriptedRandom(params byte[] bytes) : IRandomSource
{
    private int next;

    public void Fill(Span<byte> destination)
    {
        for (int i = 0; i < destination.Length; i++)
            destination[i] = next < bytes.Length ? bytes[next++] : (byte)0;
    }
}

/// <summary>One side of a back-to-back link: its role, its timer on the virtual clock, what it decided.</summary>
internal sealed class Side(IAuthRole role)
{
    public IAuthRole Role { get; } = role;
    public TimeSpan? Deadline { get; set; }
    public List<AuthResult> Results { get; } = [];
    public List<byte[]> Sent { get; } = [];
    public AuthResult? Result => Results.Count == 0 ? null : Results[^1];
    public TimeSpan? DecidedAt { get; set; }
}

/// <summary>
/// An authenticator and a peer wired to each other in memory, with a virtual clock and a loss
/// pattern per direction. Packets are delivered at once; when none is in flight the clock jumps
/// to the earliest armed timer.
/// </summary>
internal sealed class BackToBack
{
    private readonly Queue<(Side To, byte[] Packet)> inFlight = new();

    public BackToBack(IAuthRole authenticator, IAuthRole peer)
    {
        Authenticator = new Side(authenticator);
        Peer = new Side(peer);
    }

    public Side Authenticator { get; }
    public Side Peer { get; }
    public TimeSpan Now { get; private set; }

    /// <summary>Given the 1-based number of a packet sent by the authenticator, whether it is lost.</summary>
    public Func<int, bool> LoseToPeer { get; init; } = _ => false;

    /// <summary>Given the 1-based number of a packet sent by the peer, whether it is lost.</summary>
    public Func<int, bool> LoseToAuthenticator { get; init; } = _ => false;

    public BackToBack Run(TimeSpan? until = null)
    {
        var limit = until ?? TimeSpan.FromMinutes(10);
        Apply(Authenticator, Authenticator.Role.Start());
        Apply(Peer, Peer.Role.Start());
        for (int step = 0; step < 10_000; step++)
        {
            if (inFlight.TryDequeue(out var delivery))
            {
                Apply(delivery.To, delivery.To.Role.Receive(delivery.Packet));
                continue;
            }
            var next = new[] { Authenticator, Peer }.Where(s => s.Deadline is not null).OrderBy(s => s.Deadline).FirstOrDefault();
            if (next is null || next.Deadline > limit)
                break;
            Now = next.Deadline!.Value;
            next.Deadline = null;
            Apply(next, next.Role.TimerExpired());
        }
        return this;
    }

    private void Apply(Side from, AuthOutput output)
    {
        if (output.Packet is { } packet)
        {
            from.Sent.Add(packet);
            var to = from == Authenticator ? Peer : Authenticator;
            var lose = from == Authenticator ? LoseToPeer : LoseToAuthenticator;
            if (!lose(from.Sent.Count))
                inFlight.Enqueue((to, packet));
        }
        if (output.Timer.Action == TimerAction.Start)
            from.Deadline = Now + output.Timer.Interval;
        else if (output.Timer.Action == TimerAction.Stop)
            from.Deadline = null;
        if (output.Result is { } result)
        {
            from.Results.Add(result);
            from.DecidedAt ??= Now;
        }
    }
}

/// <summary>Builders for packets written by hand, and readers for the fields tests check.</summary>
internal static class Packets
{
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Code, Identifier, Length = 4 + data, data.</summary>
    public static byte[] Make(byte code, byte id, params byte[] data)
    {
        var packet = new byte[4 + data.Length];
        packet[0] = code;
        packet[1] = id;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        data.CopyTo(packet, 4);
        return packet;
    }

    /// <summary>A packet whose Length field says <paramref name="length"/>, whatever its real size.</summary>
    public static byte[] WithLength(byte[] packet, int length)
    {
        var copy = (byte[])packet.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(2), (ushort)length);
        return copy;
    }

    public static byte[] PapRequest(byte id, byte[] peerId, byte[] password) =>
        Make(1, id, [(byte)peerId.Length, .. peerId, (byte)password.Length, .. password]);

    public static byte[] ChapValueName(byte code, byte id, byte[] value, byte[] name) =>
        Make(code, id, [(byte)value.Length, .. value, .. name]);

    /// <summary>RFC 1994 4.1 by hand: MD5 over Identifier, secret, Challenge.</summary>
    public static byte[] Md5Response(byte id, byte[] secret, byte[] challenge) =>
        System.Security.Cryptography.MD5.HashData([id, .. secret, .. challenge]);

    /// <summary>Value of a Challenge or Response.</summary>
    public static byte[] ChapValue(byte[] packet) => packet.AsSpan(5, packet[4]).ToArray();

    public static string ChapName(byte[] packet) => Encoding.UTF8.GetString(packet.AsSpan(5 + packet[4]));

    public static string Text(byte[] packet, int offset) => Encoding.UTF8.GetString(packet.AsSpan(offset));
}

internal static class Roles
{
    public static readonly Secret AliceKey = Secret.FromText("alice-key-123");

    public static InMemorySecretStore Store() => new InMemorySecretStore()
        .Add("alice", AliceKey)
        .Add("vpnname", Secret.FromText("vpnkey"));

    public static PapPeer PapPeer(string name = "alice", string key = "alice-key-123", Func<PapPeerSettings, PapPeerSettings>? tweak = null)
    {
        var settings = new PapPeerSettings(name, Secret.FromText(key));
        return new PapPeer(tweak is null ? settings : tweak(settings));
    }

    public static PapAuthenticator PapAuthenticator(ISecretStore? store = null, PapAuthenticatorSettings? settings = null) =>
        new(settings ?? new PapAuthenticatorSettings(), store ?? Store());

    public static ChapPeer ChapPeer(string name = "alice", string key = "alice-key-123", Func<ChapPeerSettings, ChapPeerSettings>? tweak = null)
    {
        var settings = new ChapPeerSettings(name, Secret.FromText(key));
        return new ChapPeer(tweak is null ? settings : tweak(settings));
    }

    public static ChapAuthenticator ChapAuthenticator(
        ISecretStore? store = null, IRandomSource? random = null, Func<ChapAuthenticatorSettings, ChapAuthenticatorSettings>? tweak = null)
    {
        var settings = new ChapAuthenticatorSettings("receiver");
        return new ChapAuthenticator(tweak is null ? settings : tweak(settings), store ?? Store(), random ?? new SeededRandom(1));
    }
}
