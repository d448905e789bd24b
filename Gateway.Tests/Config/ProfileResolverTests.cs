using Gateway.Core.Config;

namespace Gateway.Tests.Config;

public class ProfileResolverTests
{
    private static ProfileResolution Resolve(string conf, params string[] labels) =>
        ProfileResolver.Resolve(PppConfReader.Read("ppp.conf", new InMemoryConfigSource().Add("ppp.conf", conf)), labels);

    private static ConfigDiagnostic Error(ProfileResolution r) => Assert.Single(r.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);

    [Fact]
    public void DefaultRunsFirstThenTheLabelsInOrderAndTheLastIsTheLabel()
    {
        var r = Resolve("default:\n set speed 9600\n set phone 1\na:\n set phone 2\nb:\n set phone 3\n set enddisc label\n", "a", "b");
        var link = Assert.Single(r.Profile.Links);
        Assert.Equal(9600, link.Speed);
        Assert.Equal("3", link.Phone.Text);
        Assert.Equal("b", r.Profile.Label);
        Assert.Equal(new EndDiscSpec(EndDiscKind.Label, "b"), r.Profile.EndDisc);
        Assert.Empty(r.Diagnostics);
    }

    [Fact]
    public void CommandsMatchCaseInsensitivelyByAnyUniquePrefix()
    {
        var r = Resolve("a:\n SET SP 57600\n ena LQ\n set lqrp 5\n set ph 12\n", "a");
        var link = r.Profile.Links[0];
        Assert.Equal((57600, true, 5, "12"), (link.Speed, link.Lqr.Enabled, link.LqrPeriod, link.Phone.Text));
        Assert.Empty(r.Diagnostics);
    }

    [Theory]
    [InlineData("30", 30.0)]
    [InlineData("0.25", 0.25)]
    [InlineData("0.1", 0.1)]
    public void TheQualityPeriodIsWholeSecondsAsInFreeBsdOrAFractionDownToATenth(string period, double seconds)
    {
        var r = Resolve($"a:\n enable echo\n set echoperiod {period}\n", "a");
        Assert.Empty(r.Diagnostics);
        Assert.Equal(seconds, r.Profile.Links[0].LqrPeriod);
    }

    [Fact]
    public void AmbiguousPrefixIsAnErrorAtItsLine()
    {
        var e = Error(Resolve("a:\n set speed 9600\n set a x\n", "a"));
        Assert.Equal(3, e.Line);
        Assert.Contains("ambiguous", e.Message);
        Assert.Contains("authkey", e.Message);
    }

