using Gateway.Core.Transport;

namespace Gateway.Bench;

/// <summary>
/// Sockets in a network namespace that run.sh made (<see cref="NetworkNamespace.RunInside"/>); the harness never
/// creates or deletes namespaces itself.
/// </summary>
public static class Namespaces
{
    /// <summary>Runs <paramref name="create"/> inside namespace <paramref name="name"/> (null or empty: here).</summary>
    public static T RunIn<T>(string? name, Func<T> create) =>
        string.IsNullOrEmpty(name) ? create() : NetworkNamespace.RunInside(name, create);
}
