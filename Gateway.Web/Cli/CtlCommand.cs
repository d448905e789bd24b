using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Status;
using Gateway.Web.Api;
using Gateway.Web.Security;

namespace Gateway.Web.Cli;

/// <summary>
/// <c>gateway ctl URL show links|bundles | dial NAME | close NAME | down NAME | policy BUNDLE MEMBER backup|primary [N]</c>:
/// a small client of the REST API,
/// like pppctl. Control commands log in with HTTP Basic as <c>operator</c>, the password from
/// <c>GATEWAY_OPERATOR_PASSWORD</c> or else the first line of standard input. Exit 0 on success, 1 when the server
/// refuses or fails, 2 for a wrong command line.
/// </summary>
public static class CtlCommand
{
    public const int Ok = 0, Failed = 1, BadInput = 2;
    public const string Usage = "usage: gateway ctl URL show links|bundles | dial NAME | close NAME | down NAME | policy BUNDLE MEMBER backup|primary [N]";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, TextReader stdin,
        HttpMessageHandler? handler = null, string? password = null) =>
        RunAsync(args, stdout, stderr, stdin, handler, password).GetAwaiter().GetResult();

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, TextReader stdin,
        HttpMessageHandler? handler = null, string? password = null)
    {
        bool policyCommand = args.Count >= 2 && args[1] == "policy";
        bool rightCount = policyCommand ? args.Count is 5 or 6 : args.Count == 3;
        if (!rightCount || !Uri.TryCreate(args[0], UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
            return Bad(stderr, rightCount ? $"not an http(s) URL: {args[0]}" : "wrong number of arguments");
        MemberPolicyRequest? policy = null;
        if (policyCommand && !TryPolicy(args.Skip(4).ToList(), out policy, out string? policyError))
            return Bad(stderr, policyError!);

        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = baseUri;
        http.Timeout = TimeSpan.FromSeconds(15);
        var (verb, what) = (args[1], args[2]);

        HttpRequestMessage Operator(HttpRequestMessage request)
        {
            password ??= Environment.GetEnvironmentVariable(OperatorCredentials.EnvironmentVariable) ?? stdin.ReadLine() ?? "";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{OperatorCredentials.UserName}:{password}")));
            return request;
        }

        try
        {
            switch (verb)
            {
                case "show" when what == "links":
                    var links = await http.GetFromJsonAsync<IspLinkStatus[]>("api/links", Json) ?? [];
                    stdout.Write(FormatLinks(links));
                    return Ok;
                case "show" when what == "bundles":
                    var bundles = await http.GetFromJsonAsync<BundleStatus[]>("api/bundles", Json) ?? [];
                    stdout.Write(FormatBundles(bundles));
                    return Ok;
                case "show":
                    return Bad(stderr, $"show what? '{what}' (links or bundles)");
                case "dial" or "close" or "down":
                    using (var response = await http.SendAsync(Operator(new HttpRequestMessage(HttpMethod.Post, $"api/links/{Uri.EscapeDataString(what)}/{verb}"))))
                        return await Report(response, what, stdout, stderr);
                case "policy":
                    // FreeBSD ppp's `link N set policy ...` line of ppp.conf (the gateway's extension), at run time
                    string member = args[3];
                    var set = new HttpRequestMessage(HttpMethod.Post, $"api/bundles/{Uri.EscapeDataString(what)}/members/{Uri.EscapeDataString(member)}/policy")
                    {
                        Content = JsonContent.Create(policy, options: Json),
                    };
                    using (var response = await http.SendAsync(Operator(set)))
                        return await ReportPolicy(response, what, member, stdout, stderr);
                default:
                    return Bad(stderr, $"unknown command '{verb}'");
            }
        }
        catch (HttpRequestException e)
        {
            stderr.WriteLine($"gateway ctl: {baseUri}: {(e.StatusCode is { } code ? $"HTTP {(int)code}" : e.Message)}");
            return Failed;
        }
        catch (TaskCanceledException)
        {
            stderr.WriteLine($"gateway ctl: {baseUri}: no answer");
            return Failed;
        }
    }

    /// <summary><c>backup</c>, <c>primary</c> or <c>primary N</c> (1 to 255), as ppp.conf's <c>set policy</c>.</summary>
    private static bool TryPolicy(IReadOnlyList<string> words, out MemberPolicyRequest? policy, out string? error)
    {
        policy = null;
        error = null;
        switch (words)
        {
            case ["backup"]:
                policy = new MemberPolicyRequest(true);
                return true;
            case ["primary"]:
                policy = new MemberPolicyRequest(false);
                return true;
            case ["primary", var n] when int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out int priority)
                                        && priority is >= MemberPolicy.DefaultPriority and <= MemberPolicy.MaxPriority:
                policy = new MemberPolicyRequest(false, priority);
                return true;
            default:
                error = $"policy: '{string.Join(' ', words)}' is not backup, primary or primary N ({MemberPolicy.DefaultPriority} to {MemberPolicy.MaxPriority})";
                return false;
        }
    }

    private static async Task<int> ReportPolicy(HttpResponseMessage response, string bundle, string member, TextWriter stdout, TextWriter stderr)
    {
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var result = await response.Content.ReadFromJsonAsync<MemberPolicyResult>(Json);
            stdout.WriteLine($"{bundle} {member}: {result?.Message}");
            return Ok;
        }
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            stderr.WriteLine($"gateway ctl: no member {member} in a bundle named {bundle}");
            return Failed;
        }
        return await Report(response, $"{bundle} {member}", stdout, stderr);
    }

    private static async Task<int> Report(HttpResponseMessage response, string link, TextWriter stdout, TextWriter stderr)
    {
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK:
                var result = await response.Content.ReadFromJsonAsync<LinkCommandResult>(Json);
                stdout.WriteLine($"{link}: {result?.Message}");
                return Ok;
            case HttpStatusCode.NotFound:
                stderr.WriteLine($"gateway ctl: no link named {link}");
                return Failed;
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                stderr.WriteLine($"gateway ctl: refused (HTTP {(int)response.StatusCode}): wrong operator password?");
                return Failed;
            case HttpStatusCode.TooManyRequests:
                var wait = response.Headers.RetryAfter?.Delta is { } delta ? $"{delta.TotalSeconds:0} s" : "a minute";
                stderr.WriteLine($"gateway ctl: too many failed logins from this address: try again in {wait}");
                return Failed;
            default:
                stderr.WriteLine($"gateway ctl: HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                return Failed;
        }
    }

    internal static string FormatLinks(IEnumerable<IspLinkStatus> links)
    {
        var text = new StringBuilder();
        text.AppendLine("LINK      STATE           DEVICE            PHONE         DIALS  MYADDR           HISADDR          UPTIME");
        foreach (var l in links)
        {
            var uptime = l.UpSince is { } since ? (DateTimeOffset.UtcNow - since).ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture) : "-";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{l.Name,-9} {l.State.ToString().ToLowerInvariant(),-15} {l.Device,-17} {l.Phone ?? "-",-13} {l.DialAttempts,5}  {l.LocalAddress ?? "-",-16} {l.PeerAddress ?? "-",-16} {uptime}");
        }
        return text.ToString();
    }

    internal static string FormatBundles(IEnumerable<BundleStatus> bundles)
    {
        var text = new StringBuilder();
        text.AppendLine("BUNDLE    UP   MEMBERS      MRRU  GOODPUT(kbit/s)  PROBE-RTT(ms)  LOST");
        foreach (var b in bundles)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{b.Name,-9} {(b.Up ? "yes" : "no"),-4} {string.Join(',', b.Members),-12} {b.Mrru?.ToString(CultureInfo.InvariantCulture) ?? "-",5}  {(b.Traffic?.GoodputBitsPerSecond ?? 0) / 1000,15:0.0}  {b.Traffic?.ProbeRoundTripMs?.ToString("0", CultureInfo.InvariantCulture) ?? "-",13}  {b.Reassembly.PacketsLost}");
        return text.ToString();
    }

    /// <summary><c>gateway hash-password</c>: reads a password on standard input, prints the value for <c>Gateway:Operator:PasswordHash</c>.</summary>
    public static int HashPassword(TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var password = stdin.ReadLine();
        if (string.IsNullOrEmpty(password))
        {
            stderr.WriteLine("gateway hash-password: give the password on standard input");
            return BadInput;
        }
        stdout.WriteLine(PasswordHash.Create(password));
        return Ok;
    }

    private static int Bad(TextWriter stderr, string message)
    {
        stderr.WriteLine($"gateway ctl: {message}");
        stderr.WriteLine(Usage);
        return BadInput;
    }
}
