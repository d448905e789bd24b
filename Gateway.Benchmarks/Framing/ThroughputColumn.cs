using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Gateway.Benchmarks.Framing;

/// <summary>A benchmark parameter that says how many payload octets one operation processes.</summary>
public interface IPayloadSize
{
    int PayloadBytes { get; }
}

/// <summary>Payload throughput in MB/s (10^6 octets per second) computed from the mean time per operation.</summary>
public sealed class ThroughputColumn : IColumn
{
    public string Id => nameof(ThroughputColumn);

    public string ColumnName => "MB/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Payload megabytes (10^6 octets) per second, payload size / Mean";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? meanNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
        IPayloadSize? size = benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<IPayloadSize>().FirstOrDefault();
        if (meanNanoseconds is not > 0 || size is null)
            return "NA";
        return (size.PayloadBytes * 1000.0 / meanNanoseconds.Value).ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}

/// <summary>Memory diagnoser and the MB/s column for every framing benchmark.</summary>
public sealed class FramingBenchmarkConfig : ManualConfig
{
    public FramingBenchmarkConfig()
    {
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(new ThroughputColumn());
    }
}
