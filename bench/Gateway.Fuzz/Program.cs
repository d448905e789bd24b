using SharpFuzz;

namespace Gateway.Fuzz;

/// <summary>
/// <c>Gateway.Fuzz TARGET</c> under afl-fuzz (bench/fuzz.sh starts it so, on an instrumented Gateway.Core.dll);
/// <c>Gateway.Fuzz TARGET --replay FILE...</c> runs inputs once each and says which fail (triage, regression);
/// <c>Gateway.Fuzz seeds DIR</c> writes the generated seeds; <c>Gateway.Fuzz list</c> names the targets.
/// </summary>
internal static class Program
{
    /// <summary>Longest input read (afl-fuzz is started with the same -G).</summary>
    private const int MaxInput = 64 * 1024;

    private static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.Error.WriteLine("usage: Gateway.Fuzz TARGET [--replay FILE...] | seeds DIR | list");
            return 2;
        }
        if (args[0] == "list")
        {
            foreach (var t in FuzzTargets.All)
                Console.WriteLine($"{t.Name,-12} {t.Description}");
            return 0;
        }
        if (args[0] == "seeds" && args.Length == 2)
        {
            Seeds.Write(args[1]);
            return 0;
        }
        var target = FuzzTargets.Find(args[0]);
        if (target is null)
        {
            Console.Error.WriteLine($"no target '{args[0]}' (Gateway.Fuzz list)");
            return 2;
        }
        if (args.Length > 1 && args[1] == "--replay")
            return Replay(target, args.Skip(2));

        // Out of process: the fork server runs the target in a child process and starts a new one when afl-fuzz kills
        // it for running past -t, so that a hang is recorded as one (in process, the fork server itself would die and
        // afl-fuzz abort); a stack overflow is a crash instead of the end of the campaign.
        var buffer = new byte[MaxInput];
        Fuzzer.OutOfProcess.Run(stream =>
        {
            int length = 0;
            int read;
            while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
                length += read;
            FuzzTargets.RunBounded(target, buffer.AsSpan(0, length));
        });
        return 0;
    }

    private static int Replay(IFuzzTarget target, IEnumerable<string> paths)
    {
        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p).Order(StringComparer.Ordinal) : new[] { p }.AsEnumerable()).ToList();
        int failed = 0;
        foreach (var file in files)
        {
            var input = File.ReadAllBytes(file);
            try
            {
                // Twice: the first run JIT-compiles and fills caches; the bound applies to a warm run, as under afl-fuzz.
                target.Run(input);
                long before = GC.GetAllocatedBytesForCurrentThread();
                FuzzTargets.RunBounded(target, input);
                Console.WriteLine($"ok      {file} ({GC.GetAllocatedBytesForCurrentThread() - before:N0} bytes allocated)");
            }
            catch (Exception e)
            {
                failed++;
                Console.WriteLine($"FAILED  {file}: {e.GetType().Name}: {e.Message}");
                Console.WriteLine(e.StackTrace);
            }
        }
        Console.WriteLine($"{target.Name}: {files.Count - failed} ok, {failed} failed");
        return failed == 0 ? 0 : 1;
    }
}
