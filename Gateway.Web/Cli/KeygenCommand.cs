using Gateway.Core.Config;
using Gateway.Core.Crypto;

namespace Gateway.Web.Cli;

/// <summary>
/// <c>gateway keygen</c>: makes a static X25519 key pair for an encrypted sublink and prints two lines, the private key
/// (the whole content of a private-key file) and the public key (for the peer's ppp.keys or its responder key). Like
/// <c>wg genkey</c>, it writes no file itself: <c>gateway keygen | head -1 &gt; key</c> under a strict umask.
/// </summary>
public static class KeygenCommand
{
    public const int Ok = 0, BadInput = 2;
    public const string Usage = "usage: gateway keygen   (prints a private key, then its public key, one a line)";

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Count != 0)
        {
            stderr.WriteLine($"gateway keygen: no arguments expected, got '{args[0]}'");
            stderr.WriteLine(Usage);
            return BadInput;
        }
        using var pair = KeyPair.Generate();
        stdout.Write(PrivateKeyFile.Format(pair));
        stdout.WriteLine(pair.PublicKey.ToBase64());
        return Ok;
    }
}
