using Gateway.Core.Ppp.Fsm;

namespace Gateway.Fuzz;

/// <summary>
/// A control protocol as a hostile peer reaches it: through a <see cref="Gateway.Core.Ppp.Session.PppSession"/> set
/// up by <see cref="SessionRig"/>. Input: the rig's options byte, then records of an operation byte and a packet:
/// operation % 4 = 0 or 1, the packet under this target's protocol; 2, the earliest timer fires; 3, the packet as a
/// whole frame (any protocol). At the end a session with LCP Opened must still answer an Echo-Request.
/// </summary>
internal abstract class SessionTarget : IFuzzTarget
{
    public abstract string Name { get; }

    public abstract string Description { get; }

    /// <summary>The sessions, automata and negotiation of the honest pair.</summary>
    public long AllocationBase => 2 * 1024 * 1024;

    /// <summary>Copies of each injected packet on the wire and in replies, and the honest exchanges a record may start.</summary>
    public long AllocationPerByte => 2 * 1024;

    /// <summary>The protocol field of the packets this target injects.</summary>
    protected abstract ushort Protocol { get; }

    /// <summary>Narrows the rig's options to what this target needs (e.g. PAP on).</summary>
    protected virtual RigOptions Adjust(RigOptions options) => options;

    /// <summary>Runs the target's stand-alone decoders on a packet before the session gets it.</summary>
    protected virtual void Decode(ReadOnlySpan<byte> packet)
    {
        if (ControlPacket.TryParse(packet, out var parsed) != ControlPacketError.None)
            return;
        var options = new OptionReader(parsed.Data);
        int count = 0;
        while (options.TryRead(out _, out var value, out var option))
        {
            if (option.Length < OptionReader.OptionHeaderLength || value.Length != option.Length - OptionReader.OptionHeaderLength)
                throw new InvariantException($"option of {option.Length} octets with a value of {value.Length}");
            if (++count > parsed.Data.Length)
                throw new InvariantException("more options than octets");
        }
    }

    /// <summary>Hooks the target's monitors to the rig before it starts.</summary>
    protected virtual void Attach(SessionRig rig)
    {
    }

    /// <summary>A timer record: besides the sessions' own timers, the target's monitors may tick.</summary>
    protected virtual void Tick(SessionRig rig) => rig.FireNextTimer();

    public void Run(ReadOnlySpan<byte> data)
    {
        var input = new FuzzInput(data);
        var rig = SessionRig.Create(Adjust((RigOptions)input.Byte()));
        Attach(rig);
        rig.Start();
        while (!input.IsEmpty)
        {
            byte operation = input.Byte();
            var packet = input.Chunk();
            switch (operation & 3)
            {
                case 0:
                case 1:
                    Decode(packet);
                    rig.Inject(Protocol, packet);
                    break;
                case 2:
                    Tick(rig);
                    break;
                default:
                    rig.InjectRaw(packet);
                    break;
            }
        }
        rig.AssertStillAnswersEcho();
        if (Verbose)
            Console.WriteLine($"  {Name}: A phase {rig.A.Session.Phase}, LCP {rig.A.Session.LcpState}, IPCP {rig.A.Session.IpcpState?.ToString() ?? "-"}");
    }

    /// <summary>Replay says where each input left the session (GATEWAY_FUZZ_VERBOSE=1).</summary>
    internal static bool Verbose { get; } = Environment.GetEnvironmentVariable("GATEWAY_FUZZ_VERBOSE") == "1";

    /// <summary>The options this target's harness really runs with (for the seed generator).</summary>
    internal RigOptions Effective(RigOptions options) => Adjust(options);
}
