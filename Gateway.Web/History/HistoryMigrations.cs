using DbUp.Builder;
using DbUp.Engine;

namespace Gateway.Web.History;

/// <summary>
/// The versioned schema: numbered SQL scripts per dialect under <c>History/Migrations/{Sqlite,Postgres}</c>, embedded
/// in the assembly and applied in order by DbUp, which records each one it ran in <see cref="JournalTable"/>.
/// A script, once released, is never edited: a change is a new, higher-numbered script in both folders.
/// </summary>
public static class HistoryMigrations
{
    public const string JournalTable = "history_schema_versions";

    public enum Dialect
    {
        Sqlite,
        Postgres,
    }

    /// <summary>The scripts of a dialect, named by file (<c>0001_initial.sql</c>) and in order.</summary>
    public static IReadOnlyList<SqlScript> Scripts(Dialect dialect)
    {
        var assembly = typeof(HistoryMigrations).Assembly;
        var prefix = $"{typeof(HistoryMigrations).Namespace}.Migrations.{dialect}.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return new SqlScript(n[prefix.Length..], reader.ReadToEnd());
            })
            .ToList();
    }

    /// <summary>Runs the scripts not yet applied, each in its own transaction; throws with the failing script's error.</summary>
    public static void Upgrade(UpgradeEngineBuilder builder, Dialect dialect, ILogger logger)
    {
        var result = builder
            .WithScripts(Scripts(dialect))
            .WithTransactionPerScript()
            .WithVariablesDisabled()
            .LogTo(logger)
            .Build()
            .PerformUpgrade();
        if (!result.Successful)
            throw new HistoryMigrationException($"history schema: {result.ErrorScript?.Name ?? "upgrade"} failed: {result.Error?.Message}", result.Error);
    }
}

public sealed class HistoryMigrationException(string message, Exception? inner) : Exception(message, inner);
