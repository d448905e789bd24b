namespace Gateway.Core.Status;

/// <summary>
/// What the actors publish on the actor system's event stream: the single source for the dashboard, the metrics
/// endpoint and the logs. Each carries the whole new status of one thing, so a
/// subscriber never needs earlier messages to make sense of a later one.
/// </summary>
public abstract record StatusEvent;

public sealed record IspLinkChanged(IspLinkStatus Link) : StatusEvent;

public sealed record SublinkChanged(SublinkStatus Sublink) : StatusEvent;

/// <summary>A sublink is gone for good (its actor stopped, e.g. a receiver-side peer that left).</summary>
public sealed record SublinkRemoved(string Bundle, string Name) : StatusEvent;

public sealed record BundleChanged(BundleStatus Bundle) : StatusEvent;

public sealed record BundleRemoved(string Name) : StatusEvent;

public sealed record LogWritten(LogEntry Entry) : StatusEvent;
