using Gateway.Emulation.Modem;

namespace Gateway.Tests.Emulation.Modem;

public class TelephoneExchangeTests
{
    [Fact]
    public async Task Each_number_reaches_its_own_answerer_and_other_numbers_are_refused()
    {
        var exchange = new TelephoneExchange();
        var first = new InMemoryLine();
        var second = new InMemoryLine();
        Assert.True(exchange.TryConnect("123-4567", new DelegateAnswerer((_, _, _) => ValueTask.FromResult<Stream?>(first.ModemSide))));
        Assert.True(exchange.TryConnect("7654321", new DelegateAnswerer((_, _, _) => ValueTask.FromResult<Stream?>(second.ModemSide))));
        Assert.False(exchange.TryConnect("1234567", new DelegateAnswerer((_, _, _) => ValueTask.FromResult<Stream?>(null))));
        Assert.False(exchange.TryConnect("-", new DelegateAnswerer((_, _, _) => ValueTask.FromResult<Stream?>(null))));

        Assert.Same(first.ModemSide, await exchange.AnswerAsync("T1234567", 115200, CancellationToken.None));
        Assert.Same(second.ModemSide, await exchange.AnswerAsync("765 4321", 115200, CancellationToken.None));
        Assert.Null(await exchange.AnswerAsync("5550199", 115200, CancellationToken.None));
        var directory = exchange.Directory();
        Assert.Equal(CallOutcome.Answer, directory.Call("1234567").Outcome);
        Assert.Equal(CallOutcome.NoAnswer, directory.Call("5550199").Outcome);
    }
}
