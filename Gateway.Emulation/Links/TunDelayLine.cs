using Gateway.Core.Transport;

namespace Gateway.Emulation.Links;

/// <summary>
/// A delay line for kernel traffic (issue 16): a tun device whose reader offers every IP packet the kernel routes
/// into it to a <see cref="LinkDirection"/> (delay, jitter, loss, rate) and writes it back into the same device at its
/// departure time, where the kernel receives it as if it had arrived on the device and routes it on. This kernel has
/// no netem; with policy routing (packets to the link's far side go to the device, packets from the device go out on
/// the link's interface: see bench/Gateway.Bench/DelayLines.cs) every flow of a path, a TCP or MPTCP subflow as well
/// as the bundle's UDP, crosses the same impairment. Packets come back with a source address of their own host, so
/// the device needs <c>accept_local</c> (and no reverse-path filter).
/// </summary>
public sealed class TunDelayLine : IDisposable, IPacketHandler
{
    private readonly TunDevice _tun;
    private readonly LinkScheduler _scheduler;
    private long _writeFailures;

    /// <param name="name">The device's name.</param>
    /// <param name="networkNamespace">The namespace the device is moved into (null: this process's).</param>
    /// <param name="mtu">The largest packet it carries (the MTU of the link it delays).</param>
    /// <param name="seed">Seed of the loss and jitter draws.</param>
    public TunDelayLine(string name, string? networkNamespace, int mtu, int seed = 0)
    {
        Direction = new LinkDirection(seed);
        _tun = TunDevice.Open(new TunOptions { Name = name, Mtu = mtu, NetworkNamespace = networkNamespace });
        _scheduler = new LinkScheduler($"delay line {name}", ushort.MaxValue, (Direction, WriteBack));
        _tun.StartReading(this);
    }

    /// <summary>The device's name as the kernel gave it.</summary>
    public string Name => _tun.Name;

    /// <summary>What happens to each packet on its way through: delay, jitter, loss, rate, queue limit.</summary>
    public LinkDirection Direction { get; }

    /// <summary>Packets the device refused when written back (counted, dropped).</summary>
    public long WriteFailures => Interlocked.Read(ref _writeFailures);

    /// <summary>The device failed under the reader (null while it works).</summary>
    public TunDeviceException? Failure { get; private set; }

    void IPacketHandler.OnPacket(ReadOnlySpan<byte> packet) => _scheduler.Offer(Direction, packet);

    void IPacketHandler.OnFailure(TunDeviceException error) => Failure = error;

    private void WriteBack(ReadOnlySpan<byte> packet)
    {
        try
        {
            if (_tun.Write(packet))
                return;
        }
        catch (TunDeviceException)
        {
            // the device went away under us (disposed or deleted): one more packet lost
        }
        Interlocked.Increment(ref _writeFailures);
    }

    /// <summary>Stops the scheduler and removes the device (packets still queued are dropped).</summary>
    public void Dispose()
    {
        _scheduler.Dispose();
        _tun.Dispose();
        Direction.Down = true;
    }
}
