using System.Globalization;

namespace Gateway.Core.Ppp.Multilink;

/// <summary>
/// How a bundle member is used for data (issue 16; not part of RFC 1990, so the peer never learns it). A primary
/// belongs to the class of its priority, 1 the best; a backup to one class below every primary. Data goes only to
/// the members of the best class that has a member able to carry it (up and not paused); the others stay members:
/// they run their own LCP (echo, LQR), receive, and carry a control packet sent on them on purpose.
/// </summary>
public sealed record MemberPolicy
{
    /// <summary>The priority of a primary nobody ranked: the best class.</summary>
    public const int DefaultPriority = 1;

    public const int MaxPriority = 255;

    private MemberPolicy(bool isBackup, int? priority)
    {
        IsBackup = isBackup;
        Priority = priority;
    }

    /// <summary>A primary of <see cref="DefaultPriority"/>: what every member is unless told otherwise.</summary>
    public static MemberPolicy Default { get; } = new(false, DefaultPriority);

    /// <summary>Carries data only while no primary member can.</summary>
    public static MemberPolicy Backup { get; } = new(true, null);

    /// <summary>A primary of <paramref name="priority"/> (1 to <see cref="MaxPriority"/>; lower is preferred).</summary>
    public static MemberPolicy Primary(int priority = DefaultPriority) =>
        priority is < DefaultPriority or > MaxPriority
            ? throw new ArgumentOutOfRangeException(nameof(priority), priority, $"a priority is {DefaultPriority} to {MaxPriority}")
            : priority == DefaultPriority ? Default : new MemberPolicy(false, priority);

    public bool IsBackup { get; }

    /// <summary>A primary's priority; null for a backup.</summary>
    public int? Priority { get; }

    /// <summary>The class the fragmenter ranks members by: lower is preferred, every backup below every primary.</summary>
    internal int Class => Priority ?? MaxPriority + 1;

    /// <summary>The words of ppp.conf's <c>set policy</c>: <c>backup</c>, <c>primary N</c>.</summary>
    public override string ToString() => IsBackup ? "backup" : $"primary {Priority}";

    /// <summary>
    /// Reads <c>backup</c>, <c>primary</c> or <c>primary N</c> (words compared case-insensitively); false with the
    /// reason for anything else.
    /// </summary>
    public static bool TryParse(IReadOnlyList<string> words, out MemberPolicy policy, out string? error)
    {
        policy = Default;
        error = null;
        if (words.Count == 1 && words[0].Equals("backup", StringComparison.OrdinalIgnoreCase))
        {
            policy = Backup;
            return true;
        }
        if (words.Count is 1 or 2 && words[0].Equals("primary", StringComparison.OrdinalIgnoreCase))
        {
            if (words.Count == 1)
                return true;
            if (int.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out int priority)
                && priority is >= DefaultPriority and <= MaxPriority)
            {
                policy = Primary(priority);
                return true;
            }
            error = $"'{words[1]}': a priority is a whole number from {DefaultPriority} to {MaxPriority}";
            return false;
        }
        error = words.Count == 0 ? "no policy given" : $"'{string.Join(' ', words)}': the policy is backup, primary or primary PRIORITY";
        return false;
    }
}
