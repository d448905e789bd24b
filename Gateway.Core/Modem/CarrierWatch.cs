namespace Gateway.Core.Modem;

/// <summary>
/// Finds the modem's <c>\r\nNO CARRIER</c> in the byte stream of a line that has no carrier-detect signal (a
/// pseudo-terminal, a USB modem without DCD), across reads: what the modem says when it loses the carrier (a real
/// modem with <c>AT&amp;C1</c> too), so the datalink can take the line as gone. Pure.
/// </summary>
public sealed class CarrierWatch
{
    private static readonly byte[] Pattern = "\r\nNO CARRIER"u8.ToArray();
    private int matched;

    public void Reset() => matched = 0;

    /// <summary>True when these bytes complete the pattern.</summary>
    public bool Scan(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            // '\r' occurs only at the pattern's start, so a mismatch restarts at 0 or 1.
            if (b == Pattern[matched])
                matched++;
            else
                matched = b == Pattern[0] ? 1 : 0;
            if (matched == Pattern.Length)
            {
                matched = 0;
                return true;
            }
        }
        return false;
    }
}
