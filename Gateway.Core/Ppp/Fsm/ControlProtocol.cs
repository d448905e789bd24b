namespace Gateway.Core.Ppp.Fsm;

/// <summary>How a control protocol answers one option of the peer's Configure-Request.</summary>
public enum OptionVerdict : byte
{
    Ack,
    /// <summary>Configure-Nak with the acceptable value the handler wrote.</summary>
    Nak,
    /// <summary>Configure-Reject (unknown, refused or malformed option).</summary>
    Reject,
}

/// <summary>
/// The generic RFC 1661 control-protocol engine shared by LCP, IPCP and CCP (the counterpart of FreeBSD
/// ppp's fsm.c with its per-protocol callbacks). It owns the <see cref="PppAutomaton"/>, the identifiers,
/// the packet codec and the counters; a derived class supplies the option handling.
/// <para>Every public entry point returns the outputs to carry out, in order: packets to send
/// (the caller frames them under <see cref="Protocol"/>), restart timer start/stop, state changes,
/// tlu/tld/tls/tlf and protocol-specific reports. Nothing throws on peer input.</para>
/// <para>Departures and choices (pppd and FreeBSD ppp behave the same way unless said):</para>
/// <list type="bullet">
/// <item>A Configure-Request whose option list is malformed (an option Length of 0 or 1, or running past the
/// packet) is answered with a Configure-Reject carrying the bad option and everything after it, as pppd's
/// lcp_reqci does; it counts in <see cref="ControlCounters.MalformedOptions"/>. Malformed Ack/Nak/Reject are dropped.</item>
/// <item>Configure-Ack/Nak/Reject must carry the identifier of our last Configure-Request and may answer it once
/// (pppd's seen_ack); an Ack must repeat our options byte for byte; a Reject must list only options we sent, in
/// order, unchanged; an empty Nak or Reject is dropped. All of these count and are dropped.</item>
/// <item>Reject wins over Nak, Nak over Ack. After Max-Failure Naks without an Ack, options we would Nak are Rejected.</item>
/// <item>Code-Reject of codes 1-7 (and those <see cref="IsCodeRejectCatastrophic"/> adds) is RXJ-, any other RXJ+.</item>
/// <item>Every packet built is cut to min(peer MRU, <see cref="FsmSettings.MaxPacketSize"/>).</item>
/// </list>
/// </summary>
public abstract class ControlProtocol
{
    /// <summary>RFC 1661 6.1: the MRU to assume until LCP negotiates another.</summary>
    public const int DefaultMru = 1500;

    private byte nextIdentifier = 1;
    private byte lastRequestIdentifier;
    private bool requestAnswered = true;
    private byte[] lastRequestOptions = [];
    private byte[]? pendingReply;
    private int failureCount;

    protected ControlProtocol(PppProtocol protocol, FsmSettings? settings)
    {
        Protocol = protocol;
        Settings = settings ?? FsmSettings.Default;
    }

    public PppProtocol Protocol { get; }

    public FsmSettings Settings { get; }

    public PppAutomaton Automaton { get; private set; } = PppAutomaton.Initial;

    public FsmState State => Automaton.State;

    public ControlCounters Counters { get; } = new();

    /// <summary>The peer's MRU: replies never exceed it. LCP sets its own; the owner passes LCP's result to NCPs.</summary>
    public int PeerMru { get; private set; } = DefaultMru;

    /// <summary>Configure-Naks sent since the last Configure-Ack we sent (Max-Failure applies to it).</summary>
    public int FailureCount => failureCount;

    /// <summary>Largest packet we may send now.</summary>
    public int ReplyLimit => Math.Max(ControlPacket.HeaderLength, Math.Min(PeerMru, Settings.MaxPacketSize));

    public void SetPeerMru(int mru) => PeerMru = Math.Clamp(mru, ControlPacket.HeaderLength, ushort.MaxValue);

    /// <summary>Lower layer up (RFC 1661 Up event).</summary>
    public IReadOnlyList<ControlOutput> Up() => Run(FsmEvent.Up);

    /// <summary>Lower layer down (RFC 1661 Down event).</summary>
    public IReadOnlyList<ControlOutput> Down() => Run(FsmEvent.Down);

    /// <summary>Administrative Open.</summary>
    public IReadOnlyList<ControlOutput> Open() => Run(FsmEvent.Open);

    /// <summary>Administrative Close.</summary>
    public IReadOnlyList<ControlOutput> Close() => Run(FsmEvent.Close);

