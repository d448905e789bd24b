using System.Threading.Channels;

namespace Gateway.Emulation.Modem;

/// <summary>
/// The far end of an emulated call: asked for a duplex byte stream when a call is answered. The
/// emulated ISP's PPP session plugs in here; tests use <see cref="InMemoryLine"/>.
/// </summary>
public interface IModemAnswerer
{
    /// <summary>
    /// Called on CONNECT to <paramref name="number"/> at <paramref name="speed"/> bits/s. Returns the remote
    /// side's stream (reads: bytes the remote sends towards the computer; writes: bytes from the computer),
    /// or null to refuse the call (the modem then reports NO CARRIER). The modem disposes the stream when
    /// the call ends; the remote ending its stream (read returns 0) drops the carrier.
    /// </summary>
    ValueTask<Stream?> AnswerAsync(string number, int speed, CancellationToken cancellationToken);
}

/// <summary>An answerer from a delegate.</summary>
public sealed class DelegateAnswerer(Func<string, int, CancellationToken, ValueTask<Stream?>> answer) : IModemAnswerer
{
    public ValueTask<Stream?> AnswerAsync(string number, int speed, CancellationToken cancellationToken) =>
        answer(number, speed, cancellationToken);
}

/// <summary>
/// A telephone line in memory: two connected duplex streams. What is written to one is read from the
/// other. Disposing either end ends the other's reads (hang-up).
/// </summary>
public sealed class InMemoryLine
{
    private readonly Channel<byte[]> aToB = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Channel<byte[]> bToA = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    public InMemoryLine()
    {
        ModemSide = new End(bToA.Reader, aToB.Writer, this);
        RemoteSide = new End(aToB.Reader, bToA.Writer, this);
    }

    /// <summary>The end the modem emulator holds.</summary>
    public Stream ModemSide { get; }

    /// <summary>The end the answering party (ISP emulation, test) holds.</summary>
    public Stream RemoteSide { get; }

    private void HangUp()
    {
        aToB.Writer.TryComplete();
        bToA.Writer.TryComplete();
    }

    private sealed class End(ChannelReader<byte[]> reader, ChannelWriter<byte[]> writer, InMemoryLine line) : Stream
    {
        private ReadOnlyMemory<byte> pending;

        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (pending.IsEmpty)
            {
                if (!await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                    return 0;
                if (reader.TryRead(out var chunk))
                    pending = chunk;
            }
            var n = Math.Min(buffer.Length, pending.Length);
            pending[..n].CopyTo(buffer);
            pending = pending[n..];
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!buffer.IsEmpty)
                writer.TryWrite(buffer.ToArray()); // fails silently after hang-up, like a dead line
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                line.HangUp();
            base.Dispose(disposing);
        }
    }
}
