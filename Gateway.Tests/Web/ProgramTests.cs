using Gateway.Web;
using Gateway.Web.Cli;
using Gateway.Web.Security;

namespace Gateway.Tests.Web;

public sealed class ProgramTests
{
    [Fact]
    public void An_unknown_subcommand_is_bad_input()
    {
        Assert.Equal(CheckCommand.BadInput, Program.Main(["frobnicate"]));
        Assert.Equal(CheckCommand.BadInput, Program.Main(["run", "router"]));
    }

    [Fact]
    public void Hash_password_prints_a_hash_that_verifies_the_password()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(CtlCommand.Ok, CtlCommand.HashPassword(new StringReader("s3cret\n"), stdout, stderr));
        var hash = stdout.ToString().Trim();
        Assert.True(PasswordHash.Verify("s3cret", hash));
        Assert.DoesNotContain("s3cret", hash);
    }

    [Fact]
    public void Hash_password_without_input_is_bad_input()
    {
        Assert.Equal(CtlCommand.BadInput, CtlCommand.HashPassword(new StringReader(""), new StringWriter(), new StringWriter()));
    }

    [Fact]
    public void A_malformed_operator_hash_on_the_command_line_is_a_message_and_exit_1_not_a_crash()
    {
        Assert.Equal(1, Program.Main(["run", "receiver", "--urls", "http://127.0.0.1:0", $"--{OperatorCredentials.HashKey}=x"]));
    }
}
