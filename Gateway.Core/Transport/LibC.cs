using System.Runtime.InteropServices;

namespace Gateway.Core.Transport;

/// <summary>The few libc calls the tun device needs (Linux, x86-64 and arm64 values).</summary>
internal static unsafe partial class LibC
{
    private const string Library = "libc";

    public const int ORdWr = 0x0002;          // O_RDWR, <asm-generic/fcntl.h>
    public const int ONoCtty = 0x0100;        // O_NOCTTY: a terminal opened never becomes the controlling one
    public const int ONonBlock = 0x0800;      // O_NONBLOCK
    public const int OCloExec = 0x80000;      // O_CLOEXEC
    public const int EfdNonBlock = ONonBlock; // EFD_NONBLOCK, eventfd(2)
    public const int EfdCloExec = OCloExec;   // EFD_CLOEXEC

    public const short PollIn = 0x001;        // POLLIN, <asm-generic/poll.h>
    public const short PollOut = 0x004;
    public const short PollErr = 0x008;
    public const short PollHup = 0x010;
    public const short PollNval = 0x020;

    public const int EIntr = 4;               // <asm-generic/errno-base.h>
    public const int EIo = 5;
    public const int EAgain = 11;
    public const int ENoMem = 12;
    public const int EFault = 14;
    public const int EInval = 22;
    public const int ENoBufs = 105;           // <asm-generic/errno.h>
    public const int EMsgSize = 90;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport(Library, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
