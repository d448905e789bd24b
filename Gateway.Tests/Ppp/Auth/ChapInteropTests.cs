using Gateway.Core.Ppp.Auth;

namespace Gateway.Tests.Ppp.Auth;

/// <summary>
/// Golden frames from an implementation nobody here wrote: freeRtr's CHAP exchange in
/// Fixtures/corpus/interop/freertr_ppp_chap_mp.pcapng (frames 7 to 9, after <c>FF 03 C2 23</c>).
/// freeRtr (UDP 26012) challenges with an empty Name; the client answers as "c" with secret "c".
/// </summary>
public class ChapInteropTests
{
    private static readonly byte[] FreeRtrChallenge = Convert.FromHexString("013c00151005443a26783c6d145443434e77683835");
    private static readonly byte[] ClientResponse = Convert.FromHexString("023c0016103988a1f03e1d5f1f431cb705d41eed6763");
    private static readonly byte[] FreeRtrSuccess = Convert.FromHexString("033c000b73756363657373");

    [Fact]
    public void Our_peer_answers_freertrs_challenge_byte_for_byte_like_the_capture()
    {
        var peer = new ChapPeer(new ChapPeerSettings("c", Secret.FromText("c")));
        peer.Start();

        var response = peer.Receive(FreeRtrChallenge);
        var verdict = peer.Receive(FreeRtrSuccess);

        Assert.Equal(ClientResponse, response.Packet);
        Assert.Equal(new AuthResult.Succeeded("", "success"), verdict.Result);
    }

    [Fact]
    public void Our_authenticator_sends_freertrs_challenge_and_accepts_the_captured_response()
    {
        var value = FreeRtrChallenge.AsSpan(5, 16).ToArray();
        var random = new ScriptedRandom([0x3c, .. value]);
        var settings = new ChapAuthenticatorSettings("") { MinChallengeLength = 16, MaxChallengeLength = 16, SuccessMessage = "success" };
        var authenticator = new ChapAuthenticator(settings, new InMemorySecretStore().Add("c", Secret.FromText("c")), random);

        var challenge = authenticator.Start();
        var verdict = authenticator.Receive(ClientResponse);

        Assert.Equal(FreeRtrChallenge, challenge.Packet);
        Assert.Equal(FreeRtrSuccess, verdict.Packet);
        Assert.Equal(new AuthResult.Succeeded("c", "success"), verdict.Result);
    }
}