    [Fact]
    public void UnknownCommandIsWarnedAndIgnored()
    {
        var r = Resolve("a:\n frobnicate 1\n |\n", "a");
        Assert.Equal([2, 3], r.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning).Select(d => d.Line));
        Assert.False(r.HasErrors);
    }

    [Theory]
    [InlineData("3 5", 3, 0, 10, 3, 5)]
    [InlineData("30", 30, 0, 10, 3, 1)]
    [InlineData("10+5-3.2 0", 10, 5, 3, 2, 0)]
    [InlineData("10+5", 10, 5, 10, 3, 1)]
    [InlineData("random.random 4", -1, 0, 10, -1, 4)]
    public void RedialParsesAsFreeBsdDoes(string args, int pause, int inc, int max, int next, int attempts)
    {
        var r = Resolve($"a:\n set redial {args}\n", "a");
        var spec = r.Profile.Links[0].Redial;
        Assert.Empty(r.Diagnostics);
        Assert.Equal(pause < 0 ? null : TimeSpan.FromSeconds(pause), spec.Pause);
        Assert.Equal(TimeSpan.FromSeconds(inc), spec.Increment);
        Assert.Equal(max, spec.MaxIncrements);
        Assert.Equal(next < 0 ? null : TimeSpan.FromSeconds(next), spec.NextPause);
        Assert.Equal(attempts, spec.Attempts);
    }

    [Theory]
    [InlineData("fast")]
    [InlineData("3x")]
    [InlineData("3+")]
    [InlineData("3.soon")]
    [InlineData("3 many")]
    [InlineData("")]
    [InlineData("1 2 3")]
    public void RedialWithGarbageIsAnErrorAndLeavesTheSettingAlone(string args)
    {
        var r = Resolve($"a:\n set redial 7 2\n set redial {args}\n", "a");
        Assert.Equal(3, Error(r).Line);
        Assert.Equal(TimeSpan.FromSeconds(7), r.Profile.Links[0].Redial.Pause);
    }

    [Fact]
    public void DeviceWithAnEmptyListIsAnErrorAtItsLine()
    {
        var r = Resolve("a:\n set device /dev/cuaa0\n set device\n set device \"\"\n", "a");
        Assert.Equal([3, 4], r.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Line));
        Assert.Equal("/dev/cuaa0", r.Profile.Links[0].Devices.Single().Text);
    }

    [Fact]
    public void DevicesAreClassified()
    {
        var r = Resolve("a:\n set device /dev/cuaa0 RIP1:ppp/udp host:3000/tcp host:3001 !ssh\n", "a");
        Assert.Equal([DeviceKind.Serial, DeviceKind.Udp, DeviceKind.Tcp, DeviceKind.Tcp, DeviceKind.Exec], r.Profile.Links[0].Devices.Select(d => d.Kind));
        Assert.Equal(6671, r.Profile.Links[0].Devices[1].Port);
        Assert.Single(r.Diagnostics, d => d.Severity == DiagnosticSeverity.Warning && d.Message.Contains("!ssh"));
    }

    [Fact]
    public void LoadOfALabelThatExistsNowhereIsAnErrorAtItsLine()
    {
        var e = Error(Resolve("a:\n set phone 1\n load ghost\n", "a"));
        Assert.Equal(3, e.Line);
        Assert.Contains("ghost", e.Message);
    }

    [Fact]
    public void LabelThatLoadsItselfDirectlyIsAnError() =>
        Assert.Equal(2, Error(Resolve("a:\n load a\n", "a")).Line);

    [Fact]
    public void LabelThatLoadsItselfThroughOthersIsAnError()
    {
        var e = Error(Resolve("a:\n load b\nb:\n load c\nc:\n load a\n", "a"));
        Assert.Equal(6, e.Line);
        Assert.Contains("a -> b -> c -> a", e.Message);
    }

    [Fact]
    public void LoadOfALabelDefinedFurtherDownIsValid()
    {
        var r = Resolve("a:\n load later\n set phone 2\nlater:\n set speed 9600\n set phone 1\n", "a");
        Assert.Empty(r.Diagnostics);
        Assert.Equal((9600, "2"), (r.Profile.Links[0].Speed, r.Profile.Links[0].Phone.Text));
        Assert.Equal("later", r.Profile.Label);
    }

    [Fact]
    public void MissingLabelOnTheCommandLineIsAnError() =>
        Assert.Contains("nope", Error(Resolve("a:\n set phone 1\n", "nope")).Message);

    [Fact]
    public void CloneLinkRenameAndRemoveShapeTheLinks()
    {
        var r = Resolve("v:\n set speed sync\n clone 1 2,N\n link deflink rm\n link 1 set device RIP1:ppp/udp\n link 2,N set device RIPX:ppp/udp\n link N rename M\n", "v");
        Assert.Empty(r.Diagnostics);
        Assert.Equal(["1", "2", "M"], r.Profile.Links.Select(l => l.Name));
        Assert.All(r.Profile.Links, l => Assert.True(l.Sync));
        Assert.Equal(["RIP1:ppp/udp", "RIPX:ppp/udp", "RIPX:ppp/udp"], r.Profile.Links.Select(l => l.Devices.Single().Text));
    }

    [Fact]
    public void LinkCommandWithoutContextOnSeveralLinksIsAnError()
    {
        var e = Error(Resolve("v:\n clone 1 2\n set device /dev/cuaa0\n", "v"));
        Assert.Equal(3, e.Line);
        Assert.Contains("link", e.Message);
    }

    [Fact]
    public void RenameOntoAnExistingNameIsAnError() =>
        Assert.Equal(3, Error(Resolve("v:\n clone 1\n rename 1\n", "v")).Line);

    [Fact]
    public void NegotiationVerbsSetEnabledAndAcceptedSeparately()
    {
        var r = Resolve("v:\n set mrru 1500\n disable deflate pred1 lqr\n deny deflate pred1\n enable chap echo\n accept dns\n", "v");
        var p = r.Profile;
        Assert.Empty(r.Diagnostics);
        Assert.True(p.MpCcp.Deflate.Refused && p.MpCcp.Pred1.Refused);
        Assert.Equal(new Negotiation(false, true), p.Links[0].Lqr);
        Assert.Equal(new Negotiation(true, true), p.Links[0].Chap);
        Assert.True(p.Links[0].Echo);
        Assert.Equal(new Negotiation(false, true), p.DnsNegotiation);
    }

    [Fact]
    public void AcceptAndDenyDoNotApplyToEnableOnlyOptions() =>
        Assert.Contains("invalid", Assert.Single(Resolve("v:\n deny echo\n", "v").Diagnostics).Message);

    [Fact]
    public void WithoutMultilinkCompressionBelongsToTheLink()
    {
        var p = Resolve("v:\n disable deflate\n", "v").Profile;
        Assert.False(p.Links[0].Ccp.Deflate.Enabled);
        Assert.True(p.MpCcp.Deflate.Enabled);
    }

    [Fact]
    public void RoutesAreAddedReplacedAndDeleted()
    {
        var r = Resolve("v:\n add default HISADDR\n add 10.0.0.0/8 MYADDR\n add 10.0.0.0/8 HISADDR\n add! default 192.0.2.1\n add RIP1 255.255.255.255 HISADDR\n delete 10.0.0.0\n add bad/99 HISADDR\n", "v");
        Assert.Equal(["add! default 192.0.2.1", "add RIP1 255.255.255.255 HISADDR"], r.Profile.Routes.Select(x => x.ToString()));
        Assert.Equal([4], r.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning).Select(d => d.Line));
        Assert.Equal(8, Error(r).Line);
    }

    [Fact]
    public void NatAndItsOldNameAliasBothEnableNat()
    {
        Assert.True(Resolve("v:\n nat enable yes\n", "v").Profile.Nat);
        var old = Resolve("v:\n alias enable yes\n", "v");
        Assert.True(old.Profile.Nat);
        Assert.Contains("deprecated", Assert.Single(old.Diagnostics).Message);
    }

    [Fact]
    public void PhoneListsKeepSequencesAndAlternatives()
    {
        var phone = Resolve("v:\n set phone \"111|222:333\"\n", "v").Profile.Links[0].Phone;
        Assert.Equal(2, phone.Sequence.Count);
        Assert.Equal(["111", "222"], phone.Sequence[0]);
        Assert.Equal(["333"], phone.Sequence[1]);
    }

    [Theory]
    [InlineData("set speed 9601", 2)]
    [InlineData("set speed", 2)]
    [InlineData("set mrru 100", 2)]
    [InlineData("set mru 5000", 2)]
    [InlineData("set lqrperiod 0", 2)]
    [InlineData("set lqrperiod 0.05", 2)]
    [InlineData("set echoperiod .5", 2)]
    [InlineData("set echoperiod 1.", 2)]
    [InlineData("set echoperiod 0.2.5", 2)]
    [InlineData("set enddisc bogus", 2)]
    [InlineData("set ifaddr 10.0.0.1/40", 2)]
    [InlineData("set", 2)]
    [InlineData("enable", 2)]
    [InlineData("nat enable maybe", 2)]
    [InlineData("set reconnect 3", 2)]
    [InlineData("set log phase bogus", 2)]
    public void BadValuesAreErrorsAtTheirLine(string command, int line) =>
        Assert.Equal(line, Error(Resolve($"v:\n {command}\n", "v")).Line);

    [Theory]
    [InlineData("help")]
    [InlineData("set help")]
    [InlineData("enable ?")]
    [InlineData("nat help")]
    [InlineData("shell ls")]
    [InlineData("!bg ppp x")]
    [InlineData("open")]
    public void InteractiveAndShellCommandsAreWarnedAndKept(string command)
    {
        var r = Resolve($"v:\n {command}\n", "v");
        Assert.Equal(2, Assert.Single(r.Diagnostics).Line);
        Assert.Equal(DiagnosticSeverity.Warning, r.Diagnostics[0].Severity);
        Assert.Single(r.Profile.Unused.Concat(r.Profile.Links[0].Unused));
    }

    [Fact]
    public void ReconnectTakesANumberOrRandom()
    {
        Assert.Equal(new ReconnectSpec(TimeSpan.FromSeconds(5), 2), Resolve("v:\n set reconnect 5 2\n", "v").Profile.Links[0].Reconnect);
        Assert.Equal(new ReconnectSpec(null, 4), Resolve("v:\n set reconnect random 4\n", "v").Profile.Links[0].Reconnect);
    }

    [Fact]
    public void IfAddrKeepsPlaceholdersAndRanges()
    {
        var p = Resolve("v:\n set ifaddr REAL-LOCAL-IP 10.0.0.1-10.0.0.9,10.0.1.1 255.255.255.0\n", "v").Profile;
        Assert.Equal(new IfAddrSpec("REAL-LOCAL-IP", "10.0.0.1-10.0.0.9,10.0.1.1", "255.255.255.0", null), p.IfAddr);
        Assert.False(p.IfAddr!.IsLiteral);
    }

    [Fact]
    public void SecretsAreMaskedInToStringAndCommandText()
    {
        var r = Resolve("v:\n set authkey hunter2\n set server /var/run/x hunter3 0177\n", "v");
        Assert.Equal("hunter2", r.Profile.AuthKey.Reveal());
        Assert.DoesNotContain("hunter2", r.Profile.AuthKey.ToString());
        var doc = PppConfReader.Read("p", new InMemoryConfigSource().Add("p", "v:\n set authkey hunter2\n link 1 set key hunter4\n"));
        Assert.All(doc.Find("v")!.Commands, c => Assert.DoesNotContain("hunter", c.ToString()));
        var json = ConfigJson.Serialize(r.Profile);
        Assert.DoesNotContain("hunter", json);
    }
}
