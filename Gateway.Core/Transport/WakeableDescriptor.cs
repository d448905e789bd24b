using System.Runtime.InteropServices;

namespace Gateway.Core.Transport;

/// <summary>
/// A non-blocking file descriptor (a tun device, a serial device) read and written with read(2) and write(2), waits in
/// poll(2) beside an eventfd that <see cref="Wake"/> signals, so a reader blocked on another thread ends when the
/// owner closes. Nothing is allocated per call. Errors are thrown as the owner's <see cref="IOException"/>s.
/// </summary>
internal sealed unsafe class WakeableDescriptor : IDisposable
{
    private readonly FileDescriptor fd;
    private readonly FileDescriptor wake;
    private readonly string name;
    private readonly Func<string, int, IOException> error;
    private volatile bool disposed;

    /// <summary>Takes <paramref name="descriptor"/> (opened with O_NONBLOCK); <paramref name="error"/> makes the exception of a failed call ("read from tun0", errno).</summary>
    public WakeableDescriptor(int descriptor, string name, Func<string, int, IOException> error)
    {
        fd = new FileDescriptor(descriptor);
        this.name = name;
        this.error = error;
        int wakeFd = LibC.EventFd(0, LibC.EfdNonBlock | LibC.EfdCloExec);
        if (wakeFd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            fd.Dispose();
            throw error("eventfd", errno);
        }
        wake = new FileDescriptor(wakeFd);
    }

    /// <summary>The descriptor, for ioctls; valid until <see cref="Dispose"/>.</summary>
    public int Fd => fd.Fd;

    /// <summary>
    /// Reads what is there into <paramref name="buffer"/>, waiting up to <paramref name="timeoutMilliseconds"/>
    /// (-1: until something comes) for it; -1 when nothing came in time, 0 at the end of the file.
    /// </summary>
    /// <exception cref="ObjectDisposedException">Disposed, before or during the wait.</exception>
    public int Read(Span<byte> buffer, int timeoutMilliseconds)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        bool fdAdded = false, wakeAdded = false;
        try
        {
            fd.DangerousAddRef(ref fdAdded);
            wake.DangerousAddRef(ref wakeAdded);
            fixed (byte* p = buffer)
            {
                while (true)
                {
                    ObjectDisposedException.ThrowIf(disposed, this);
                    nint read = LibC.Read(fd.Fd, p, (nuint)buffer.Length);
                    if (read >= 0)
                        return (int)read;
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == LibC.EIntr)
                        continue;
                    if (errno != LibC.EAgain)
                        throw error($"read from {name}", errno);
                    if (!WaitFor(LibC.PollIn, timeoutMilliseconds))
                        return -1;
                }
            }
        }
        finally
        {
            if (wakeAdded)
                wake.DangerousRelease();
            if (fdAdded)
                fd.DangerousRelease();
        }
    }

    /// <summary>Writes all of <paramref name="bytes"/>, waiting while the device's buffer is full (flow control).</summary>
    /// <exception cref="ObjectDisposedException">Disposed, before or during the wait.</exception>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        bool fdAdded = false, wakeAdded = false;
        try
        {
            fd.DangerousAddRef(ref fdAdded);
            wake.DangerousAddRef(ref wakeAdded);
            fixed (byte* start = bytes)
            {
                int done = 0;
                while (done < bytes.Length)
                {
                    ObjectDisposedException.ThrowIf(disposed, this);
                    nint written = LibC.Write(fd.Fd, start + done, (nuint)(bytes.Length - done));
                    if (written >= 0)
                    {
                        done += (int)written;
                        continue;
                    }
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == LibC.EIntr)
                        continue;
                    if (errno != LibC.EAgain)
                        throw error($"write to {name}", errno);
                    WaitFor(LibC.PollOut, -1);
                }
            }
        }
        finally
        {
            if (wakeAdded)
                wake.DangerousRelease();
            if (fdAdded)
                fd.DangerousRelease();
        }
    }

    /// <summary>One write(2) that never waits (a packet to a tun device): the bytes written, or -1 with the errno.</summary>
    public nint TryWrite(ReadOnlySpan<byte> bytes, out int errno)
    {
        errno = 0;
        bool added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            fixed (byte* p = bytes)
            {
                while (true)
                {
                    nint written = LibC.Write(fd.Fd, p, (nuint)bytes.Length);
                    if (written >= 0)
                        return written;
                    errno = Marshal.GetLastPInvokeError();
                    if (errno != LibC.EIntr)
                        return -1;
                }
            }
        }
        finally
        {
            if (added)
                fd.DangerousRelease();
        }
    }

    /// <summary>Waits in poll(2) for <paramref name="events"/> or the wake-up; false on the timeout.</summary>
    private bool WaitFor(short events, int timeoutMilliseconds)
    {
        var fds = stackalloc LibC.PollFd[2];
        while (true)
        {
            fds[0] = new LibC.PollFd { Fd = fd.Fd, Events = events };
            fds[1] = new LibC.PollFd { Fd = wake.Fd, Events = LibC.PollIn };
            int ready = LibC.Poll(fds, 2, timeoutMilliseconds);
            if (ready == 0)
                return false;
            if (ready < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == LibC.EIntr)
                    continue;
                throw error($"poll on {name}", errno);
            }
            if (fds[1].Revents != 0)
                throw new ObjectDisposedException(name);
            // POLLERR, POLLHUP (a pty whose other end closed): the next read or write reports it with its errno.
            return true;
        }
    }

    /// <summary>Ends every wait under way, now and from now on (the owner is closing).</summary>
    public void Wake()
    {
        disposed = true;
        bool added = false;
        try
        {
            wake.DangerousAddRef(ref added);
            ulong one = 1;
            LibC.Write(wake.Fd, (byte*)&one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            if (added)
                wake.DangerousRelease();
        }
    }

    public void Dispose()
    {
        Wake();
        fd.Dispose();
        wake.Dispose();
    }

    /// <summary>A descriptor closed once nobody uses it any more (SafeHandle's reference count).</summary>
    private sealed class FileDescriptor : SafeHandle
    {
        public FileDescriptor(int fd) : base(new IntPtr(-1), ownsHandle: true)
        {
            Fd = fd;
            SetHandle(new IntPtr(fd));
        }

        public int Fd { get; }

        public override bool IsInvalid => handle == new IntPtr(-1);

        protected override bool ReleaseHandle() => LibC.Close(Fd) == 0;
    }
}
