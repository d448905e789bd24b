namespace Gateway.Core.Ppp.Multilink;

/// <summary>The active members of a bundle half: identifiers 0 .. capacity-1, kept also as a dense list to iterate.</summary>
internal sealed class MemberSet
{
    private readonly bool[] present;
    private readonly int[] ids;

    public MemberSet(int capacity)
    {
        present = new bool[capacity];
        ids = new int[capacity];
    }

    public int Count { get; private set; }

    public int Capacity => present.Length;

    /// <summary>The i-th active member (0 &lt;= i &lt; Count), in no particular order.</summary>
    public int this[int i] => ids[i];

    public bool InRange(int member) => (uint)member < (uint)present.Length;

    public bool Contains(int member) => InRange(member) && present[member];

    /// <summary>Adds a member in range; returns false when it already was one.</summary>
    public bool Add(int member)
    {
        if (present[member])
            return false;
        present[member] = true;
        ids[Count++] = member;
        return true;
    }

    public bool Remove(int member)
    {
        if (!Contains(member))
            return false;
        present[member] = false;
        for (int i = 0; i < Count; i++)
        {
            if (ids[i] == member)
            {
                ids[i] = ids[--Count];
                break;
            }
        }
        return true;
    }
}
