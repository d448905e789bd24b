namespace Gateway.Core.Ppp.Auth;

/// <summary>What the four roles share: header checks, counters, the one timer, the final decision.</summary>
public abstract class AuthRole : IAuthRole
{
    private bool timerRunning;

    private protected AuthRole()
    {
    }

    public abstract PppProtocol Protocol { get; }

    public AuthState State { get; private set; }

    public AuthCounters Counters { get; } = new();

    /// <summary>"PAP" or "CHAP", the start of every reason.</summary>
    private protected string ProtocolName => Protocol == PppProtocol.Pap ? "PAP" : "CHAP";

    public AuthOutput Start()
    {
        timerRunning = false;
        State = AuthState.Running;
        return OnStart();
    }

    public AuthOutput Receive(ReadOnlySpan<byte> packet)
    {
        if (!AuthPacket.TryParse(packet, out var parsed))
            return DropMalformed();
        if (State == AuthState.Initial)
            return DropUnexpected();
        return OnPacket(parsed);
    }

    public AuthOutput TimerExpired()
    {
        if (!timerRunning)
            return AuthOutput.Nothing; // stopped or replaced after the caller scheduled this expiry
        timerRunning = false;
        return OnTimerExpired();
    }

    private protected abstract AuthOutput OnStart();

    private protected abstract AuthOutput OnPacket(AuthPacket packet);

    private protected abstract AuthOutput OnTimerExpired();

    private protected AuthOutput Emit(byte[]? packet, TimerCommand timer, AuthResult? result = null)
    {
        if (timer.Action == TimerAction.Start)
            timerRunning = true;
        else if (timer.Action == TimerAction.Stop)
            timerRunning = false;
        if (result is AuthResult.Succeeded)
            State = AuthState.Succeeded;
        else if (result is AuthResult.Failed)
            State = AuthState.Failed;
        return new AuthOutput(packet, timer, result);
    }

    private protected AuthOutput Succeed(byte[]? packet, TimerCommand timer, string peerName, string message) =>
        Emit(packet, timer, new AuthResult.Succeeded(peerName, message));

    /// <summary>The final decision, "PAP authentication failed: {cause}": the timer stops, later packets
    /// meet the decision already made.</summary>
    private protected AuthOutput Fail(byte[]? packet, AuthFailure failure, string cause) =>
        Emit(packet, TimerCommand.Stop, new AuthResult.Failed(failure, $"{ProtocolName} authentication failed: {cause}"));

    /// <summary>The final decision when the other side stays silent, "CHAP: {cause}".</summary>
    private protected AuthOutput FailTimeout(string cause) =>
        Emit(null, TimerCommand.Stop, new AuthResult.Failed(AuthFailure.Timeout, $"{ProtocolName}: {cause}"));

    private protected AuthOutput DropMalformed()
    {
        Counters.Malformed++;
        return Drop();
    }

    private protected AuthOutput DropUnknownCode()
    {
        Counters.UnknownCode++;
        return Drop();
    }

    private protected AuthOutput DropStale()
    {
        Counters.StaleIdentifier++;
        return Drop();
    }

    private protected AuthOutput DropUnexpected()
    {
        Counters.Unexpected++;
        return Drop();
    }

    private protected AuthOutput Repeat(byte[]? packet)
    {
        Counters.Repeated++;
        return new AuthOutput(packet, TimerCommand.None, null);
    }

    private AuthOutput Drop()
    {
        Counters.Dropped++;
        return AuthOutput.Nothing;
    }

    private protected static string Quote(ReadOnlySpan<byte> peerText) => $"'{AuthText.Printable(peerText)}'";

    private protected static string Quote(string text) => $"'{AuthText.Printable(text)}'";

    private protected static string Seconds(TimeSpan interval) => $"{interval.TotalSeconds:0.###} s";
}
