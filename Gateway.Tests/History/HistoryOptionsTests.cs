using Gateway.Web.History;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.History;

public sealed class HistoryOptionsTests
{
    [Theory]
    [InlineData(true, null, null, "/var/lib/multilink-gateway")]
    [InlineData(false, null, null, "/home/op/.local/share/multilink-gateway")]
    [InlineData(false, "/data/xdg", null, "/data/xdg/multilink-gateway")]
    [InlineData(false, "relative/xdg", null, "/home/op/.local/share/multilink-gateway")]
    [InlineData(true, null, "/var/lib/gw:/other", "/var/lib/gw")]
    public void The_default_data_directory_is_where_a_daemon_keeps_its_state(bool root, string? xdg, string? state, string expected)
    {
        var environment = new Dictionary<string, string?> { ["XDG_DATA_HOME"] = xdg, ["STATE_DIRECTORY"] = state };

        Assert.Equal(expected, HistoryOptions.DefaultDataDirectory(name => environment.GetValueOrDefault(name), root, "/home/op"));
    }

    [Fact]
    public void The_command_lines_data_wins_over_the_configured_path_and_other_keys_are_read()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                [HistoryOptions.DataPathKey] = "/configured",
                ["data"] = "/not-the-command-line",
                [HistoryOptions.EventDaysKey] = "7",
                [HistoryOptions.RollupDaysKey] = "3",
                [HistoryOptions.MaxBytesKey] = "1048576",
                [HistoryOptions.ConnectionStringKey] = "Host=db;Database=history",
            })
            .AddCommandLine(["--data", "/from-the-command-line"])
            .Build();

        var options = HistoryOptions.From(configuration);

        Assert.Equal("/from-the-command-line/history.db", options.DatabasePath);
        Assert.Equal((7, 3, 1048576L, true), (options.EventDays, options.RollupDays, options.MaxBytes, options.UsesPostgres));
    }

    [Fact]
    public void A_data_key_from_anywhere_but_the_command_line_is_not_the_alias()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["data"] = "/stray", [HistoryOptions.DataPathKey] = "/configured" })
            .Build();

        Assert.Equal("/configured/history.db", HistoryOptions.From(configuration).DatabasePath);
    }

    [Fact]
    public void Days_must_be_positive()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [HistoryOptions.EventDaysKey] = "0" }).Build();

        Assert.Contains(HistoryOptions.EventDaysKey, Assert.Throws<InvalidOperationException>(() => HistoryOptions.From(configuration)).Message);
    }
}
