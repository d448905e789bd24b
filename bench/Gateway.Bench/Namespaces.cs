using System.Runtime.InteropServices;

namespace Gateway.Bench;

/// <summary>
/// Sockets in a network namespace that run.sh made: a thread switched into it (setns affects only the calling
/// thread) creates them, and they stay in that namespace whichever thread uses them afterwards. The same trick as
/// Gateway.Tests/Support/NetNs.RunInside; the harness never creates or deletes namespaces itself (run.sh does).
/// </summary>
public static partial class Namespaces
{
    private const int CloneNewNet = 0x40000000; // CLONE_NEWNET, <linux/sched.h>

    /// <summary>Runs <paramref name="create"/> inside namespace <paramref name="name"/> (null or empty: here).</summary>
    public static T RunIn<T>(string? name, Func<T> create)
    {
        if (string.IsNullOrEmpty(name))
            return create();
        T? result = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{name}");
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                    throw new IOException($"setns {name}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
                result = create();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
            throw new InvalidOperationException($"in namespace {name}: {failure.Message}", failure);
        return result!;
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int namespaceType);
}
