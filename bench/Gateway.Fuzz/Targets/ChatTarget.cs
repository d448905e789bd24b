using Gateway.Core.Modem.Chat;

namespace Gateway.Fuzz;

/// <summary>
/// The chat script parser and expander (<see cref="ChatScript"/>, <see cref="ChatExpander"/>: FreeBSD's
/// <c>set dial</c> / <c>set login</c>) and the engine fed what a modem answers (<see cref="ChatEngine"/>).
/// Input: the script, NUL, then records of an operation byte and bytes from the modem: operation bit 0 set, the
/// engine's timer fires first; bits 1-7 the milliseconds (times 64) that pass before the read.
/// </summary>
internal sealed class ChatTarget : IFuzzTarget
{
    public string Name => "chat";

    public string Description => "ChatScript.TryParse, ChatExpander.Expand and ChatEngine fed modem output";

    public long AllocationBase => 512 * 1024;

    /// <summary>Log lines ("Received: ...") and expanded words.</summary>
    public long AllocationPerByte => 2 * 1024;

    public void Run(ReadOnlySpan<byte> data)
    {
        string text = TextInput.Split(data, out var rest);
        var context = new ChatContext("5551234", "user", "secret");
        if (!ChatScript.TryParse(text, out var script, out _))
            return;
        if (script.Words.Count > ChatScript.MaxWords)
            throw new InvariantException($"{script.Words.Count} words, more than {ChatScript.MaxWords}");
        foreach (var word in script.Words)
        {
            var expanded = ChatExpander.Expand(word, appendCr: true, context);
            if (expanded.Bytes.Length > ChatExpander.MaxExpandedLength + 1)
                throw new InvariantException($"a word expanded to {expanded.Bytes.Length} octets");
        }

        var engine = new ChatEngine(script, context);
        var now = TimeSpan.Zero;
        var step = engine.Start(now);
        var input = new FuzzInput(rest);
        while (!input.IsEmpty && step.Result is null)
        {
            byte operation = input.Byte();
            var bytes = input.Chunk();
            now += TimeSpan.FromMilliseconds(64 * (operation >> 1));
            if ((operation & 1) != 0 && step.TimerDeadline is { } deadline)
            {
                if (deadline > now)
                    now = deadline;
                step = engine.TimerExpired(now);
            }
            step = engine.Received(bytes, now);
        }
    }
}
