using Gateway.Core.Ppp.Auth;

namespace Gateway.Fuzz;

/// <summary>CHAP challenges and identifiers from a counter: repeatable, which is all a fuzzer needs.</summary>
internal sealed class CountingRandom(byte seed) : IRandomSource
{
    private byte next = seed;

    public void Fill(Span<byte> destination)
    {
        foreach (ref byte b in destination)
            b = next++;
    }
}
