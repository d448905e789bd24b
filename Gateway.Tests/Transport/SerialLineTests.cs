using Gateway.Core.Transport;
using Gateway.Emulation.Modem;

namespace Gateway.Tests.Transport;

/// <summary>Serial lines over System.IO.Ports on socat pseudo-terminals, and the choice of the first free device.</summary>
public sealed class SerialLineTests : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("serial-").FullName;
    private NullModemCable? cable;

    public async Task InitializeAsync()
    {
        if (NullModemCable.FindSocat(out _) is not null)
            cable = await NullModemCable.StartAsync(directory);
    }

    public Task DisposeAsync()
    {
        cable?.Dispose();
        Directory.Delete(directory, recursive: true);
        return Task.CompletedTask;
    }

    private NullModemCable Cable()
    {
        Skip.If(cable is null, "socat is not installed (test.sh installs it)");
        return cable!;
    }

    [SkippableFact]
    public async Task A_pseudo_terminal_opens_without_modem_control_and_carries_bytes_both_ways()
    {
        var pair = Cable();
        using var line = SerialPortLine.Open(pair.PortB, new SerialLineSettings(115200, HardwareFlowControl: true));
        await using var far = NullModemCable.OpenPort(pair.PortA);

        Assert.False(line.HasModemControl);
        line.Write("ATZ\r"u8);
        var buffer = new byte[16];
        var got = new List<byte>();
        while (got.Count < 4)
            got.AddRange(buffer.AsSpan(0, await far.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10))).ToArray());
        Assert.Equal("ATZ\r"u8.ToArray(), got);

        await far.WriteAsync("\r\nOK\r\n"u8.ToArray());
        got.Clear();
        while (got.Count < 6)
            got.AddRange(buffer.AsSpan(0, await line.ReadAsync(buffer, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10))).ToArray());
        Assert.Equal("\r\nOK\r\n"u8.ToArray(), got);
    }

    [SkippableFact]
    public void The_first_free_device_is_used_missing_and_held_devices_are_skipped_and_released_on_dispose()
    {
        var pair = Cable();
        var missing = Path.Combine(directory, "nothing-here");
        var settings = new SerialLineSettings();

        using (var first = SerialLines.OpenFirstFree("isp1", [missing, pair.PortB], settings, SerialPortLineFactory.Instance))
        {
            Assert.Equal(pair.PortB, first.Device);
            var busy = Assert.Throws<IOException>(() => SerialLines.OpenFirstFree("isp2", [missing, pair.PortB], settings, SerialPortLineFactory.Instance));
            Assert.Contains("in use by isp1", busy.Message);
            Assert.Contains("nothing-here", busy.Message);
        }

        using var again = SerialLines.OpenFirstFree("isp2", [pair.PortB], settings, SerialPortLineFactory.Instance);
        Assert.Equal(pair.PortB, again.Device);
    }

    [SkippableFact]
    public async Task A_vanished_device_ends_the_read_with_an_error_or_end_of_stream()
    {
        var pair = Cable();
        using var line = SerialPortLine.Open(pair.PortB, new SerialLineSettings());
        var read = Task.Run(async () =>
        {
            var buffer = new byte[64];
            try
            {
                while (await line.ReadAsync(buffer, CancellationToken.None) > 0)
                {
                }
                return "end of stream";
            }
            catch (IOException e)
            {
                return e.GetType().Name;
            }
        });

        pair.Dispose();

        Assert.Contains(await read.WaitAsync(TimeSpan.FromSeconds(30)), new[] { "end of stream", nameof(IOException) });
    }

    [SkippableFact]
    public async Task Hang_up_without_dtr_is_the_escape_with_guard_times_then_ath()
    {
        var pair = Cable();
        using var line = SerialPortLine.Open(pair.PortB, new SerialLineSettings { EscapeGuardTime = TimeSpan.FromMilliseconds(50) });
        await using var far = NullModemCable.OpenPort(pair.PortA);

        await line.HangUpAsync(CancellationToken.None);

        var buffer = new byte[16];
        var got = new List<byte>();
        while (got.Count < 7)
            got.AddRange(buffer.AsSpan(0, await far.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10))).ToArray());
        Assert.Equal("+++ATH\r"u8.ToArray(), got);
    }
}
