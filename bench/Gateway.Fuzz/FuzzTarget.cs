namespace Gateway.Fuzz;

/// <summary>
/// One fuzz target: a small harness that feeds one input to one decoder or parser of Gateway.Core the way peer or
/// user bytes reach it. A target throws only to report a finding (an exception out of the core, a broken invariant,
/// <see cref="UnboundedAllocationException"/>); afl-fuzz records the input as a crash.
/// </summary>
internal interface IFuzzTarget
{
    /// <summary>The name on the command line and the corpus folder (<c>bench/fuzz/corpus/NAME</c>).</summary>
    string Name { get; }

    /// <summary>What it feeds, and how the input is laid out.</summary>
    string Description { get; }

    /// <summary>Bytes one input may allocate whatever its size (set-up of sessions, automata, documents).</summary>
    long AllocationBase { get; }

    /// <summary>Bytes one input may allocate per input byte on top of <see cref="AllocationBase"/>.</summary>
    long AllocationPerByte { get; }

    void Run(ReadOnlySpan<byte> input);
}

/// <summary>An input made the core allocate more than its target allows for its size: memory the peer controls.</summary>
internal sealed class UnboundedAllocationException(string message) : Exception(message);

/// <summary>An invariant the harness checks after the core returned was broken.</summary>
internal sealed class InvariantException(string message) : Exception(message);

internal static class FuzzTargets
{
    public static IReadOnlyList<IFuzzTarget> All { get; } =
    [
        new HdlcAsyncTarget(),
        new HdlcSyncTarget(),
        new PppHeaderTarget(),
        new LcpTarget(),
        new IpcpTarget(),
        new CcpTarget(),
        new PapTarget(),
        new ChapTarget(),
        new LqrEchoTarget(),
        new MultilinkTarget(),
        new IpTarget(),
        new PppConfTarget(),
        new PppSecretTarget(),
        new LinkScriptsTarget(),
        new ChatTarget(),
        new ReceiverTarget(),
    ];

    public static IFuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    /// <summary>Runs one input and throws <see cref="UnboundedAllocationException"/> when it allocated beyond the target's bound.</summary>
    public static void RunBounded(IFuzzTarget target, ReadOnlySpan<byte> input)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        target.Run(input);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long limit = target.AllocationBase + target.AllocationPerByte * input.Length;
        if (allocated > limit)
            throw new UnboundedAllocationException(
                $"{target.Name}: {allocated:N0} bytes allocated for a {input.Length}-byte input (limit {limit:N0})");
    }
}
