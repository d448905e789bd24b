namespace Gateway.Core.Ppp.Multilink;

/// <summary>
/// The member links of one bundle as its owner keeps them, pure: a record per member with its index in the Multilink
/// session (RFC 1990's member links are told apart by it in the fragmenter and the reassembler), a key fresh for each
/// join (so a packet still in flight from a member that left is never taken for the one that joined at its index),
/// its name, its reference (an actor), its data path and its weight. Sized from the bundle's settings.
/// </summary>
/// <typeparam name="TRef">How the owner refers to a member (an <c>IActorRef</c>).</typeparam>
/// <typeparam name="TPath">The member's data path.</typeparam>
public sealed class BundleMembers<TRef, TPath> where TRef : notnull where TPath : class
{
    private readonly Member?[] byIndex;
    private readonly Dictionary<TRef, Member> byRef = [];
    private int nextKey;

    public BundleMembers(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        byIndex = new Member?[capacity];
    }

    /// <summary>Most members at once (the session's member identifiers 0 .. Capacity-1).</summary>
    public int Capacity => byIndex.Length;

    public int Count => byRef.Count;

    /// <summary>The members, by name.</summary>
    public IEnumerable<Member> All => byRef.Values.OrderBy(m => m.Name, StringComparer.Ordinal);

    /// <summary>One member link: where it sits in the session, and what its owner knows of it.</summary>
    public sealed class Member(int index, int key, string name, TRef reference, TPath? path, double weight)
    {
        /// <summary>Its identifier in the Multilink session (0 .. Capacity-1), reused after it leaves.</summary>
        public int Index { get; } = index;

        /// <summary>Unique to this join: what its packets carry.</summary>
        public int Key { get; } = key;

        public string Name { get; } = name;

        public TRef Ref { get; } = reference;

        public TPath? Path { get; } = path;

        /// <summary>Its weight for the fragmenter, in bytes per second.</summary>
        public double Weight { get; set; } = weight;

        /// <summary>Bytes received from it so far, as last sampled (for <see cref="RateMirror"/>).</summary>
        public long SampledBytesIn { get; set; }

        /// <summary>Its received rate, smoothed, in bytes per second.</summary>
        public double SmoothedRate { get; set; }
    }

    /// <summary>The member at the lowest free index; false when the bundle is full or the reference is a member already.</summary>
    public bool TryJoin(string name, TRef reference, TPath? path, double weight, out Member member)
    {
        member = null!;
        int index = Array.IndexOf(byIndex, null);
        if (index < 0 || byRef.ContainsKey(reference))
            return false;
        member = new Member(index, ++nextKey, name, reference, path, weight);
        byIndex[index] = member;
        byRef[reference] = member;
        return true;
    }

    /// <summary>Takes the member out; null when it was none.</summary>
    public Member? Leave(TRef reference)
    {
        if (!byRef.Remove(reference, out var member))
            return null;
        byIndex[member.Index] = null;
        return member;
    }

    public Member? ByRef(TRef reference) => byRef.GetValueOrDefault(reference);

    /// <summary>
    /// Whether a member's path passes <paramref name="test"/>, or no member has a path to ask (nothing allocated: a
    /// question per packet).
    /// </summary>
    public bool AnyPathOrNone(Func<TPath, bool> test)
    {
        bool asked = false;
        foreach (var member in byIndex)
        {
            if (member?.Path is not { } path)
                continue;
            if (test(path))
                return true;
            asked = true;
        }
        return !asked;
    }

    public Member? ByIndex(int index) => (uint)index < (uint)byIndex.Length ? byIndex[index] : null;

    /// <summary>The member a packet came from, by its key; null when that member has left since.</summary>
    public Member? ByKey(int index, int key) => ByIndex(index) is { } m && m.Key == key ? m : null;
}

/// <summary>
/// A receiver cannot know its sublinks' speeds, but the gateway weighs what it sends by them: each member's weight
/// follows the rate it receives at, smoothed (exponentially, 0.7 of the old), so the reply traffic spreads the way
/// the gateway's does and a slow line is not given an equal share. An idle member keeps a small weight.
/// </summary>
public static class RateMirror
{
    /// <summary>Bytes per second below which a mirrored weight does not go.</summary>
    public const double MinimumWeight = 2_000;

    private const double Keep = 0.7;

    /// <summary>The new smoothed rate from the bytes received over <paramref name="period"/>.</summary>
    public static double Smooth(double previous, long bytes, TimeSpan period)
    {
        double rate = Math.Max(0, bytes) / period.TotalSeconds;
        return previous == 0 ? rate : previous * Keep + rate * (1 - Keep);
    }

    public static double Weight(double smoothedRate) => Math.Max(smoothedRate, MinimumWeight);
}

/// <summary>
/// When a failed sublink of a bundle starts again: exponential back-off per sublink from <paramref name="min"/> to
/// <paramref name="max"/>, reset once it joins. Pure.
/// </summary>
public sealed class SublinkRestarts(TimeSpan min, TimeSpan max)
{
    private readonly Dictionary<string, int> attempts = new(StringComparer.Ordinal);

    /// <summary>The pause before the next start of <paramref name="name"/> (each failure doubles it, up to the maximum).</summary>
    public TimeSpan Next(string name)
    {
        int attempt = attempts.GetValueOrDefault(name) + 1;
        attempts[name] = attempt;
        return TimeSpan.FromTicks(Math.Min(max.Ticks, min.Ticks << Math.Min(attempt - 1, 16)));
    }

    /// <summary>It joined: the next failure starts from the shortest pause again.</summary>
    public void Joined(string name) => attempts.Remove(name);
}
