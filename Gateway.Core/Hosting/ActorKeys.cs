namespace Gateway.Core.Hosting;

/// <summary>Keys under which the top-level actors are registered in Akka.Hosting's ActorRegistry (<c>IRequiredActor&lt;T&gt;</c>).</summary>
public static class ActorKeys
{
    /// <summary>The gateway (or demo) root: answers <c>LinkCommand</c> with <c>LinkCommandResult</c>.</summary>
    public sealed class Gateway
    {
    }

    /// <summary>The receiver root (vpn-in).</summary>
    public sealed class Receiver
    {
    }
}
