using System.Runtime.InteropServices;
using Gateway.Web.Hosting;

namespace Gateway.Tests.Web;

/// <summary>
/// <see cref="NativeHeapTrimmer"/>: native memory that was freed but kept by glibc's allocator goes back to the system
/// when it trims (the flapping soak's RSS creep; docs/RELIABILITY.md).
/// </summary>
public sealed class NativeHeapTrimmerTests
{
    private const int Blocks = 65_536, BlockSize = 1024, KeepEvery = 64;

    [SkippableFact]
    public unsafe void Freed_native_memory_is_given_back_when_trimmed()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "malloc_trim is glibc's (Linux)");
        Skip.IfNot(NativeHeapTrimmer.TrimNow(), "this libc has no malloc_trim (musl): the trimmer does nothing here");

        long before = 0, freed = 0, after = 0;
        // On a thread of its own, as the runtime's and libraries' allocations come from many threads (and arenas).
        var thread = new Thread(() =>
        {
            var blocks = new nint[Blocks];
            for (int i = 0; i < Blocks; i++)
            {
                blocks[i] = (nint)NativeMemory.Alloc(BlockSize);
                *(byte*)blocks[i] = 1;
            }
            // Every 64th block stays: the arena cannot shrink from its top, the freed blocks are holes inside it.
            for (int i = 0; i < Blocks; i++)
            {
                if (i % KeepEvery != KeepEvery - 1)
                    NativeMemory.Free((void*)blocks[i]);
            }
            before = RssAnon();
            NativeHeapTrimmer.TrimNow();
            after = RssAnon();
            for (int i = KeepEvery - 1; i < Blocks; i += KeepEvery)
                NativeMemory.Free((void*)blocks[i]);
        });
        thread.Start();
        thread.Join();
        freed = (long)Blocks * BlockSize * (KeepEvery - 1) / KeepEvery;
        Assert.True(before - after >= freed / 2,
            $"anonymous RSS {before / 1048576.0:F1} MiB before the trim and {after / 1048576.0:F1} MiB after; {freed / 1048576.0:F1} MiB had been freed");
    }

    private static long RssAnon()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
                return long.Parse(line["RssAnon:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        throw new InvalidOperationException("no RssAnon in /proc/self/status");
    }
}
