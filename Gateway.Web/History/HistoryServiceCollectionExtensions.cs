using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Web.History;

public static class HistoryServiceCollectionExtensions
{
    /// <summary>
    /// The history: its store (SQLite in the data directory, or PostgreSQL), the writer, the retention job, the feed
    /// from the event stream and the operator audit. Call it before <c>AddAkka</c>: hosted services start in the order
    /// they were added and stop in reverse, and the feed must subscribe before the role's actors start, and the
    /// writer outlive the actor system (<see cref="HistoryFeedService"/>).
    /// </summary>
    public static IServiceCollection AddGatewayHistory(this IServiceCollection services, IConfiguration configuration)
    {
        var options = HistoryOptions.From(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton<IHistoryStore>(sp =>
        {
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway.History");
            return options.UsesPostgres
                ? new PostgresHistoryStore(options.ConnectionString!, logger)
                : new SqliteHistoryStore(options.DatabasePath, options.MaxBytes, options.BusyTimeout, logger);
        });
        services.AddSingleton<HistoryWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<HistoryWriter>());
        services.AddSingleton<HistoryRetention>();
        services.AddHostedService(sp => sp.GetRequiredService<HistoryRetention>());
        services.AddHostedService<HistoryFeedService>();
        services.AddSingleton<OperatorAudit>();
        services.AddSingleton<OperatorAuditHubFilter>();
        services.AddTransient<IStartupFilter, OperatorAuditStartupFilter>();
        services.Configure<HubOptions>(o => o.AddFilter<OperatorAuditHubFilter>());
        return services;
    }
}