    /// <summary>
    /// LCP reported that the peer Protocol-Rejected this protocol (RFC 1661 5.7): RXJ- for this automaton, which
    /// stops negotiating (tlf) or, if Opened, terminates. FreeBSD ppp does the same for a rejected CCP.
    /// </summary>
    public IReadOnlyList<ControlOutput> PeerRejectedProtocol() => Run(FsmEvent.ReceiveRejectCatastrophic);

    /// <summary>
    /// Our last Configure-Request has had no reply yet (Req-Sent or Ack-Sent): send it again now, as the restart timer
    /// would (TO+), instead of waiting for the timer. For an owner that has just learnt the peer can hear it (a
    /// bundle whose first requests went out before the peer's end had joined). Nothing when the request was answered,
    /// no timer runs, or the restart counter is spent.
    /// </summary>
    public IReadOnlyList<ControlOutput> RetransmitUnansweredRequest() =>
        !requestAnswered && State is FsmState.ReqSent or FsmState.AckSent && Automaton.TimeoutEvent == FsmEvent.TimeoutRetry
            ? Run(FsmEvent.TimeoutRetry)
            : [];

    /// <summary>The restart timer fired: TO+ or TO- depending on the restart counter. A stale expiry (no timer should run) is ignored.</summary>
    public IReadOnlyList<ControlOutput> RestartTimerExpired() =>
        PppAutomaton.TimerRuns(State) ? Run(Automaton.TimeoutEvent) : [];

    /// <summary>A packet of this protocol arrived (protocol field already stripped by the framer).</summary>
    public IReadOnlyList<ControlOutput> Receive(ReadOnlySpan<byte> bytes)
    {
        var outputs = new List<ControlOutput>();
        Counters.PacketsReceived++;
        if (ControlPacket.TryParse(bytes, out var packet) != ControlPacketError.None)
        {
            Counters.MalformedPackets++;
            return outputs;
        }
        if (packet.HadPadding)
            Counters.PaddedPackets++;

        switch ((ControlCode)packet.Code)
        {
            case ControlCode.ConfigureRequest:
                ReceiveConfigureRequest(packet, outputs);
                break;
            case ControlCode.ConfigureAck:
            case ControlCode.ConfigureNak:
            case ControlCode.ConfigureReject:
                ReceiveConfigureReply(packet, outputs);
                break;
            case ControlCode.TerminateRequest:
                Execute(FsmEvent.ReceiveTerminateRequest, packet, outputs);
                break;
            case ControlCode.TerminateAck:
                Execute(FsmEvent.ReceiveTerminateAck, packet, outputs);
                break;
            case ControlCode.CodeReject:
                ReceiveCodeReject(packet, outputs);
                break;
            default:
                if (!HandleExtendedCode(packet, outputs))
                {
                    Counters.UnknownCodes++;
                    Execute(FsmEvent.ReceiveUnknownCode, packet, outputs);
                }
                break;
        }
        AfterReceive(outputs);
        return outputs;
    }

    // ---- per-protocol callbacks ---------------------------------------------------------------

    /// <summary>A fresh negotiation starts (from Initial/Starting/Closed/Stopped): reload our wishes from settings.</summary>
    protected abstract void ResetNegotiation();

    /// <summary>Writes the options of our next Configure-Request.</summary>
    protected abstract void WriteRequestOptions(OptionListBuilder options);

    /// <summary>Called before the options of a peer's Configure-Request are reviewed.</summary>
    protected virtual void BeginReview()
    {
    }

    /// <summary>
    /// Judges one option of the peer's Configure-Request. For a Nak, write the acceptable value
    /// (Data only) into <paramref name="nakValue"/> and set <paramref name="nakLength"/>.
    /// </summary>
    protected abstract OptionVerdict ReviewOption(byte type, ReadOnlySpan<byte> value, Span<byte> nakValue, out int nakLength);

    /// <summary>
    /// After the options of a peer's Configure-Request were reviewed and none was rejected: add to
    /// <paramref name="naks"/> any option the peer did not send that it should (RFC 1661 5.3; IPCP's IP-Address,
    /// RFC 1332 3.3). Anything added makes the reply a Configure-Nak.
    /// </summary>
    protected virtual void AddRequestHints(OptionListBuilder naks)
    {
    }

    /// <summary>We are about to Configure-Ack the reviewed request: make its values the peer's negotiated ones.</summary>
    protected virtual void CommitReview()
    {
    }

    /// <summary>Our last Configure-Request was acknowledged as sent.</summary>
    protected abstract void ApplyAck();

