using System.Net;
using System.Net.Sockets;
using static Gateway.Tests.Actors.ReceiverTestSupport;

namespace Gateway.Tests.Actors;

/// <summary>
/// A spoofing sender's flood, over real sockets: LCP Configure-Requests from thousands of source ports on addresses
/// that never carried a sublink (127.0.2.N: loopback, but not the 127.0.0.1 the tests' gateways send from), opened
/// <see cref="Batch"/> at a time, one datagram from each (every datagram its own source while under 2.5 million), a pause between batches to pace it.
/// </summary>
internal sealed class StrangerFlood(IPEndPoint target)
{
    public const int Batch = 500;
    private const int FirstPort = 20_000;
    private const int PortsPerAddress = 10_000;
    private int sent;

    /// <summary>Datagrams sent so far.</summary>
    public int Sent => Volatile.Read(ref sent);

    /// <summary>
    /// Sends up to <paramref name="total"/> Configure-Requests; before each batch it asks <paramref name="stop"/> and ends
    /// early when told. Returns true when it was stopped before it had sent them all.
    /// </summary>
    public async Task<bool> RunAsync(int total, TimeSpan pacing, Func<bool> stop)
    {
        var random = new Random(6671);
        for (int pass = 0; Sent < total; pass++)
        {
            var address = new IPAddress([127, 0, 2, (byte)(1 + pass % 250)]);
            for (int port = FirstPort; port < FirstPort + PortsPerAddress && Sent < total; port += Batch)
            {
                if (stop())
                    return true;
                var batch = new List<Socket>(Batch);
                for (int p = port; p < port + Batch; p++)
                {
                    try
                    {
                        batch.Add(Bound(p, address));
                    }
                    catch (SocketException)
                    {
                        // in use by someone else: skip it
                    }
                }
                foreach (var socket in batch)
                {
                    if (Sent >= total)
                        break;
                    Send(socket, ConfigureRequest(1, (uint)random.Next()), target);
                    Interlocked.Increment(ref sent);
                }
                batch.ForEach(s => s.Dispose());
                await Task.Delay(pacing);
            }
        }
        return false;
    }
}
