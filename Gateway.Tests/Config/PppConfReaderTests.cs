using CsCheck;
using Gateway.Core.Config;

namespace Gateway.Tests.Config;

public class PppConfReaderTests
{
    private static PppConfDocument Read(string text, params (string Path, string Text)[] more)
    {
        var source = new InMemoryConfigSource().Add("/etc/ppp/ppp.conf", text);
        foreach (var (path, body) in more)
            source.Add(path, body);
        return PppConfReader.Read("/etc/ppp/ppp.conf", source);
    }

    private static ConfigDiagnostic Single(PppConfDocument doc, DiagnosticSeverity severity) =>
        Assert.Single(doc.Diagnostics, d => d.Severity == severity);

    [Fact]
    public void LabelsOwnTheIndentedLinesAfterThem()
    {
        var doc = Read("# comment\ndefault:\n set speed 9600\n\n  # indented comment\nisp1:\n\tset phone 123 # trailing\n");
        Assert.Equal(["default", "isp1"], doc.Labels);
        Assert.Equal(["set", "phone", "123"], doc.Find("isp1")!.Commands.Single().Args);
        Assert.Equal(7, doc.Find("isp1")!.Commands.Single().Location.Line);
        Assert.Empty(doc.Diagnostics);
    }

    [Fact]
    public void LabelWithoutColonIsWarnedAtItsLineAndItsCommandsBelongToNoLabel()
    {
        var doc = Read("default:\n set speed 9600\nisp1\n set phone 1\n");
        var d = Single(doc, DiagnosticSeverity.Warning);
        Assert.Equal(3, d.Line);
        Assert.Contains("missing colon", d.Message);
        Assert.Null(doc.Find("isp1"));
        Assert.Single(doc.Find("default")!.Commands);
    }

    [Fact]
    public void WordAndLoneColonIsALabelAsInFreeBsd() =>
        Assert.NotNull(Read("isp1 :\n set phone 1\n").Find("isp1"));

    [Fact]
    public void UnterminatedQuoteIsAnErrorAtItsLineAndTheLineIsIgnored()
    {
        var doc = Read("default:\n set speed 9600\n set dial \"ABORT BUSY\n set login\n");
        var d = Single(doc, DiagnosticSeverity.Error);
        Assert.Equal(3, d.Line);
        Assert.Contains("unterminated", d.Message);
        Assert.Equal(2, doc.Find("default")!.Commands.Count);
    }

    [Fact]
    public void TrailingBackslashJoinsTheNextLine()
    {
        var doc = Read("default:\n set dial \"A \\\n B\"\n set login\n");
        Assert.Equal(["set", "dial", "A  B"], doc.Find("default")!.Commands[0].Args);
        Assert.Equal(2, doc.Find("default")!.Commands[0].Location.Line);
        Assert.Equal(4, doc.Find("default")!.Commands[1].Location.Line);
    }

    [Fact]
    public void ContinuationAtEndOfFileIsWarnedAtTheLastLine()
    {
        var doc = Read("default:\n set speed 9600\n set login \\");
        var d = Single(doc, DiagnosticSeverity.Warning);
        Assert.Equal(3, d.Line);
        Assert.Contains("end of file", d.Message);
        Assert.Equal(["set", "login"], doc.Find("default")!.Commands[1].Args);
    }

    [Fact]
    public void IncludeSplicesAnotherFileRelativeToTheConfigurationDirectory()
    {
        var doc = Read("default:\n set speed 9600\n!include isps.conf\nlast:\n set phone 9\n", ("/etc/ppp/isps.conf", "isp1:\n set phone 1\n"));
        Assert.Equal(["default", "isp1", "last"], doc.Labels);
        Assert.Equal("/etc/ppp/isps.conf", doc.Find("isp1")!.Location.File);
        Assert.Empty(doc.Diagnostics);
    }

    [Fact]
    public void IncludeLoopIsAnErrorAtTheIncludeThatCloses()
    {
        var doc = Read("a:\n set phone 1\n!include b.conf\n", ("/etc/ppp/b.conf", "b:\n set phone 2\n!include ppp.conf\n"));
        var d = Single(doc, DiagnosticSeverity.Error);
        Assert.Equal(("/etc/ppp/b.conf", 3), (d.File, d.Line));
        Assert.Contains("loop", d.Message);
        Assert.Equal(["a", "b"], doc.Labels);
    }

    [Fact]
    public void MissingIncludeIsAnErrorAtItsLine()
    {
        var doc = Read("a:\n set phone 1\n!include nowhere.conf\nb:\n set phone 2\n");
        var d = Single(doc, DiagnosticSeverity.Error);
        Assert.Equal(3, d.Line);
        Assert.Contains("nowhere.conf", d.Message);
        Assert.NotNull(doc.Find("b"));
    }

    [Fact]
    public void LineOfAHundredThousandCharactersIsAnErrorAtItsLine()
    {
        var doc = Read("default:\n set speed 9600\n set phone " + new string('1', 100_000) + "\n set login\n");
        var d = Single(doc, DiagnosticSeverity.Error);
        Assert.Equal(3, d.Line);
        Assert.Equal(2, doc.Find("default")!.Commands.Count);
    }

    [Fact]
    public void BinaryFileIsAnErrorAtTheLineOfItsFirstNul()
    {
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        bytes[10] = (byte)'\n';
        bytes[20] = 0;
        var doc = Read(System.Text.Encoding.Latin1.GetString(bytes));
        var d = Single(doc, DiagnosticSeverity.Error);
        Assert.Equal(2, d.Line);
        Assert.Contains("binary", d.Message);
        Assert.Empty(doc.Sections);
    }

    [Fact]
    public void EmptyFileIsWarnedAtLineOne()
    {
        var doc = Read("");
        var d = Single(doc, DiagnosticSeverity.Warning);
        Assert.Equal(1, d.Line);
        Assert.Empty(doc.Sections);
    }

    [Fact]
    public void FlattenedFormGivesColumnZeroCommandsToTheLabelAboveAndWarnsAboutThePreamble()
    {
        var doc = Read("1\n2\n|\n# comment\ndefault:\nset speed 9600\nset dial \"A \\\nB\"\nisp1:\nset phone 1\n");
        Assert.Equal([1, 2, 3], doc.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning).Select(d => d.Line));
        Assert.Equal(2, doc.Find("default")!.Commands.Count);
        Assert.Equal(["set", "dial", "A B"], doc.Find("default")!.Commands[1].Args);
        Assert.Single(doc.Find("isp1")!.Commands);
    }

    [Fact]
    public void DuplicateLabelIsWarnedAndTheFirstWins()
    {
        var doc = Read("a:\n set phone 1\na:\n set phone 2\n");
        Assert.Equal(3, Single(doc, DiagnosticSeverity.Warning).Line);
        Assert.Equal("1", doc.Find("a")!.Commands.Single().Args[2]);
    }

    [Fact]
    public void VariablesAreExpandedFromTheEnvironment()
    {
        var source = new InMemoryConfigSource().Add("p.conf", "a:\n set authname ${NAME}\n");
        var doc = PppConfReader.Read("p.conf", source, new ConfReadOptions { Environment = n => n == "NAME" ? "brian" : null });
        Assert.Equal("brian", doc.Find("a")!.Commands.Single().Args[2]);
    }

    [Fact]
    public void ReaderNeverThrowsOnRandomText() =>
        Gen.String[Gen.Char["ab: \t\n\\\"#!$"], 0, 200].Sample(text =>
        {
            var doc = Read(text);
            ProfileResolver.Resolve(doc, ["a"]);
        });
}
