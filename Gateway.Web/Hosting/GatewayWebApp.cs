using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Hosting;
using Gateway.Core.Hosting;
using Gateway.Core.Status;
using Gateway.Web.Api;
using Gateway.Web.Cluster;
using Gateway.Web.History;
using Gateway.Web.Metrics;
using Gateway.Web.Security;
using Gateway.Web.Status;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Prometheus;

namespace Gateway.Web.Hosting;

/// <summary>
/// The web host of every role: Akka.Hosting, the status hub, the REST API, security, <c>/healthz</c>, <c>/metrics</c>
/// and the dashboard. <c>Program.Main</c> and the tests build it the same way; tests start it on
/// <c>--urls http://127.0.0.1:0</c> and read <see cref="Addresses"/>.
/// </summary>
public sealed class GatewayWebApp : IAsyncDisposable
{
    public const string LogFormatKey = "Gateway:LogFormat";

    private readonly IDisposable passwordReload;

    private GatewayWebApp(WebApplication app, GatewayRole role, OperatorCredentials credentials, IDisposable passwordReload)
    {
        App = app;
        Role = role;
        Credentials = credentials;
        this.passwordReload = passwordReload;
    }

    public WebApplication App { get; }
    public GatewayRole Role { get; }
    public OperatorCredentials Credentials { get; }

    /// <summary>Where Kestrel listens, once started (with port 0 resolved).</summary>
    public IReadOnlyList<Uri> Addresses =>
        App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToArray();

    /// <param name="options">ASP.NET Core command-line options (<c>--urls</c>, <c>--Gateway:...=...</c>), role words already removed.</param>
    /// <param name="role">The role from the command line, or null to take <c>Gateway:Role</c> from configuration.</param>
    /// <param name="contentRoot">Override (tests); by default the current directory, as ASP.NET Core does.</param>
    /// <param name="replaceServices">Tests only: registers replacements after the production wiring (a fake clock).</param>
    /// <summary>Largest request body the web host reads, in octets.</summary>
    public const int MaxRequestBody = 64 * 1024;