    /// <summary>One option of a Configure-Nak to our request (may be a hint we did not send).</summary>
    protected abstract void ApplyNak(byte type, ReadOnlySpan<byte> value);

    /// <summary>One option of a Configure-Reject (already checked to be one we sent).</summary>
    protected abstract void ApplyReject(byte type, ReadOnlySpan<byte> value);

    /// <summary>Called after every received packet, to add reports gathered while handling it.</summary>
    protected virtual void AfterReceive(List<ControlOutput> outputs)
    {
    }

    /// <summary>This-Layer-Up: the negotiated values are final.</summary>
    protected virtual void OnLayerUp(List<ControlOutput> outputs)
    {
    }

    /// <summary>This-Layer-Down.</summary>
    protected virtual void OnLayerDown(List<ControlOutput> outputs)
    {
    }

    /// <summary>Codes beyond 7 this protocol knows (LCP 8-13). Return false to have the packet Code-Rejected.</summary>
    protected virtual bool HandleExtendedCode(ControlPacket packet, List<ControlOutput> outputs) => false;

    /// <summary>ser: the Echo-Reply for the Echo-Request being handled (LCP only).</summary>
    protected virtual byte[]? BuildEchoReply(ControlPacket request) => null;

    /// <summary>RXJ- for a Code-Reject of this code. RFC 1661 5.6: codes 1-7 are needed by every control protocol.</summary>
    protected virtual bool IsCodeRejectCatastrophic(byte code) => code is >= (byte)ControlCode.ConfigureRequest and <= (byte)ControlCode.CodeReject;

    // ---- helpers for derived classes ------------------------------------------------------------

    /// <summary>A new identifier for a packet we originate.</summary>
    protected byte NextIdentifier() => nextIdentifier++;

    /// <summary>Runs one automaton event from a derived class (RXR, RXJ+, RXJ- in LCP), with the packet that caused it.</summary>
    protected void Execute(FsmEvent fsmEvent, ControlPacket cause, List<ControlOutput> outputs) =>
        Apply(fsmEvent, cause, hasCause: true, outputs);

    protected void Send(byte[] packet, List<ControlOutput> outputs)
    {
        Counters.PacketsSent++;
        outputs.Add(new SendControlPacket(Protocol, packet));
    }

    // ---- engine ------------------------------------------------------------------------------------

    private List<ControlOutput> Run(FsmEvent fsmEvent)
    {
        var outputs = new List<ControlOutput>();
        Apply(fsmEvent, default, hasCause: false, outputs);
        return outputs;
    }

    private void Apply(FsmEvent fsmEvent, ControlPacket cause, bool hasCause, List<ControlOutput> outputs)
    {
        var transition = Automaton.Handle(fsmEvent, Settings);
        if (transition.Illegal)
        {
            Counters.IllegalEvents++;
            pendingReply = null;
            return;
        }

        var from = Automaton.State;
        Automaton = transition.Next;
        var actions = transition.Actions;
        if (transition.StateChanged)
            outputs.Add(new FsmStateChanged(Protocol, from, transition.Next.State));

        foreach (var action in actions.InOrder())
        {
            switch (action)
            {
                case FsmActions.ThisLayerDown:
                    OnLayerDown(outputs);
                    outputs.Add(new ThisLayer(Protocol, LayerSignal.Down));
                    break;
                case FsmActions.SendConfigureRequest:
                    if (from is FsmState.Initial or FsmState.Starting or FsmState.Closed or FsmState.Stopped && fsmEvent != FsmEvent.ReceiveConfigureRequestGood && fsmEvent != FsmEvent.ReceiveConfigureRequestBad)
                        StartNegotiation();
                    SendConfigureRequest(outputs);
                    break;
                case FsmActions.SendConfigureAck:
                case FsmActions.SendConfigureNak:
                    if (pendingReply is not null)
                        Send(pendingReply, outputs);
                    break;
                case FsmActions.SendTerminateRequest:
                    Send(ControlPacket.Build(ControlCode.TerminateRequest, NextIdentifier(), [], ReplyLimit), outputs);
                    break;
                case FsmActions.SendTerminateAck:
                    Send(ControlPacket.Build(ControlCode.TerminateAck, hasCause ? cause.Identifier : NextIdentifier(), [], ReplyLimit), outputs);
                    break;
                case FsmActions.SendCodeReject:
                    if (hasCause)
                        SendCodeReject(cause, outputs);
                    break;
                case FsmActions.SendEchoReply:
                    if (hasCause && BuildEchoReply(cause) is { } reply)
                        Send(reply, outputs);
                    break;
                case FsmActions.ThisLayerUp:
                    OnLayerUp(outputs);
                    outputs.Add(new ThisLayer(Protocol, LayerSignal.Up));
                    break;
                case FsmActions.ThisLayerStarted:
                    outputs.Add(new ThisLayer(Protocol, LayerSignal.Started));
                    break;
                case FsmActions.ThisLayerFinished:
                    outputs.Add(new ThisLayer(Protocol, LayerSignal.Finished));
                    break;
                case FsmActions.StartRestartTimer:
                    outputs.Add(new StartRestartTimer(Settings.RestartTimer));
                    break;
                case FsmActions.StopRestartTimer:
                    outputs.Add(StopRestartTimer.Instance);
                    break;
            }
        }
        pendingReply = null;
    }

