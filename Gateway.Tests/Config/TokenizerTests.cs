using CsCheck;
using Gateway.Core.Config;

namespace Gateway.Tests.Config;

public class TokenizerTests
{
    [Theory]
    [InlineData(@"set dial ""ABORT NO\\sCARRIER \""\"" ATZ""", new[] { "set", "dial", @"ABORT NO\sCARRIER """" ATZ" })]
    [InlineData("set phone 123 # a comment", new[] { "set", "phone", "123" })]
    [InlineData("set phone 123#456", new[] { "set", "phone", "123" })]
    [InlineData(@"set authkey ""a # b""", new[] { "set", "authkey", "a # b" })]
    [InlineData(@"set authkey a\ b", new[] { "set", "authkey", "a b" })]
    [InlineData(@"x """"", new[] { "x", "" })]
    [InlineData("  a\t b  ", new[] { "a", "b" })]
    [InlineData(@"a""b c""d", new[] { "ab cd" })]
    public void ReduceModeGivesPppConfArguments(string line, string[] expected) =>
        Assert.Equal(expected, PppTokenizer.Tokenize(line, TokenizeFlags.Reduce).Args);

    [Fact]
    public void ChatModeKeepsEscapesAndHashes() =>
        Assert.Equal([@"NO\sCARRIER", "", "#5", @"\c"], PppTokenizer.Tokenize(@"NO\sCARRIER """" #5 \c", TokenizeFlags.NoHash).Args);

    [Fact]
    public void UnterminatedQuoteIsReported() =>
        Assert.True(PppTokenizer.Tokenize(@"set dial ""ABORT", TokenizeFlags.Reduce).UnterminatedQuote);

    [Fact]
    public void MoreThanThirtyNineArgumentsAreCut()
    {
        var result = PppTokenizer.Tokenize(string.Join(' ', Enumerable.Range(0, 50)), TokenizeFlags.Reduce);
        Assert.True(result.Truncated);
        Assert.Equal(PppTokenizer.MaxArgs - 1, result.Args.Count);
    }

    [Theory]
    [InlineData("set authname $USER", "set authname brian")]
    [InlineData("set authname ${USER}x", "set authname brianx")]
    [InlineData("a $UNSET b", "a  b")]
    [InlineData("cost $$5", "cost $5")]
    [InlineData(@"lit \$USER", "lit $USER")]
    [InlineData(@"keep \s", @"keep \s")]
    [InlineData("brace ${} ${USER", "brace ${} ${USER")]
    [InlineData("  trim  ", "trim")]
    [InlineData("dir ~/x", "dir /home/brian/x")]
    [InlineData("dir ~nobody/x", "dir ~nobody/x")]
    public void ExpandReplacesVariablesAndHome(string input, string expected)
    {
        var env = new Dictionary<string, string> { ["USER"] = "brian" };
        Assert.Equal(expected, PppTokenizer.Expand(input, n => env.GetValueOrDefault(n), u => u is null ? "/home/brian" : null));
    }

    [Fact]
    public void SeedDialStringReachesTheChatEngineAsFreeBsdTokenizesIt()
    {
        var conf = PppConfReader.Read(SeedFiles.Path_("ppp.conf.span-isp"), new Gateway.Web.Cli.DiskConfigSource());
        var dial = conf.Find("default")!.Commands.Single(c => c.Args[1] == "dial");

        // ppp.conf's tokenizer: one argument, the backslash-newline joined with the next line's leading blank.
        Assert.Equal(["set", "dial", @"ABORT BUSY ABORT NO\sCARRIER ABORT NO\sDIAL\sTONE TIMEOUT 4  """" ATZ OK-ATZ-OK ATDT\T TIMEOUT 60 CONNECT \c \n"], dial.Args);

        // The chat engine's words (MakeArgs without reduction): quotes gone, escapes kept for chat.
        Assert.Equal(
            ["ABORT", "BUSY", "ABORT", @"NO\sCARRIER", "ABORT", @"NO\sDIAL\sTONE", "TIMEOUT", "4", "", "ATZ", "OK-ATZ-OK", @"ATDT\T", "TIMEOUT", "60", "CONNECT", @"\c", @"\n"],
            new ChatScriptText(dial.Args[2]).Tokens);
    }

    [Fact]
    public void TokenizeNeverThrowsOnAnyText() =>
        Gen.String.Sample(s =>
        {
            PppTokenizer.Tokenize(s, TokenizeFlags.Reduce);
            PppTokenizer.Tokenize(s, TokenizeFlags.NoHash);
            PppTokenizer.Expand(s, _ => "v", _ => null);
        });

    [Fact]
    public void QuotedChatWordsTokenizeBackToThemselves() =>
        Gen.String[Gen.Char["abc \t-#"], 0, 6].Array[0, 6].Sample(words =>
        {
            var text = string.Join(' ', words.Select(PppTokenizer.QuoteForChat));
            return PppTokenizer.Tokenize(text, TokenizeFlags.NoHash).Args.SequenceEqual(words);
        });
}
