using Gateway.Web.Hosting;

namespace Gateway.Tests.Web;

public sealed class RoleCommandLineTests
{
    [Theory]
    [InlineData(new string[0], null, new string[0])]
    [InlineData(new[] { "demo" }, GatewayRole.Demo, new string[0])]
    [InlineData(new[] { "demo", "--urls", "http://127.0.0.1:8080" }, GatewayRole.Demo, new[] { "--urls", "http://127.0.0.1:8080" })]
    [InlineData(new[] { "run" }, null, new string[0])]
    [InlineData(new[] { "run", "gateway", "--urls", "http://0.0.0.0:80" }, GatewayRole.Gateway, new[] { "--urls", "http://0.0.0.0:80" })]
    [InlineData(new[] { "run", "receiver" }, GatewayRole.Receiver, new string[0])]
    [InlineData(new[] { "--urls", "http://127.0.0.1:1" }, null, new[] { "--urls", "http://127.0.0.1:1" })]
    public void Role_words_are_split_from_the_options(string[] args, GatewayRole? role, string[] options)
    {
        Assert.True(RoleCommandLine.TryParse(args, out var parsed, out var rest, out var error), error);
        Assert.Equal(role, parsed);
        Assert.Equal(options, rest);
    }

    [Theory]
    [InlineData("run", "router")]
    [InlineData("serve")]
    public void Unknown_words_are_refused(params string[] args)
    {
        Assert.False(RoleCommandLine.TryParse(args, out _, out _, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void A_wildcard_listen_address_is_printed_as_localhost()
    {
        Assert.Equal("http://localhost:8080/", GatewayWebApp.Browsable(new Uri("http://0.0.0.0:8080")).ToString());
        Assert.Equal("http://127.0.0.1:5000/", GatewayWebApp.Browsable(new Uri("http://127.0.0.1:5000")).ToString());
    }
}
