using Gateway.Core.Config;

namespace Gateway.Fuzz;

/// <summary>ppp.secret (<see cref="PppSecrets"/>): the file parsed, then every name it holds looked up. Input: the file.</summary>
internal sealed class PppSecretTarget : IFuzzTarget
{
    public string Name => "ppp-secret";

    public string Description => "PppSecrets.Parse and TryLookup on ppp.secret text";

    public long AllocationBase => 256 * 1024;

    public long AllocationPerByte => 2 * 1024;

    public void Run(ReadOnlySpan<byte> data)
    {
        var secrets = PppSecrets.Parse("/etc/ppp/ppp.secret", TextInput.Decode(data));
        foreach (var entry in secrets.Entries)
        {
            if (!secrets.TryLookup(entry.Name, out _))
                throw new InvariantException($"entry '{entry.Name}' parsed but not found by its name");
        }
        secrets.TryLookup("", out _);
        secrets.TryLookup("*", out _);
    }
}
