using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Lqr;
using Gateway.Core.Ppp.Session;

namespace Gateway.Fuzz;

/// <summary>
/// Link-Quality-Reports (RFC 1989) and LCP echo as the links run them: an <see cref="LqrSession"/> and an
/// <see cref="EchoMonitor"/> on the session under test, fed what the session hands up, ticking on timer records.
/// </summary>
internal sealed class LqrEchoTarget : SessionTarget
{
    private LqrSession? lqr;
    private EchoMonitor? echo;

    public override string Name => "lqr-echo";

    public override string Description => "LQR packets (0xC025) and LCP echo into a PppSession with LqrSession and EchoMonitor";

    protected override ushort Protocol => (ushort)PppProtocol.Lqr;

    protected override RigOptions Adjust(RigOptions options) => options | RigOptions.Lqr;

    protected override void Decode(ReadOnlySpan<byte> packet) => LqrPacket.TryRead(packet, out _);

    protected override void Attach(SessionRig rig)
    {
        lqr = null;
        echo = null;
        rig.A.EventArrived = e =>
        {
            switch (e)
            {
                case LinkEstablished established:
                    lqr = LqrSession.Start(rig.A.Session, maxMissedReports: 5, fallbackPeriod: TimeSpan.FromSeconds(1));
                    echo = new EchoMonitor(new EchoOptions
                    {
                        Period = TimeSpan.FromSeconds(1),
                        LocalMagic = established.Negotiated.LocalMagic,
                        PeerMagic = established.Negotiated.PeerMagic,
                    });
                    break;
                case LinkDown:
                    lqr = null;
                    echo = null;
                    break;
                case EchoReply reply:
                    echo?.EchoReplyReceived(reply.Identifier, reply.Magic, rig.Now);
                    break;
            }
        };
        rig.A.PacketArrived = (protocol, information) =>
        {
            if (protocol == PppProtocol.Lqr)
                lqr?.Received(information, rig.Now);
        };
    }

    protected override void Tick(SessionRig rig)
    {
        rig.FireNextTimer();
        lqr?.TimerExpired(rig.Now);
        if (echo?.TimerExpired(rig.Now) is { Action: EchoTimerAction.SendEchoRequest } request)
            rig.A.Session.SendEchoRequest(request.Identifier, "fuzz"u8);
        rig.Pump();
    }
}
