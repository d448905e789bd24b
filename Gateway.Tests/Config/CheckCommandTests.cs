using System.Text.Json;
using Gateway.Core.Config;
using Gateway.Web.Cli;

namespace Gateway.Tests.Config;

public class CheckCommandTests
{
    private static (int Code, string Out, string Err) Run(IConfigSource? source, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CheckCommand.Run(args, stdout, stderr, source, ServiceTable.BuiltInOnly);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void ReadmeCommandPrintsTheModelAndExitsZero()
    {
        var (code, output, errors) = Run(null, "--secret", SeedFiles.Path_("ppp.secret.span-isp"), SeedFiles.Path_("ppp.conf.span-isp"), "vpn");
        Assert.Equal(CheckCommand.Ok, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("vpn", json.RootElement.GetProperty("invocation").GetProperty("label").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("model").GetProperty("ispLinks").GetArrayLength());
        Assert.DoesNotContain("vpnkey", output);
        Assert.Contains("warning: |: invalid command", errors);
    }

    [Fact]
    public void TextFormatShowsTablesWithSecretsMasked()
    {
        var (code, output, _) = Run(null, "--format", "text", "--linkup", SeedFiles.Path_("ppp.linkup.span-isp"), SeedFiles.Path_("ppp.conf.span-isp"));
        Assert.Equal(0, code);
        Assert.Contains("ISP links", output);
        Assert.Contains("isp1name", output);
        Assert.DoesNotContain("isp1key", output);
    }

    [Fact]
    public void FileWithAnErrorPrintsFileLineDiagnosticsAndExitsOne()
    {
        var source = new InMemoryConfigSource().Add("bad.conf", "default:\n set speed 9600\n set redial soon\n");
        var (code, _, errors) = Run(source, "bad.conf");
        Assert.Equal(CheckCommand.Errors, code);
        Assert.Contains("bad.conf:3: error: set redial", errors);
    }

    [Fact]
    public void MissingFileExitsTwo()
    {
        var (code, output, errors) = Run(new InMemoryConfigSource().Add("ppp.conf", "a:\n"), "--secret", "nope.secret", "ppp.conf");
        Assert.Equal(CheckCommand.BadInput, code);
        Assert.Equal("", output);
        Assert.Contains("nope.secret: no such file", errors);
    }

    [Fact]
    public void UnknownLabelIsAnError()
    {
        var (code, _, errors) = Run(new InMemoryConfigSource().Add("ppp.conf", "a:\n set phone 1\n"), "ppp.conf", "b");
        Assert.Equal(CheckCommand.Errors, code);
        Assert.Contains("ppp.conf: error: label 'b' not found", errors);
    }

    [Theory]
    [InlineData]
    [InlineData("--format", "xml", "x")]
    [InlineData("--bogus", "x")]
    [InlineData("--secret")]
    public void BadCommandLinesExitTwo(params string[] args) =>
        Assert.Equal(CheckCommand.BadInput, Run(new InMemoryConfigSource(), args).Code);
}

public class DiskConfigSourceTests
{
    [Fact]
    public void RelativePathMissingHereIsTriedFromTheAlternateBase()
    {
        var dir = Directory.CreateTempSubdirectory("gateway-config-");
        try
        {
            var name = $"only-there-{Guid.NewGuid():N}.conf";
            File.WriteAllText(Path.Combine(dir.FullName, name), "a:\n");
            var found = new DiskConfigSource(dir.FullName).Read(name);
            Assert.Equal((ConfigFileStatus.Read, name, "a:\n"), (found.Status, found.Path, found.Text));
            Assert.Equal(ConfigFileStatus.NotFound, new DiskConfigSource().Read(name).Status);
            Assert.Equal(ConfigFileStatus.Unreadable, new DiskConfigSource().Read(dir.FullName).Status);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}

public class CheckCommandSeedTests
{
    [Fact]
    public void FlattenedSeedChecksWithWarningsOnlyAndTheSameModel()
    {
        string ModelOf(string conf)
        {
            var stdout = new StringWriter();
            var code = CheckCommand.Run(
                ["--linkup", SeedFiles.Path_("ppp.linkup.span-isp"), "--linkdown", SeedFiles.Path_("ppp.linkdown.span-isp"), "--secret", SeedFiles.Path_("ppp.secret.span-isp"), SeedFiles.Path_(conf)],
                stdout, new StringWriter(), null, ServiceTable.BuiltInOnly);
            Assert.Equal(CheckCommand.Ok, code);
            using var json = JsonDocument.Parse(stdout.ToString());
            return json.RootElement.GetProperty("model").GetRawText();
        }

        Assert.Equal(ModelOf("ppp.conf.span-isp"), ModelOf("000_b840cbdcaaba3992.txt"));
    }
}