    private void StartNegotiation()
    {
        failureCount = 0;
        ResetNegotiation();
    }

    private void SendConfigureRequest(List<ControlOutput> outputs)
    {
        var options = new OptionListBuilder(ReplyLimit - ControlPacket.HeaderLength);
        WriteRequestOptions(options);
        if (options.Dropped > 0)
            Counters.TruncatedReplies++;
        lastRequestOptions = options.Written.ToArray();
        lastRequestIdentifier = NextIdentifier();
        requestAnswered = false;
        Send(ControlPacket.Build(ControlCode.ConfigureRequest, lastRequestIdentifier, lastRequestOptions), outputs);
    }

    private void SendCodeReject(ControlPacket cause, List<ControlOutput> outputs)
    {
        // RFC 1661 5.6: the rejected packet from its Information field on, cut to the peer's MRU.
        var limit = ReplyLimit;
        if (cause.Packet.Length + ControlPacket.HeaderLength > limit)
            Counters.TruncatedReplies++;
        Send(ControlPacket.Build(ControlCode.CodeReject, NextIdentifier(), cause.Packet, limit), outputs);
    }

    private void ReceiveConfigureRequest(ControlPacket packet, List<ControlOutput> outputs)
    {
        // Only the states whose RFC cells send sca/scn need a verdict; elsewhere RCR+ and RCR- act alike.
        if (State is not (FsmState.Stopped or FsmState.ReqSent or FsmState.AckRcvd or FsmState.AckSent or FsmState.Opened))
        {
            Execute(FsmEvent.ReceiveConfigureRequestGood, packet, outputs);
            return;
        }
        if (State == FsmState.Stopped)
            StartNegotiation();

        var good = ReviewRequest(packet, out var reply);
        pendingReply = reply;
        if (good)
        {
            failureCount = 0;
            CommitReview();
        }
        Execute(good ? FsmEvent.ReceiveConfigureRequestGood : FsmEvent.ReceiveConfigureRequestBad, packet, outputs);
    }

    /// <summary>Decides Ack / Nak / Reject for a Configure-Request; returns true for RCR+.</summary>
    private bool ReviewRequest(ControlPacket packet, out byte[]? reply)
    {
        var capacity = ReplyLimit - ControlPacket.HeaderLength;
        var rejects = new OptionListBuilder(capacity);
        var naks = new OptionListBuilder(capacity);
        var nakedOriginals = new OptionListBuilder(capacity);
        Span<byte> nakValue = stackalloc byte[byte.MaxValue - OptionReader.OptionHeaderLength];

        BeginReview();
        var reader = new OptionReader(packet.Data);
        while (reader.TryRead(out var type, out var value, out var option))
        {
            switch (ReviewOption(type, value, nakValue, out var nakLength))
            {
                case OptionVerdict.Ack:
                    break;
                case OptionVerdict.Nak:
                    naks.TryAdd(type, nakValue[..Math.Clamp(nakLength, 0, nakValue.Length)]);
                    nakedOriginals.TryAddRaw(option);
                    break;
                default:
                    Counters.RejectedOptions++;
                    rejects.TryAddRaw(option);
                    break;
            }
        }
        if (reader.Malformed)
        {
            // As pppd: reject from the malformed option to the end of the packet.
            Counters.MalformedOptions++;
            rejects.TryAddRaw(reader.Remaining[..Math.Min(reader.Remaining.Length, byte.MaxValue)]);
        }

        if (!rejects.IsEmpty || rejects.Dropped > 0)
        {
            if (rejects.Dropped > 0)
                Counters.TruncatedReplies++;
            reply = ControlPacket.Build(ControlCode.ConfigureReject, packet.Identifier, rejects.Written);
            return false;
        }
        // Options the peer left out that we want it to use (RFC 1661 5.3: a Nak may carry options not requested).
        // Never after Max-Failure: an option the peer did not send cannot be turned into a Reject.
        if (failureCount < Settings.MaxFailure)
            AddRequestHints(naks);
        if (!naks.IsEmpty || naks.Dropped > 0)
        {
            if (failureCount >= Settings.MaxFailure)
            {
                Counters.NaksConvertedToRejects++;
                Counters.RejectedOptions += nakedOriginals.Count;
                reply = ControlPacket.Build(ControlCode.ConfigureReject, packet.Identifier, nakedOriginals.Written);
                return false;
            }
            if (naks.Dropped > 0)
                Counters.TruncatedReplies++;
            Counters.NakedOptions += naks.Count;
            failureCount++;
            reply = ControlPacket.Build(ControlCode.ConfigureNak, packet.Identifier, naks.Written);
            return false;
        }
        if (packet.Packet.Length > ReplyLimit)
        {
            // An Ack must repeat every option; one that cannot fit is not sent (RFC 1661 5.2 forbids cutting it).
            Counters.TruncatedReplies++;
            reply = null;
            return false;
        }
        reply = ControlPacket.Build(ControlCode.ConfigureAck, packet.Identifier, packet.Data);
        return true;
    }

