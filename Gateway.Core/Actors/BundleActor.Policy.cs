using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Status;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Core.Actors;

/// <summary>
/// Each member's policy (<see cref="MemberPolicy"/>: a primary of some priority, or a backup), by name: from ppp.conf's
/// <c>set policy</c>, or set by the operator at run time, and kept while the member is away so that it joins again
/// with it. The pure <see cref="BundleSession"/> applies it.
/// </summary>
public abstract partial class BundleActor
{
    private readonly Dictionary<string, MemberPolicy> policies = new(StringComparer.Ordinal);

    /// <summary>ppp.conf's policy for <paramref name="name"/> (null: none); one the operator set already wins.</summary>
    protected void ConfiguredPolicy(string name, MemberPolicy? policy)
    {
        if (policy is not null)
            policies.TryAdd(name, policy);
    }

    private MemberPolicy PolicyFor(string name) => policies.GetValueOrDefault(name) ?? MemberPolicy.Default;

    private void SetPolicy(SetMemberPolicy set)
    {
        policies[set.Member] = set.Policy;
        var member = Members.All.FirstOrDefault(m => m.Name == set.Member);
        if (member is null || !bundle.SetPolicy(member.Index, set.Policy))
        {
            Log(LogSeverity.Information, $"sublink {set.Member} will join as {set.Policy}");
            return;
        }
        Log(LogSeverity.Information, $"sublink {set.Member} is now {set.Policy}" + (bundle.CarriesData(member.Index) ? "" : ": no data on it while a better member is up"));
        PublishStatus();
    }
}
