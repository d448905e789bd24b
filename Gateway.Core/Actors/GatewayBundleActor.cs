using Akka.Actor;
using Akka.Event;
using Gateway.Core.Ppp.Multilink;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Core.Actors;

/// <summary>
/// A gateway's bundle (the seed's <c>vpn</c>, or <c>vpn-nic</c>): it starts its sublinks (NIC mode at once, or as
/// ppp.linkup starts them over ISP links), supervises them, and starts a failed one again on its own with back-off;
/// the bundle is never restarted for a sublink's fault (its counters go on) and stays up while one member is open.
/// </summary>
public sealed class GatewayBundleActor : BundleActor
{
    private readonly Dictionary<string, SublinkSpec> specs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IActorRef> children = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, int> dialled = [];
    private readonly HashSet<string> closedByOperator = new(StringComparer.Ordinal);
    private readonly SublinkRestarts restarts;
    private DeviceFailover? failover;

    public GatewayBundleActor(BundleOptions options) : base(options)
    {
        restarts = new SublinkRestarts(options.RestartMin, options.RestartMax);
        foreach (var spec in options.Sublinks)
        {
            specs[spec.Name] = spec;
            ConfiguredPolicy(spec.Name, spec.Policy);
        }
        Receive<StartSublink>(s =>
        {
            specs[s.Spec.Name] = s.Spec;
            ConfiguredPolicy(s.Spec.Name, s.Spec.Policy);
            closedByOperator.Remove(s.Spec.Name);
            Start(s.Spec.Name);
        });
        Receive<StopSublink>(s =>
        {
            closedByOperator.Add(s.Name);
            specs.Remove(s.Name);
            if (children.TryGetValue(s.Name, out var child))
            {
                // ppp.linkdown: the bundle stops waiting for it at once, before LCP says goodbye.
                Leave(child, s.Reason);
                child.Tell(new CloseSublink(s.Reason));
            }
        });
        Receive<Terminated>(t => OnChildTerminated(t.ActorRef));
        Receive<RestartSublink>(r => Start(r.Name));
    }

    public static Props Props(BundleOptions options) => Akka.Actor.Props.Create(() => new GatewayBundleActor(options));

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(e => e switch
        {
            // A dead transport: stop it; Terminated brings it back with back-off.
            SublinkTransportException => Directive.Stop,
            // A transport that cannot even be opened (network unreachable): stop too, never a hot restart loop.
            ActorInitializationException => Directive.Stop,
            // Anything else is a bug in the sublink: restart that sublink alone, from scratch.
            _ => Directive.Restart,
        });

    protected override void PreStart()
    {
        foreach (var spec in Options.Sublinks)
            Start(spec.Name);
        base.PreStart();
    }

    protected override double JoiningWeight(SublinkUp up) => specs.TryGetValue(up.Name, out var spec) ? spec.BytesPerSecond : 1_250_000;

    protected override void OnJoined(SublinkUp up) => restarts.Joined(up.Name);

    private void Start(string name)
    {
        if (children.ContainsKey(name) || !specs.TryGetValue(name, out var spec))
            return;
        if (spec.DeviceCount > 1)
            failover ??= new DeviceFailover(spec.DeviceCount);
        int index = spec.DeviceCount > 1 ? failover!.Current % spec.DeviceCount : 0;
        var device = spec.Device(index);
        // With several receivers, one that does not answer at all is left after SilentLimit, not after the 30 s of LCP.
        var sublink = new SublinkOptions(Name, name, Options.MemberSession, device.Transport, device.Carrier, device.Remote,
            Options.EchoPeriod, Options.EchoMisses, EstablishTimeout: TimeSpan.FromSeconds(30), Security: Options.Encryption,
            SilentLimit: spec.DeviceCount > 1 ? Options.SilentReceiverLimit : null);
        var child = Context.ActorOf(SublinkActor.Props(sublink, Self), $"link-{Uri.EscapeDataString(name)}");
        Context.Watch(child);
        children[name] = child;
        dialled[child] = index;
        Logger.Info("{0}: starting sublink {1} over {2}{3}{4}", Name, name, device.Carrier,
            spec.DeviceCount > 1 ? $" to receiver {index + 1} of {spec.DeviceCount} ({device.Remote})" : "", Options.Encryption is null ? "" : ", encrypted");
    }

    /// <summary>
    /// A sublink of a <c>set device</c> list ended: when the receiver it dialled answers no member any more, the bundle
    /// moves on to the next receiver, and the sublinks still trying an earlier one are closed to follow it.
    /// </summary>
    private void MoveOnIfReceiverGone(IActorRef child, string name)
    {
        bool known = dialled.Remove(child, out int index);
        if (failover is null || !known || closedByOperator.Contains(name))
            return;
        if (!failover.Failed(index, Members.Count))
            return;
        var next = specs.Values.FirstOrDefault(s => s.DeviceCount > failover.Current)?.Device(failover.Current).Remote;
        Logger.Warning("{0}: receiver {1} of {2} answers no sublink; moving every sublink to receiver {3} ({4})",
            Name, index + 1, failover.Count, failover.Current + 1, next);
        foreach (var (other, at) in dialled)
        {
            if (at != failover.Current)
                other.Tell(new CloseSublink($"the bundle moved to receiver {failover.Current + 1}"));
        }
    }

    private void OnChildTerminated(IActorRef child)
    {
        Leave(child, "sublink stopped");
        var name = children.FirstOrDefault(c => c.Value.Equals(child)).Key;
        if (name is null)
            return;
        children.Remove(name);
        MoveOnIfReceiverGone(child, name);
        if (closedByOperator.Contains(name) || !specs.ContainsKey(name))
            return;
        var delay = restarts.Next(name);
        Logger.Info("{0}: sublink {1} stopped; starting it again in {2} ms", Name, name, delay.TotalMilliseconds);
        Timers.StartSingleTimer(("restart", name), new RestartSublink(name), delay);
    }

    private sealed record RestartSublink(string Name);
}
