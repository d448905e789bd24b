using System.Runtime.InteropServices;

namespace Gateway.Core.Transport;

/// <summary>
/// Sockets in another network namespace (one that <c>ip netns add</c> named): a fresh thread switched into it
/// (setns(2) affects only the calling thread) creates them, and they stay in that namespace whichever thread uses them
/// afterwards. Used by the namespace tests and the bench harness; needs CAP_SYS_ADMIN.
/// </summary>
public static partial class NetworkNamespace
{
    private const int CloneNewNet = 0x40000000; // CLONE_NEWNET, <linux/sched.h>

    /// <summary>Runs <paramref name="create"/> on a thread inside namespace <paramref name="name"/> and returns its result.</summary>
    public static T RunInside<T>(string name, Func<T> create)
    {
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
