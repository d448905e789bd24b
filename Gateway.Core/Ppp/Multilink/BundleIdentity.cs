namespace Gateway.Core.Ppp.Multilink;

/// <summary>
/// What makes two links belong to one bundle (RFC 1990 section 5.1.3; FreeBSD ppp's peerid): the name the
/// peer authenticated with (empty when no authentication took place) and the peer's Endpoint Discriminator.
/// Compared byte for byte, case-sensitively, as FreeBSD compares them.
/// </summary>
public sealed class BundleIdentity : IEquatable<BundleIdentity>
{
    public BundleIdentity(string peerAuthName, EndpointDiscriminator peerDiscriminator)
    {
        PeerAuthName = peerAuthName ?? "";
        PeerDiscriminator = peerDiscriminator ?? EndpointDiscriminator.None;
    }

    /// <summary>The peer's authenticated name (PAP Peer-ID or CHAP Name); "" without authentication.</summary>
    public string PeerAuthName { get; }

    public EndpointDiscriminator PeerDiscriminator { get; }

    public bool Equals(BundleIdentity? other) =>
        other is not null && string.Equals(PeerAuthName, other.PeerAuthName, StringComparison.Ordinal) && PeerDiscriminator.Equals(other.PeerDiscriminator);

    public override bool Equals(object? obj) => Equals(obj as BundleIdentity);

    public override int GetHashCode() => HashCode.Combine(StringComparer.Ordinal.GetHashCode(PeerAuthName), PeerDiscriminator);

    public override string ToString() => $"{(PeerAuthName.Length == 0 ? "(no auth)" : PeerAuthName)}/{PeerDiscriminator}";
}

/// <summary>
/// The MP parameters LCP settled on one link (RFC 1990 5.1.1 MRRU, 5.1.2 Short Sequence). Every link of a
/// bundle must carry the same four values, as FreeBSD's mp_Up checks.
/// </summary>
public readonly record struct MultilinkLinkParameters(ushort LocalMrru, ushort PeerMrru, bool LocalShortSequence, bool PeerShortSequence)
{
    /// <summary>Sequence format of fragments we receive (we asked for short sequence numbers).</summary>
    public MpSequenceFormat ReceiveFormat => LocalShortSequence ? MpSequenceFormat.Short : MpSequenceFormat.Long;

    /// <summary>Sequence format of fragments we send (the peer asked for short sequence numbers).</summary>
    public MpSequenceFormat SendFormat => PeerShortSequence ? MpSequenceFormat.Short : MpSequenceFormat.Long;
}

public enum BundleJoinOutcome : byte
{
    /// <summary>The link joins the existing bundle.</summary>
    Join = 0,
    /// <summary>The link belongs to another peer: it starts (or joins) a different bundle.</summary>
    DifferentBundle = 1,
    /// <summary>Same peer, but the link's MP parameters differ from the bundle's: the link is refused (closed).</summary>
    Refused = 2,
}

/// <summary>The decision on a new link and, when it is not a plain join, the reason in words for the log.</summary>
public readonly record struct BundleJoinDecision(BundleJoinOutcome Outcome, string? Reason);

/// <summary>
/// Decides whether a link whose LCP and authentication are done joins an existing bundle, as FreeBSD ppp's
/// mp_Up does: the identity (peer authname, peer endpoint discriminator) must be equal, and then the local
/// and peer MRRU and short-sequence choices must equal the bundle's, or the link is refused.
/// </summary>
public static class BundleJoinPolicy
{
    public static BundleJoinDecision Decide(BundleIdentity bundle, in MultilinkLinkParameters bundleParameters, BundleIdentity link, in MultilinkLinkParameters linkParameters)
    {
        if (!bundle.Equals(link))
            return new(BundleJoinOutcome.DifferentBundle, $"peer {link} is not the bundle's peer {bundle}");
        if (bundleParameters.LocalMrru != linkParameters.LocalMrru)
            return new(BundleJoinOutcome.Refused, $"local MRRU {linkParameters.LocalMrru} differs from the bundle's {bundleParameters.LocalMrru}");
        if (bundleParameters.PeerMrru != linkParameters.PeerMrru)
            return new(BundleJoinOutcome.Refused, $"peer MRRU {linkParameters.PeerMrru} differs from the bundle's {bundleParameters.PeerMrru}");
        if (bundleParameters.LocalShortSequence != linkParameters.LocalShortSequence)
            return new(BundleJoinOutcome.Refused, $"local short-sequence {(linkParameters.LocalShortSequence ? "on" : "off")} differs from the bundle's");
        if (bundleParameters.PeerShortSequence != linkParameters.PeerShortSequence)
            return new(BundleJoinOutcome.Refused, $"peer short-sequence {(linkParameters.PeerShortSequence ? "on" : "off")} differs from the bundle's");
        return new(BundleJoinOutcome.Join, null);
    }
}
