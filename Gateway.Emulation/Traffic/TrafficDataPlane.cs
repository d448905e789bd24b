using System.Buffers.Binary;
using Gateway.Core.Actors;
using Gateway.Core.Status;

namespace Gateway.Emulation.Traffic;

/// <summary>
/// The in-process traffic as a bundle's data plane (the demo, and <c>gateway run --tun none</c>): a
/// <see cref="TrafficEndpoint"/> started with the bundle's addresses when its IPCP comes up, ticked on the bundle's
/// thread, sending through the bundle and taking what it delivers.
/// </summary>
public sealed class TrafficDataPlaneFactory(TrafficOptions options) : IDataPlaneFactory
{
    /// <summary>How often the endpoint sends what is due.</summary>
    public static readonly TimeSpan TickPeriod = TimeSpan.FromMilliseconds(10);

    public TrafficOptions Options => options;

    /// <summary>The receiver's end (<c>vpn-in</c>): answers the gateway's probes and sends none of its own.</summary>
    public static TrafficDataPlaneFactory Reflector() => new(new TrafficOptions { ProbesPerSecond = 0, Reflect = true });

    public IDataPlane Open(DataPlaneContext context) => new Plane(new TrafficEndpoint(options), context);

    private sealed class Plane : IDataPlane, ITrafficOutput
    {
        private readonly TrafficEndpoint endpoint;
        private readonly IBundleInput input;

        public Plane(TrafficEndpoint endpoint, DataPlaneContext context)
        {
            this.endpoint = endpoint;
            input = context.Input;
            endpoint.SetAddresses(ToUInt32(context.Local), ToUInt32(context.Peer), context.Now);
        }

        public TimeSpan? TickPeriod => TrafficDataPlaneFactory.TickPeriod;

        public TrafficStatus Traffic => new(endpoint.GoodputBitsPerSecond, endpoint.SmoothedRtt?.TotalMilliseconds, endpoint.ProbeLossPercent,
            endpoint.ProbesSent, endpoint.ProbesAnswered);

        public void Deliver(ReadOnlySpan<byte> packet, TimeSpan now) => endpoint.Receive(packet, now, this);

        public void Tick(TimeSpan now) => endpoint.Tick(now, this);

        void ITrafficOutput.Send(ReadOnlySpan<byte> ipPacket) => input.Send(ipPacket);

        public void Dispose() => endpoint.ClearAddresses();

        private static uint ToUInt32(System.Net.IPAddress address)
        {
            Span<byte> bytes = stackalloc byte[4];
            address.TryWriteBytes(bytes, out _);
            return BinaryPrimitives.ReadUInt32BigEndian(bytes);
        }
    }
}
