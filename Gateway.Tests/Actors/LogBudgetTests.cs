using Gateway.Core.Actors;

namespace Gateway.Tests.Actors;

public class LogBudgetTests
{
    private static readonly TimeSpan T0 = TimeSpan.FromSeconds(100);

    [Fact]
    public void A_storm_of_lines_is_cut_to_the_budget_and_the_next_period_says_how_many_were_left_out()
    {
        // An authenticated peer renegotiating LCP as fast as it sends: 1,000 lines in a second.
        var budget = new LogBudget(60, TimeSpan.FromSeconds(10));
        var logged = new List<string>();
        for (int i = 0; i < 1000; i++)
        {
            if (budget.Line(T0 + TimeSpan.FromMilliseconds(i), $"line {i}") is { } line)
                logged.Add(line);
        }

        Assert.Equal(60, logged.Count);
        Assert.Equal("line 59", logged[^1]);
        Assert.Equal(940, budget.SuppressedTotal);

        var next = budget.Line(T0 + TimeSpan.FromSeconds(10), "line after");
        Assert.Equal("line after (940 lines like it not logged: over 60 in 10 s)", next);
        Assert.Equal(0, budget.Suppressed);
        Assert.Equal(940, budget.SuppressedTotal);
    }

    [Fact]
    public void Within_the_budget_every_line_is_logged_as_it_is()
    {
        var budget = new LogBudget(3, TimeSpan.FromSeconds(10));
        var now = T0;
        for (int i = 0; i < 30; i++, now += TimeSpan.FromSeconds(4))
            Assert.Equal($"line {i}", budget.Line(now, $"line {i}"));
        Assert.Equal(0, budget.SuppressedTotal);
    }

    [Fact]
    public void What_was_left_out_and_not_yet_reported_is_handed_over_once()
    {
        var budget = new LogBudget(1, TimeSpan.FromSeconds(10));
        Assert.NotNull(budget.Line(T0, "a"));
        Assert.Null(budget.Line(T0, "b"));
        Assert.Null(budget.Line(T0, "c"));

        Assert.Equal(2, budget.TakeSuppressed());
        Assert.Equal(0, budget.TakeSuppressed());
        Assert.Equal("d", budget.Line(T0 + TimeSpan.FromSeconds(10), "d"));
    }
}
