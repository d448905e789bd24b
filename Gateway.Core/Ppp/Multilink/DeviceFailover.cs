namespace Gateway.Core.Ppp.Multilink;

/// <summary>
/// Which of a bundle's <c>set device</c> receivers its sublinks dial (docs/CONFIG.md, "set device with several
/// receivers"). Every sublink of the bundle dials the same one, <see cref="Current"/>, because the receivers do not yet
/// reassemble one bundle across nodes (issue 14): members on two receivers would be two bundles. The bundle moves on
/// to the next receiver in the list (after the last, the first again) when a sublink that dialled the current one
/// fails while no member of the bundle is up: the receiver is gone, or unreachable from every path. A sublink that
/// fails while others are up stays with the current receiver (its own path is at fault), and the end of a sublink that
/// dialled an earlier receiver moves nothing (the bundle has already left that one). Pure.
/// </summary>
public sealed class DeviceFailover(int count)
{
    /// <summary>The number of receivers in the list.</summary>
    public int Count { get; } = count > 0 ? count : throw new ArgumentOutOfRangeException(nameof(count), "a device list has at least one entry");

    /// <summary>The index of the receiver every new sublink dials.</summary>
    public int Current { get; private set; }

    /// <summary>How many times the bundle has moved on.</summary>
    public int Moves { get; private set; }

    /// <summary>
    /// A sublink that dialled receiver <paramref name="dialled"/> ended (not by the operator) while
    /// <paramref name="membersUp"/> members of the bundle were up. True when the bundle moved on to the next receiver.
    /// </summary>
    public bool Failed(int dialled, int membersUp)
    {
        if (Count == 1 || dialled != Current || membersUp > 0)
            return false;
        Current = (Current + 1) % Count;
        Moves++;
        return true;
    }
}
