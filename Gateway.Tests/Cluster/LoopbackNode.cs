using Gateway.Core.Actors.Cluster;

namespace Gateway.Tests.Cluster;

/// <summary>An actor system's configuration for a node of a test's own (issue 14): Akka.Remote on a free 127.0.0.1 port, with the relay's serializer.</summary>
internal static class LoopbackNode
{
    /// <param name="provider"><c>remote</c> (two systems joined by Akka.Remote) or <c>cluster</c>.</param>
    /// <param name="extra">More HOCON for this test's nodes.</param>
    public static Akka.Configuration.Config Config(string provider, string extra = "") => Akka.Configuration.ConfigurationFactory.ParseString($"""
        akka.actor.provider = {provider}
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.loglevel = WARNING
        {extra}
        """ + "\n" + MemberRelaySerializer.Hocon);
}
