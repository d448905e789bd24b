using System.Collections.Concurrent;
using System.Net;
using Gateway.Core.Transport;

namespace Gateway.Tests.Transport;

/// <summary>Collects what a receive loop hands over, for tests to wait on with generous timeouts.</summary>
internal sealed class RecordingDatagramHandler : IDatagramHandler
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    public BlockingCollection<(byte[] Data, IPEndPoint Sender)> Datagrams { get; } = new();
    public BlockingCollection<DatagramPathFailure> Failures { get; } = new();

    public void OnDatagram(ReadOnlySpan<byte> datagram, System.Net.SocketAddress sender) =>
        Datagrams.Add((datagram.ToArray(), (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(sender)));

    public void OnFailure(DatagramPathFailure failure) => Failures.Add(failure);

    public (byte[] Data, IPEndPoint Sender) NextDatagram()
    {
        Assert.True(Datagrams.TryTake(out var item, Patience), "no datagram arrived");
        return item;
    }

    public DatagramPathFailure NextFailure()
    {
        Assert.True(Failures.TryTake(out var failure, Patience), "no failure was reported");
        return failure;
    }
}
