using Microsoft.Extensions.Configuration.CommandLine;

namespace Gateway.Web.History;

/// <summary>The history's settings (<c>Gateway:Data:Path</c>, <c>Gateway:History:*</c>, <c>--data DIR</c>); see History/README.md.</summary>
public sealed record HistoryOptions
{
    public const string DataPathKey = "Gateway:Data:Path";
    public const string ConnectionStringKey = "Gateway:History:ConnectionString";
    public const string EventDaysKey = "Gateway:History:EventDays";
    public const string RollupDaysKey = "Gateway:History:RollupDays";
    public const string MaxBytesKey = "Gateway:History:MaxBytes";
    public const string NodeKey = "Gateway:History:Node";

    /// <summary>The command line's <c>--data DIR</c>: ASP.NET Core's command-line provider reads it as the key <c>data</c>.</summary>
    public const string DataCommandLineKey = "data";

    public const string DatabaseFileName = "history.db";
    public const string ApplicationDirectoryName = "multilink-gateway";

    /// <summary>The SQLite file (when <see cref="ConnectionString"/> is empty).</summary>
    public string DatabasePath { get; init; } = Path.Combine(DefaultDataDirectory(), DatabaseFileName);

    /// <summary>A PostgreSQL connection string: when set, history goes there instead of the SQLite file.</summary>
    public string? ConnectionString { get; init; }

    public int EventDays { get; init; } = 90;
    public int RollupDays { get; init; } = 30;

    /// <summary>Live data the history may hold, in bytes; 0 for no limit. The oldest records go first.</summary>
    public long MaxBytes { get; init; } = 1L << 30;

    /// <summary>Names this process in records, so that nodes sharing one PostgreSQL history can be told apart.</summary>
    public string Node { get; init; } = Environment.MachineName;

    /// <summary>Records waiting for the store; more are dropped and counted as lost (the data path never waits).</summary>
    public int QueueCapacity { get; init; } = 10_000;

    public int BatchSize { get; init; } = 500;

    /// <summary>How long the writer lets records gather before a write, so that it writes batches, not single rows.</summary>
    public TimeSpan Linger { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>First wait after a failed write; it doubles up to <see cref="RetryMax"/>.</summary>
    public TimeSpan RetryMin { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan RetryMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long SQLite waits on a lock held by another connection before the write counts as failed.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan RetentionInterval { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the feed closes minutes of things that went quiet.</summary>
    public TimeSpan RollupFlushInterval { get; init; } = TimeSpan.FromSeconds(10);

    public bool UsesPostgres => !string.IsNullOrWhiteSpace(ConnectionString);

    public static HistoryOptions From(IConfiguration configuration)
    {
        var defaults = new HistoryOptions();
        var directory = CommandLineValue(configuration, DataCommandLineKey) ?? configuration[DataPathKey];
        return defaults with
        {
            DatabasePath = string.IsNullOrWhiteSpace(directory) ? defaults.DatabasePath : Path.Combine(Path.GetFullPath(directory), DatabaseFileName),
            ConnectionString = configuration[ConnectionStringKey],
            EventDays = Positive(configuration, EventDaysKey, defaults.EventDays),
            RollupDays = Positive(configuration, RollupDaysKey, defaults.RollupDays),
            MaxBytes = configuration.GetValue(MaxBytesKey, defaults.MaxBytes),
            Node = configuration[NodeKey] is { Length: > 0 } node ? node : defaults.Node,
        };
    }

    /// <summary>
    /// Where a daemon keeps its state: systemd's <c>$STATE_DIRECTORY</c> (<c>StateDirectory=</c>) when set; as root
    /// <c>/var/lib/multilink-gateway</c>; otherwise <c>$XDG_DATA_HOME/multilink-gateway</c>, by default
    /// <c>~/.local/share/multilink-gateway</c> (the XDG base directory specification).
    /// </summary>
    public static string DefaultDataDirectory() => DefaultDataDirectory(
        Environment.GetEnvironmentVariable,
        Environment.IsPrivilegedProcess,
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    internal static string DefaultDataDirectory(Func<string, string?> environment, bool root, string home)
    {
        if (environment("STATE_DIRECTORY") is { Length: > 0 } state)
            return state.Split(':')[0];
        if (root)
            return Path.Combine("/var/lib", ApplicationDirectoryName);
        var xdg = environment("XDG_DATA_HOME");
        var dataHome = !string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg) ? xdg : Path.Combine(home, ".local", "share");
        return Path.Combine(dataHome, ApplicationDirectoryName);
    }

    /// <summary>
    /// A value given on the command line only: <c>--data</c> is an alias there, and a stray environment variable
    /// <c>DATA</c> (the host reads every environment variable) must not move the history.
    /// </summary>
    private static string? CommandLineValue(IConfiguration configuration, string key) =>
        configuration is IConfigurationRoot root
            ? root.Providers.OfType<CommandLineConfigurationProvider>().Select(p => p.TryGet(key, out var v) ? v : null).LastOrDefault(v => v is not null)
            : null;

    private static int Positive(IConfiguration configuration, string key, int fallback)
    {
        var value = configuration.GetValue(key, fallback);
        return value > 0 ? value : throw new InvalidOperationException($"{key} must be a positive number of days, not {value}");
    }
}
