namespace Gateway.Core.Modem.Redial;

/// <summary>
/// The number chooser of FreeBSD ppp (datalink.c datalink_ChoosePhoneNumber) for
/// <c>set phone telno[|telno]...[:telno[|telno]...]...</c>. Colon-separated groups are dialed in turn
/// "irrespective of the reason the line was dropped"; the pipe-separated alternatives inside a group are
/// dialed only while the previous one fails: after a successful login the rest of the group is skipped
/// and the next dial starts at the next group. After the last group the list starts again.
/// </summary>
public sealed class PhoneRotation
{
    private readonly string[] groups;
    private int? nextGroup;              // ppp's phone.next; null = at the end of the list
    private Queue<string>? alternatives; // ppp's phone.alt; null = group used up

    /// <param name="phoneList">The <c>set phone</c> value; null or empty: no number (<c>\T</c> expands to nothing).</param>
    public PhoneRotation(string? phoneList)
    {
        groups = string.IsNullOrEmpty(phoneList) ? [] : phoneList.Split(':');
    }

    /// <summary>True when no group is left in this pass of the list (ppp's <c>phone.next == NULL</c>):
    /// the next redial waits the full redial pause instead of the shorter <c>next</c> pause.</summary>
    public bool AtEndOfList => nextGroup is null;

    /// <summary>Picks the number for the next dial: the next alternative of the current group, else the next group's first.</summary>
    public string Next()
    {
        if (alternatives is null)
        {
            if (nextGroup is null)
            {
                if (groups.Length == 0)
                    return "";
                nextGroup = 0;
            }
            alternatives = new Queue<string>(groups[nextGroup.Value].Split('|'));
            nextGroup = nextGroup.Value + 1 < groups.Length ? nextGroup.Value + 1 : null;
        }
        var phone = alternatives.Dequeue();
        if (alternatives.Count == 0)
            alternatives = null;
        return phone;
    }

    /// <summary>A login succeeded: forget the group's remaining alternatives (ppp sets <c>phone.alt = NULL</c>).</summary>
    public void Connected() => alternatives = null;
}
