namespace Gateway.Core.Modem.Redial;

/// <summary>
/// FreeBSD ppp's <c>set reconnect timeout ntries</c>: after a connected line drops unexpectedly
/// (carrier loss, LQR failure), wait <see cref="Timeout"/> and dial again, at most <see cref="Tries"/>
/// times. <see cref="Timeout"/> null means the literal <c>random</c> (1 to 30 s). Added here because
/// <see cref="Gateway.Core.Config.RedialSpec"/> covers <c>set redial</c> only.
/// </summary>
/// <param name="Timeout">Pause before reconnecting; null = random.</param>
/// <param name="Tries">How many reconnects are allowed from the time the link is opened (not reset by a successful connection, as in ppp).</param>
public sealed record ReconnectSpec(TimeSpan? Timeout, int Tries)
{
    /// <summary>ppp's defaults: RECONNECT_TIMEOUT 3 s, no reconnects (datalink_Create).</summary>
    public static ReconnectSpec Default { get; } = new(TimeSpan.FromSeconds(3), 0);
}