    private void ReceiveConfigureReply(ControlPacket packet, List<ControlOutput> outputs)
    {
        var code = (ControlCode)packet.Code;
        var fsmEvent = code == ControlCode.ConfigureAck ? FsmEvent.ReceiveConfigureAck : FsmEvent.ReceiveConfigureNak;

        // Outside negotiation the table only answers (sta) or ignores; no options are applied.
        if (State is not (FsmState.ReqSent or FsmState.AckRcvd or FsmState.AckSent or FsmState.Opened))
        {
            Execute(fsmEvent, packet, outputs);
            return;
        }
        if (requestAnswered || packet.Identifier != lastRequestIdentifier)
        {
            Counters.UnexpectedIdentifiers++;
            return;
        }
        var options = packet.Data;
        if (!OptionReader.IsWellFormed(options))
        {
            Counters.MalformedPackets++;
            return;
        }
        switch (code)
        {
            case ControlCode.ConfigureAck:
                if (!options.SequenceEqual(lastRequestOptions))
                {
                    Counters.MismatchedReplies++;
                    return;
                }
                requestAnswered = true;
                ApplyAck();
                break;
            default:
                // An empty Nak or Reject says nothing; a Reject may only list options we sent, unchanged, in order.
                var isNak = code == ControlCode.ConfigureNak;
                if (options.IsEmpty || (!isNak && !IsOrderedSubset(options, lastRequestOptions)))
                {
                    Counters.MismatchedReplies++;
                    return;
                }
                requestAnswered = true;
                var reader = new OptionReader(options);
                while (reader.TryRead(out var type, out var value, out _))
                {
                    if (isNak)
                        ApplyNak(type, value);
                    else
                        ApplyReject(type, value);
                }
                break;
        }
        Execute(fsmEvent, packet, outputs);
    }

    /// <summary>RFC 1661 5.4: a Configure-Reject lists options we sent, unchanged and in our order.</summary>
    private static bool IsOrderedSubset(ReadOnlySpan<byte> rejected, ReadOnlySpan<byte> sent)
    {
        var sentReader = new OptionReader(sent);
        var rejectedReader = new OptionReader(rejected);
        while (rejectedReader.TryRead(out _, out _, out var option))
        {
            var found = false;
            while (sentReader.TryRead(out _, out _, out var candidate))
            {
                if (candidate.SequenceEqual(option))
                {
                    found = true;
                    break;
                }
            }
            if (!found)
                return false;
        }
        return true;
    }

    private void ReceiveCodeReject(ControlPacket packet, List<ControlOutput> outputs)
    {
        if (packet.Data.IsEmpty)
        {
            Counters.MalformedPackets++;
            return;
        }
        Counters.CodeRejectsReceived++;
        var rejectedCode = packet.Data[0];
        var catastrophic = IsCodeRejectCatastrophic(rejectedCode);
        outputs.Add(new CodeRejectReceived(Protocol, rejectedCode, catastrophic));
        Execute(catastrophic ? FsmEvent.ReceiveRejectCatastrophic : FsmEvent.ReceiveRejectPermitted, packet, outputs);
    }
}