    public static GatewayWebApp Build(string[] options, GatewayRole? role = null, string? contentRoot = null, Action<IServiceCollection>? replaceServices = null)
    {
        var root = contentRoot ?? Directory.GetCurrentDirectory();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = options,
            ContentRootPath = root,
            WebRootPath = FindWebRoot(root),
        });

        // Every body the API takes is a few hundred octets of JSON (a login, a member's policy): anything larger is
        // refused with 413 before it is read, instead of Kestrel's 30 MB default being read and parsed before the
        // login throttle is asked.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBody);

        var configuredRole = builder.Configuration[RoleCommandLine.ConfigKey];
        GatewayRole chosen;
        if (role is { } r)
            chosen = r;
        else if (configuredRole is null)
            chosen = GatewayRole.Demo;
        else if (!RoleCommandLine.TryRole(configuredRole, out chosen))
            throw new InvalidOperationException($"{RoleCommandLine.ConfigKey}: unknown role '{configuredRole}' (demo, gateway or receiver)");

        if (string.Equals(builder.Configuration[LogFormatKey], "json", StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole();
        }

        var web = builder.Configuration.GetSection("Gateway:Web").Get<WebSecurityOptions>() ?? new WebSecurityOptions();
        var credentials = OperatorCredentials.From(
            builder.Configuration[OperatorCredentials.HashKey],
            Environment.GetEnvironmentVariable(OperatorCredentials.EnvironmentVariable),
            generateWhenMissing: chosen == GatewayRole.Demo);

        var services = builder.Services;
        services.AddSingleton(credentials);
        services.AddSingleton(new GatewayRoleInfo(chosen.Name()));
        services.AddSingleton<StatusBoard>();
        services.AddSingleton<StatusFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusFeed>());
        services.AddHostedService<NativeHeapTrimmer>();
        services.AddSingleton<GatewayControl>();
        services.AddSingleton<GatewayMetrics>();
        services.AddGatewaySecurity(web);
        builder.AddWebHardening();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddSignalR().AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddGatewayOpenApi();
        services.AddHealthChecks().AddCheck<ActorHealthCheck>("actors");
        services.AddGatewayHistory(builder.Configuration); // before AddAkka: see its remarks

        services.AddAkka("gateway", (akka, sp) =>
        {
            akka.ConfigureLoggers(l =>
                {
                    l.ClearLoggers();
                    l.AddLoggerFactory();
                })
                .WithActors((system, _) =>
                {
                    var board = system.ActorOf(
                        StatusBoardActor.Props(sp.GetRequiredService<StatusBoard>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway.EventLog")),
                        "web-status");
                    // Subscribed here, not in PreStart, so that the role's actors started next cannot publish before it listens.
                    system.EventStream.Subscribe(board, typeof(Gateway.Core.Status.StatusEvent));
                })
                .WithRoleActors(chosen, builder.Configuration);
        });

        replaceServices?.Invoke(services);

        var app = builder.Build();
        app.UseWebHardening();
        app.Use(async (ctx, next) =>
        {
            try
            {
                await next(ctx);
            }
            catch (GatewayUnavailableException e) when (!ctx.Response.HasStarted)
            {
                await Results.Problem(e.Message, statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(ctx);
            }
        });
        app.UseWebSockets();
        app.UseOriginCheck(web);
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapOpenApi();
        app.MapLinkApi();
        app.MapClusterApi();
        app.MapHistoryApi();
        app.MapLoginApi();
        app.MapHub<StatusHub>(StatusHub.Path);
        app.MapHealthChecks("/healthz");
        var metrics = app.Services.GetRequiredService<GatewayMetrics>();
        app.MapMetrics("/metrics", metrics.Registry);

        if (credentials.Source == OperatorPasswordSource.None)
            app.Logger.LogWarning("No operator password ({Key} or {Env}): dial, close and down are refused", OperatorCredentials.HashKey, OperatorCredentials.EnvironmentVariable);
        var passwordReload = credentials.FollowConfiguration(app.Configuration, app.Logger);
        return new GatewayWebApp(app, chosen, credentials, passwordReload);
    }

    /// <summary>
    /// The dashboard: <c>../wwwroot</c> beside the project in a source tree (content root Gateway.Web, as with
    /// <c>cd Gateway.Web &amp;&amp; dotnet run</c>), <c>./wwwroot</c> when started from the repository root
    /// (<c>dotnet run --project Gateway.Web</c>), and <c>wwwroot</c> beside the executable once published.
    /// </summary>
    internal static string FindWebRoot(string contentRoot)
    {
        string[] candidates =
        [
            Path.GetFullPath(Path.Combine(contentRoot, "..", "wwwroot")),
            Path.GetFullPath(Path.Combine(contentRoot, "wwwroot")),
            Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        ];
        return candidates.FirstOrDefault(dir => File.Exists(Path.Combine(dir, "index.html"))) ?? candidates[^1];
    }

    public Task StartAsync(CancellationToken cancellation = default) => App.StartAsync(cancellation);

    /// <summary>How long the banner waits for the role's actors to settle before it is printed anyway.</summary>
    public static readonly TimeSpan StartupSettleLimit = TimeSpan.FromSeconds(30);

    /// <summary>Starts, prints where the dashboard is (and a generated password), and runs until stopped.</summary>
    public async Task RunAsync(TextWriter output)
    {
        await App.StartAsync();
        await StartupSettledAsync(StartupSettleLimit, App.Lifetime.ApplicationStopping);
        output.Write(Banner());
        output.Flush();
        await App.WaitForShutdownAsync();
    }

    /// <summary>
    /// The dashboard's address and the generated password, set apart by blank lines and rules so they are not lost in
    /// the start-up log above them.
    /// </summary>
    public string Banner()
    {
        var lines = Addresses.Select(a => $"  Dashboard ({Role.Name()}): {Browsable(a)}").ToList();
        if (Credentials.GeneratedPassword is { } password)
            lines.Add($"  Operator login: user '{OperatorCredentials.UserName}', password '{password}' (generated for this run; set {OperatorCredentials.EnvironmentVariable} or {OperatorCredentials.HashKey} to choose one)");
        var rule = new string('=', Math.Min(100, lines.Max(l => l.Length) + 2));
        return $"{Environment.NewLine}{rule}{Environment.NewLine}{string.Join(Environment.NewLine, lines)}{Environment.NewLine}{rule}{Environment.NewLine}{Environment.NewLine}";
    }

    /// <summary>
    /// Waits until the role's actors have finished starting, so the banner comes after their start-up lines: no ISP
    /// link on its way up (dialing, chat, LCP, IPCP: up, closed, failed or waiting to redial are settled), every bundle
    /// up, and nothing of that changed for <see cref="SettleQuiet"/>. At most <paramref name="limit"/> (a modem that
    /// keeps dialing must not hide the address).
    /// </summary>
    public async Task StartupSettledAsync(TimeSpan limit, CancellationToken cancellation)
    {
        var board = App.Services.GetRequiredService<StatusBoard>();
        var time = App.Services.GetService<TimeProvider>() ?? TimeProvider.System;
        var deadline = time.GetTimestamp() + (long)(limit.TotalSeconds * time.TimestampFrequency);
        string? last = null;
        var quietSince = time.GetTimestamp();
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100), time);
        while (time.GetTimestamp() < deadline && !cancellation.IsCancellationRequested)
        {
            var (snapshot, _) = board.Snapshot(Role.Name());
            var settled = snapshot.Links.All(l => l.State is IspLinkState.Up or IspLinkState.Closed or IspLinkState.Failed or IspLinkState.RedialWait)
                && snapshot.Bundles.All(b => b.Up);
            var picture = string.Join(' ', snapshot.Links.Select(l => $"{l.Name}={l.State}").Concat(snapshot.Bundles.Select(b => $"{b.Name}={b.Up}/{b.Members.Count}")));
            if (picture != last)
            {
                last = picture;
                quietSince = time.GetTimestamp();
            }
            else if (settled && time.GetElapsedTime(quietSince) >= SettleQuiet)
                return;
            try
            {
                await poll.WaitForNextTickAsync(cancellation);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>How long the start-up picture must stay the same to count as settled (its last log lines are written meanwhile).</summary>
    public static readonly TimeSpan SettleQuiet = TimeSpan.FromSeconds(1);

    /// <summary>A wildcard listen address printed as something a browser can open.</summary>
    internal static Uri Browsable(Uri address)
    {
        var host = AllowedHosts.IsWildcard(address.Host) ? "localhost" : address.Host;
        return new UriBuilder(address) { Host = host }.Uri;
    }

    public async ValueTask DisposeAsync()
    {
        passwordReload.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary><c>/healthz</c>: the actor system runs and its actors answer (the status board's actor, asked who it is).</summary>
public sealed class ActorHealthCheck(ActorSystem system) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (system.WhenTerminated.IsCompleted)
            return HealthCheckResult.Unhealthy("the actor system has stopped");
        try
        {
            var identity = await system.ActorSelection("/user/web-status").Ask<ActorIdentity>(new Identify(null), GatewayControl.AskTimeout, cancellationToken);
            return identity.Subject is null ? HealthCheckResult.Unhealthy("the status board's actor is not running") : HealthCheckResult.Healthy();
        }
        catch (AskTimeoutException)
        {
            return HealthCheckResult.Unhealthy("the actors did not answer in time");
        }
    }
}
