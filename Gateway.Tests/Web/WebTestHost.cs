using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Gateway.Core.Status;
using Gateway.Tests.Support;
using Gateway.Web.Hosting;
using Gateway.Web.Security;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Web;

/// <summary>
/// The real web host (Program's wiring, demo role unless told otherwise) on a free 127.0.0.1 port, with a known
/// operator password. Dispose stops it.
/// </summary>
public sealed class WebTestHost : IAsyncDisposable
{
    public const string Password = "test-operator-secret";
    public static readonly JsonSerializerOptions Json = GatewayApi.Json;

    private WebTestHost(GatewayWebApp app)
    {
        App = app;
        BaseAddress = app.Addresses.Single(a => a.Host == "127.0.0.1");
    }

    public GatewayWebApp App { get; }
    public Uri BaseAddress { get; }
    public ActorSystem ActorSystem => App.App.Services.GetRequiredService<ActorSystem>();
    public T Service<T>() where T : notnull => App.App.Services.GetRequiredService<T>();

    public static Task<WebTestHost> StartAsync(GatewayRole role = GatewayRole.Demo, params string[] extraOptions) =>
        StartAsync(new Setup(role) { Options = extraOptions });

    public static async Task<WebTestHost> StartAsync(Setup setup)
    {
        string[] options =
        [
            "--urls", "http://127.0.0.1:0",
            .. setup.PasswordOnCommandLine ? [$"--{OperatorCredentials.HashKey}={PasswordHash.Create(Password, iterations: 1000)}"] : Array.Empty<string>(),
            "--Logging:LogLevel:Default=Warning",
            .. setup.Options,
        ];
        var app = GatewayWebApp.Build(options, setup.Role, setup.ContentRoot, setup.ReplaceServices);
        await app.StartAsync();
        var host = new WebTestHost(app);
        if (setup.Role == GatewayRole.Demo)
        {
            // Generous bounds: the whole demo (4 modem links, two bundle ends) starts while other tests load both cores.
            foreach (var link in new[] { "isp1", "isp2", "isp3", "isp4" })
                await host.WaitForLinkStateAsync(link, IspLinkState.Up, TimeSpan.FromSeconds(30));
            await host.WaitForBundleAsync("vpn", b => b.Up && b.Members.Count == 4, TimeSpan.FromSeconds(30));
        }
        return host;
    }

    /// <summary>Gateway.Web's folder in this source tree, so the dashboard is served from ../wwwroot as in `dotnet run`.</summary>
    public static string WebProjectDirectory => Path.Combine(Repository.Root, "Gateway.Web");

    public HttpClient Client(string? password = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(20) };
        if (password is not null)
            client.DefaultRequestHeaders.Authorization = Basic(password);
        return client;
    }

    public static AuthenticationHeaderValue Basic(string password, string user = OperatorCredentials.UserName) => GatewayApi.Basic(password, user);

    public HubConnection Hub(string? password = null) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(BaseAddress, Gateway.Web.Status.StatusHub.Path), o =>
            {
                if (password is not null)
                    o.Headers["Authorization"] = Basic(password).ToString();
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .Build();

    /// <summary>The REST API as the operator.</summary>
    public GatewayApi Api => new(BaseAddress, Password);

    public Task<IspLinkStatus> LinkAsync(string name) => Api.LinkAsync(name);

    /// <summary>Polls the REST API until the link reaches the state, or fails after the timeout.</summary>
    public Task WaitForLinkStateAsync(string name, IspLinkState state, TimeSpan timeout) => Api.WaitForLinkStateAsync(name, state, timeout);

    public Task WaitForBundleAsync(string name, Func<BundleStatus, bool> condition, TimeSpan timeout) => Api.WaitForBundleAsync(name, condition, timeout);

    public async ValueTask DisposeAsync() => await App.DisposeAsync();

    /// <summary>How to start the host; the defaults are those of <see cref="StartAsync(GatewayRole, string[])"/>.</summary>
    public sealed record Setup(GatewayRole Role = GatewayRole.Demo)
    {
        /// <summary>More command-line options, after (and so over) the defaults.</summary>
        public string[] Options { get; init; } = [];

        /// <summary>The content root (where appsettings.json is read); by default Gateway.Web, so the dashboard is served.</summary>
        public string ContentRoot { get; init; } = WebProjectDirectory;

        /// <summary>False: <see cref="Password"/>'s hash is not put on the command line (the test configures one itself).</summary>
        public bool PasswordOnCommandLine { get; init; } = true;

        /// <summary>Replacements registered after the production wiring (a fake clock).</summary>
        public Action<IServiceCollection>? ReplaceServices { get; init; }
    }
}
