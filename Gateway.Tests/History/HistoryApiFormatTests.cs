using Gateway.Web.History;

namespace Gateway.Tests.History;

public sealed class HistoryApiFormatTests
{
    [Theory]
    [InlineData(null, 60)]
    [InlineData("1m", 60)]
    [InlineData("15m", 900)]
    [InlineData("1h", 3600)]
    [InlineData("1d", 86400)]
    [InlineData("300", 300)]
    [InlineData("120s", 120)]
    public void A_step_is_a_whole_number_of_minutes(string? text, int seconds)
    {
        Assert.True(HistoryApi.TryParseStep(text, out var step));
        Assert.Equal(TimeSpan.FromSeconds(seconds), step);
    }

    [Theory]
    [InlineData("30s")]
    [InlineData("90")]
    [InlineData("0m")]
    [InlineData("-1h")]
    [InlineData("1w")]
    [InlineData("m")]
    public void Other_steps_are_refused(string text) => Assert.False(HistoryApi.TryParseStep(text, out _));

    [Fact]
    public void Csv_has_a_header_and_quotes_fields_that_need_it()
    {
        var time = new DateTimeOffset(2026, 3, 1, 12, 0, 0, 250, TimeSpan.FromHours(2));
        var csv = HistoryCsv.Events([new HistoryEvent(time, "gw", HistoryScope.Link, "isp2", HistoryEventKind.Down, Detail: "said \"NO CARRIER\", twice")]);

        var lines = csv.Split("\r\n");
        Assert.Equal("time,node,scope,name,kind,bundle,state,detail,operator,address", lines[0]);
        Assert.Equal("2026-03-01T10:00:00.250Z,gw,Link,isp2,Down,,,\"said \"\"NO CARRIER\"\", twice\",,", lines[1]);
        Assert.Equal("", lines[2]);
    }
}
