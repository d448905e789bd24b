using Akka.Actor;
using Akka.Serialization;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Multilink;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Core.Actors.Cluster;

/// <summary>
/// The wire form of what a <see cref="MemberRelay"/> and a bundle on another node say to each other (issue 14): a
/// compact binary encoding per message, so that a fragment crosses the nodes as its bytes and a few more, and so that
/// the negotiated LCP options (an endpoint discriminator among them) travel exactly. Bound to these messages by
/// <see cref="Hocon"/>; an unknown manifest or a truncated message throws <see cref="System.Runtime.Serialization.SerializationException"/>,
/// which Akka.Remote logs and drops.
/// </summary>
public sealed class MemberRelaySerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>The serializer's id among Akka's (user ids start above 100).</summary>
    public const int Id = 4716;

    /// <summary>The configuration that binds the relay's messages to this serializer.</summary>
    public static string Hocon => $$"""
        akka.actor.serializers.gateway-relay = "{{typeof(MemberRelaySerializer).AssemblyQualifiedName}}"
        akka.actor.serialization-bindings {
        {{string.Join("\n", Manifests.Keys.Select(t => $"  \"{t.AssemblyQualifiedName}\" = gateway-relay"))}}
        }
        """;

    private static readonly Dictionary<Type, string> Manifests = new()
    {
        [typeof(RemoteSublinkUp)] = "up",
        [typeof(RelayedFragment)] = "out",
        [typeof(BundleNumbering)] = "numbering",
        [typeof(FragmentIn)] = "in",
        [typeof(DirectIn)] = "direct",
        [typeof(SublinkDown)] = "down",
        [typeof(MemberUnreachable)] = "unreachable",
        [typeof(MemberReachable)] = "reachable",
        [typeof(MemberLate)] = "late",
        [typeof(MemberOnTime)] = "ontime",
        [typeof(MemberRejectedProtocol)] = "rejected",
        [typeof(JoinedBundle)] = "joined",
        [typeof(Refused)] = "refused",
        [typeof(RejectForBundle)] = "reject",
        [typeof(ForBundle)] = "for",
        [typeof(BundleMoving)] = "moving",
    };

    public override int Identifier => Id;

    public override string Manifest(object o) =>
        Manifests.TryGetValue(o.GetType(), out var manifest) ? manifest : throw new ArgumentException($"not a relay message: {o.GetType()}");

    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            switch (obj)
            {
                case RemoteSublinkUp u:
                    w.Write(u.Name);
                    Ref(w, u.Relay);
                    Link(w, u.Link);
                    w.Write(u.PeerName);
                    OptionalString(w, u.Remote);
                    w.Write(u.Address);
                    w.Write(u.NextSequence);
                    break;
                case ForBundle f:
                    w.Write(f.Identity);
                    w.Write(Manifest(f.Message));
                    Bytes(w, ToBinary(f.Message));
                    break;
                case RelayedFragment f:
                    Bytes(w, f.Fragment);
                    break;
                case BundleNumbering n:
                    w.Write(n.NextSequence);
                    break;
                case FragmentIn f:
                    Ref(w, f.Sublink);
                    Bytes(w, f.Fragment);
                    break;
                case DirectIn d:
                    Ref(w, d.Sublink);
                    w.Write(d.Protocol);
                    Bytes(w, d.Information);
                    break;
                case SublinkDown d:
                    w.Write(d.Name);
                    Ref(w, d.Sublink);
                    w.Write(d.Reason);
                    break;
                case MemberUnreachable m:
                    Ref(w, m.Sublink);
                    w.Write(m.Reason);
                    break;
                case MemberReachable m:
                    Ref(w, m.Sublink);
                    break;
                case MemberLate m:
                    Ref(w, m.Sublink);
                    w.Write(m.Waited.Ticks);
                    w.Write(m.LateAfter.Ticks);
                    break;
                case MemberOnTime m:
                    Ref(w, m.Sublink);
                    w.Write(m.Rtt.Ticks);
                    w.Write(m.InTime);
                    break;
                case MemberRejectedProtocol m:
                    Ref(w, m.Sublink);
                    w.Write((ushort)m.Protocol);
                    break;
                case JoinedBundle j:
                    Ref(w, j.Bundle);
                    w.Write(j.BundleName);
                    w.Write(j.Index);
                    w.Write(j.Key);
                    break;
                case Refused r:
                    w.Write(r.Reason);
                    break;
                case RejectForBundle r:
                    w.Write(r.Protocol);
                    Bytes(w, r.Information);
                    break;
                case BundleMoving m:
                    Ref(w, m.Node);
                    break;
                default:
                    throw new ArgumentException($"not a relay message: {obj.GetType()}");
            }
        }
        return stream.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes));
            return manifest switch
            {
                "up" => new RemoteSublinkUp(r.ReadString(), Ref(r), Link(r), r.ReadString(), OptionalString(r), r.ReadInt32(), r.ReadInt64()),
                "for" => new ForBundle(r.ReadString(), Inner(r.ReadString(), Bytes(r))),
                "out" => new RelayedFragment(Bytes(r)),
                "numbering" => new BundleNumbering(r.ReadInt64()),
                "in" => new FragmentIn(Ref(r), Bytes(r)),
                "direct" => new DirectIn(Ref(r), r.ReadUInt16(), Bytes(r)),
                "down" => new SublinkDown(r.ReadString(), Ref(r), r.ReadString()),
                "unreachable" => new MemberUnreachable(Ref(r), r.ReadString()),
                "reachable" => new MemberReachable(Ref(r)),
                "late" => new MemberLate(Ref(r), TimeSpan.FromTicks(r.ReadInt64()), TimeSpan.FromTicks(r.ReadInt64())),
                "ontime" => new MemberOnTime(Ref(r), TimeSpan.FromTicks(r.ReadInt64()), r.ReadBoolean()),
                "rejected" => new MemberRejectedProtocol(Ref(r), (PppProtocol)r.ReadUInt16()),
                "joined" => new JoinedBundle(Ref(r), r.ReadString(), r.ReadInt32(), r.ReadInt32()),
                "refused" => new Refused(r.ReadString()),
                "reject" => new RejectForBundle(r.ReadUInt16(), Bytes(r)),
                "moving" => new BundleMoving(Ref(r)),
                _ => throw new System.Runtime.Serialization.SerializationException($"unknown relay message '{manifest}'"),
            };
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException or FormatException)
        {
            throw new System.Runtime.Serialization.SerializationException($"malformed relay message '{manifest}': {e.Message}", e);
        }
    }

    /// <summary>The message inside a <see cref="ForBundle"/>: one of the others, never another envelope.</summary>
    private object Inner(string manifest, byte[] bytes) =>
        manifest == "for" ? throw new System.Runtime.Serialization.SerializationException("an envelope inside an envelope") : FromBinary(bytes, manifest);

    private static void Ref(BinaryWriter w, IActorRef actor) => w.Write(Serialization.SerializedActorPath(actor));

    private IActorRef Ref(BinaryReader r) => system.Provider.ResolveActorRef(r.ReadString());

    private static void Bytes(BinaryWriter w, byte[] bytes)
    {
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    private static byte[] Bytes(BinaryReader r)
    {
        int length = r.ReadInt32();
        if (length < 0 || length > r.BaseStream.Length - r.BaseStream.Position)
            throw new EndOfStreamException($"a length of {length} past the message's end");
        return r.ReadBytes(length);
    }

    private static void OptionalString(BinaryWriter w, string? text)
    {
        w.Write(text is not null);
        if (text is not null)
            w.Write(text);
    }

    private static string? OptionalString(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    private static void Link(BinaryWriter w, LcpNegotiated l)
    {
        w.Write(l.PeerMru);
        w.Write(l.LocalMru);
        w.Write(l.SendAccm);
        w.Write(l.ReceiveAccm);
        w.Write((byte)l.AuthenticateToPeer);
        w.Write((byte)l.AuthenticatePeer);
        w.Write(l.PeerRefusedAuthentication);
        w.Write(l.SendPfc);
        w.Write(l.ReceivePfc);
        w.Write(l.SendAcfc);
        w.Write(l.ReceiveAcfc);
        w.Write(l.LocalMagic);
        w.Write(l.PeerMagic);
        OptionalUInt(w, l.PeerMrru);
        OptionalUInt(w, l.LocalMrru);
        w.Write(l.SendShortSequence);
        w.Write(l.ReceiveShortSequence);
        Discriminator(w, l.PeerEndpointDiscriminator);
        Discriminator(w, l.LocalEndpointDiscriminator);
        OptionalUInt(w, l.SendLqrPeriod);
        OptionalUInt(w, l.ReceiveLqrPeriod);
    }

    private static LcpNegotiated Link(BinaryReader r) => new()
    {
        PeerMru = r.ReadUInt16(),
        LocalMru = r.ReadUInt16(),
        SendAccm = r.ReadUInt32(),
        ReceiveAccm = r.ReadUInt32(),
        AuthenticateToPeer = (LcpAuthentication)r.ReadByte(),
        AuthenticatePeer = (LcpAuthentication)r.ReadByte(),
        PeerRefusedAuthentication = r.ReadBoolean(),
        SendPfc = r.ReadBoolean(),
        ReceivePfc = r.ReadBoolean(),
        SendAcfc = r.ReadBoolean(),
        ReceiveAcfc = r.ReadBoolean(),
        LocalMagic = r.ReadUInt32(),
        PeerMagic = r.ReadUInt32(),
        PeerMrru = (ushort?)OptionalUInt(r),
        LocalMrru = (ushort?)OptionalUInt(r),
        SendShortSequence = r.ReadBoolean(),
        ReceiveShortSequence = r.ReadBoolean(),
        PeerEndpointDiscriminator = Discriminator(r),
        LocalEndpointDiscriminator = Discriminator(r),
        SendLqrPeriod = OptionalUInt(r),
        ReceiveLqrPeriod = OptionalUInt(r),
    };

    private static void OptionalUInt(BinaryWriter w, uint? value)
    {
        w.Write(value.HasValue);
        w.Write(value ?? 0);
    }

    private static uint? OptionalUInt(BinaryReader r)
    {
        bool has = r.ReadBoolean();
        uint value = r.ReadUInt32();
        return has ? value : null;
    }

    private static void Discriminator(BinaryWriter w, EndpointDiscriminator? d)
    {
        w.Write(d is not null);
        if (d is null)
            return;
        w.Write((byte)d.Class);
        w.Write((byte)d.Address.Length);
        w.Write(d.Address);
    }

    private static EndpointDiscriminator? Discriminator(BinaryReader r)
    {
        if (!r.ReadBoolean())
            return null;
        byte @class = r.ReadByte();
        var address = r.ReadBytes(r.ReadByte());
        return EndpointDiscriminator.TryCreate(@class, address, out var d, out var error)
            ? d
            : throw new System.Runtime.Serialization.SerializationException($"endpoint discriminator: {error}");
    }
}
