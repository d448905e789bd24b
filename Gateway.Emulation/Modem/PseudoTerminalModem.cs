namespace Gateway.Emulation.Modem;

/// <summary>
/// An emulated Hayes modem plugged into this machine at <see cref="Device"/>: a pseudo-terminal (the near end of a
/// socat <see cref="NullModemCable"/>) that ppp opens like <c>/dev/cuaa0</c>, with a <see cref="HayesModemHost"/> on
/// the far end dialling into <paramref name="numbers"/> and joining connected calls to <paramref name="answerer"/>.
/// socat ends the pair when the computer closes the device; the modem is then plugged in again at the same path,
/// as a real modem stays on its port when ppp closes it. <see cref="DisposeAsync"/> unplugs it for good.
/// </summary>
public sealed class PseudoTerminalModem : IAsyncDisposable
{
    private readonly ModemDirectory numbers;
    private readonly IModemAnswerer answerer;
    private readonly ModemOptions options;
    private readonly CancellationTokenSource stop = new();
    private readonly string modemSide;
    private Task running = Task.CompletedTask;
    private NullModemCable? cable;
    private int plugs;

    private PseudoTerminalModem(string device, ModemDirectory numbers, IModemAnswerer answerer, ModemOptions options)
    {
        Device = Path.GetFullPath(device);
        modemSide = Path.Combine(Path.GetDirectoryName(Device)!, "." + Path.GetFileName(Device) + ".modem");
        this.numbers = numbers;
        this.answerer = answerer;
        this.options = options;
    }

    /// <summary>The path ppp opens (a symbolic link to a <c>/dev/pts</c> device while the modem is plugged in).</summary>
    public string Device { get; }

    /// <summary>How many times the modem has been plugged in (1 at start, one more after each close by the computer).</summary>
    public int Plugs => Volatile.Read(ref plugs);

    /// <summary>Plugs the modem in at <paramref name="device"/> (its folder is created) and returns once the device exists.</summary>
    /// <exception cref="InvalidOperationException">socat is missing or did not start.</exception>
    public static async Task<PseudoTerminalModem> StartAsync(string device, ModemDirectory numbers, IModemAnswerer answerer, ModemOptions? options = null)
    {
        var modem = new PseudoTerminalModem(device, numbers, answerer, options ?? new ModemOptions());
        Directory.CreateDirectory(Path.GetDirectoryName(modem.Device)!);
        var first = await modem.PlugInAsync().ConfigureAwait(false);
        modem.running = Task.Run(() => modem.RunAsync(first));
        return modem;
    }

    private async Task<(NullModemCable Cable, Stream Port)> PlugInAsync()
    {
        foreach (var stale in new[] { modemSide, Device })
        {
            if (new FileInfo(stale).LinkTarget is not null)
                File.Delete(stale);
        }
        var plugged = await NullModemCable.StartAsync(modemSide, Device, cancellationToken: stop.Token).ConfigureAwait(false);
        Interlocked.Increment(ref plugs);
        Volatile.Write(ref cable, plugged);
        try
        {
            return (plugged, NullModemCable.OpenPort(plugged.PortA));
        }
        catch
        {
            plugged.Dispose();
            throw;
        }
    }

    private async Task RunAsync((NullModemCable Cable, Stream Port) plugged)
    {
        while (true)
        {
            using (plugged.Cable)
            await using (plugged.Port)
            {
                var modem = new HayesModem(options, numbers, new Random());
                // Ends when the computer closes the device (socat then ends the pair) or on DisposeAsync.
                await new HayesModemHost(modem, plugged.Port, answerer).RunAsync(stop.Token).ConfigureAwait(false);
            }
            while (true)
            {
                if (stop.IsCancellationRequested)
                    return;
                try
                {
                    plugged = await PlugInAsync().ConfigureAwait(false);
                    break;
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (InvalidOperationException)
                {
                    // socat failed to make the pair (it says why on the next try); the device is absent meanwhile.
                    await Task.Delay(RetryDelay, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>How long an unplugged modem waits before socat is asked again for its pseudo-terminal.</summary>
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        // A read of the pseudo-terminal does not end on cancellation; it ends when socat goes.
        Volatile.Read(ref cable)?.Dispose();
        try
        {
            await running.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
        }
        stop.Dispose();
    }
}
