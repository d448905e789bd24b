using System.Globalization;
using Gateway.Core.Actors;

namespace Gateway.Web.Hosting;

/// <summary>
/// <c>Gateway:Receiver</c>: how many gateways one receiver takes, and how fast new ones may join (docs/CONFIG.md,
/// "Receiver capacity"). FreeBSD ppp runs one process per link and has no such limits; the defaults suit a receiver of
/// a few hundred gateways, and a concentrator of thousands raises them (docs/BENCHMARKS.md, "Receiver cluster scale").
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>MaxPeers</c>: sublinks (peer address and port) with state at once (<see cref="ReceiverOptions.MaxPeers"/>).</item>
/// <item><c>MaxNewPeerRequestsPerSecond</c>, <c>MaxKnownPeerRequestsPerSecond</c>: LCP Configure-Requests per second
/// from senders without a sublink that may each start one, from unknown and from known addresses
/// (<see cref="ReceiverOptions.MaxNewPeerRequestsPerSecond"/>); more are counted and dropped, and their gateways retry.</item>
/// </list>
/// </remarks>
public sealed record ReceiverLimits
{
    public const string Section = "Gateway:Receiver";

    /// <summary>Above this a receiver's per-peer tables are no longer the bound they are meant to be.</summary>
    public const int MaxPeersLimit = 65_536;

    public int? MaxPeers { get; init; }

    public int? MaxNewPeerRequestsPerSecond { get; init; }

    public int? MaxKnownPeerRequestsPerSecond { get; init; }

    /// <summary>Reads <c>Gateway:Receiver</c>; every problem is added to <paramref name="errors"/> with the key it is under.</summary>
    public static ReceiverLimits Read(IConfiguration configuration, List<string> errors)
    {
        var section = configuration.GetSection(Section);
        return new ReceiverLimits
        {
            MaxPeers = Count(section, nameof(MaxPeers), MaxPeersLimit, errors),
            MaxNewPeerRequestsPerSecond = Count(section, nameof(MaxNewPeerRequestsPerSecond), 1_000_000, errors),
            MaxKnownPeerRequestsPerSecond = Count(section, nameof(MaxKnownPeerRequestsPerSecond), 1_000_000, errors),
        };
    }

    /// <summary><paramref name="options"/> with the limits given here; the others keep their defaults.</summary>
    public ReceiverOptions Apply(ReceiverOptions options) => options with
    {
        MaxPeers = MaxPeers ?? options.MaxPeers,
        MaxNewPeerRequestsPerSecond = MaxNewPeerRequestsPerSecond ?? options.MaxNewPeerRequestsPerSecond,
        MaxKnownPeerRequestsPerSecond = MaxKnownPeerRequestsPerSecond ?? options.MaxKnownPeerRequestsPerSecond,
    };

    private static int? Count(IConfigurationSection section, string key, int most, List<string> errors)
    {
        if (section[key] is not { } text)
            return null;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value is >= 1 && value <= most)
            return value;
        errors.Add($"{Section}:{key}: '{text}' is not a whole number from 1 to {most.ToString("N0", CultureInfo.InvariantCulture)}");
        return null;
    }
}
