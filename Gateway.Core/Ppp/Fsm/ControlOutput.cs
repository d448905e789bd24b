namespace Gateway.Core.Ppp.Fsm;

/// <summary>What a control protocol asks its owner to do or tells it, in order.</summary>
public abstract record ControlOutput;

/// <summary>Send this packet (Code..Data, no protocol field: the caller frames it under <paramref name="Protocol"/>).</summary>
public sealed record SendControlPacket(PppProtocol Protocol, byte[] Packet) : ControlOutput
{
    public ControlCode Code => (ControlCode)Packet[0];

    public byte Identifier => Packet[1];

    public override string ToString() => $"send {Protocol} {Code} id {Identifier} ({Packet.Length} bytes)";
}

/// <summary>Arm (or re-arm) the restart timer; on expiry call <c>RestartTimerExpired()</c>.</summary>
public sealed record StartRestartTimer(TimeSpan Interval) : ControlOutput;

/// <summary>Disarm the restart timer.</summary>
public sealed record StopRestartTimer : ControlOutput
{
    public static StopRestartTimer Instance { get; } = new();
}

/// <summary>The automaton moved; <see cref="ToString"/> is FreeBSD ppp's "State change X --> Y".</summary>
public sealed record FsmStateChanged(PppProtocol Protocol, FsmState From, FsmState To) : ControlOutput
{
    public override string ToString() => $"State change {From.Name()} --> {To.Name()}";
}

/// <summary>tlu, tld, tls, tlf (RFC 1661 4.4).</summary>
public enum LayerSignal : byte
{
    /// <summary>tlu: the layer is up (negotiated values are readable).</summary>
    Up,
    /// <summary>tld: the layer is leaving Opened.</summary>
    Down,
    /// <summary>tls: the layer needs the lower layer (start it).</summary>
    Started,
    /// <summary>tlf: the layer no longer needs the lower layer.</summary>
    Finished,
}

public sealed record ThisLayer(PppProtocol Protocol, LayerSignal Signal) : ControlOutput;

/// <summary>The peer Code-Rejected one of our codes (<paramref name="Catastrophic"/> = RXJ-).</summary>
public sealed record CodeRejectReceived(PppProtocol Protocol, byte RejectedCode, bool Catastrophic) : ControlOutput;
