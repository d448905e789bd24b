using Gateway.Core.Config;
using Gateway.Core.Hosting;
using Gateway.Emulation.Isp;

namespace Gateway.Emulation.Hosting;

/// <summary>
/// From the configuration model to the emulated far ends (<c>gateway modems</c>); the product's own mapping is
/// <see cref="ConfigMapping"/>, whose address and secret rules this shares.
/// </summary>
public static class EmulationMapping
{
    /// <summary>
    /// An answering single-link label (the <c>.working</c> files' <c>isp-in-N</c>) as an emulated ISP:
    /// <c>set ifaddr</c> gives its own address and the caller's, <c>enable chap</c> or <c>enable pap</c> checks the
    /// caller against ppp.secret, <c>enable lqr</c> asks for LQR every <c>set lqrperiod</c>.
    /// </summary>
    public static IspEndpointOptions? ToIspEndpoint(ReceiverModel model, List<string> errors)
    {
        string where = $"{model.Label}: set ifaddr";
        if (model.IfAddr is not { } ifaddr)
        {
            errors.Add($"{model.Label}: no 'set ifaddr': the ISP has no address to give its callers");
            return null;
        }
        var local = ConfigMapping.ParseAddress(ifaddr.Local, where, errors);
        var peer = ifaddr.Remote is { } remote ? ConfigMapping.ParsePool(remote, where, errors).FirstOrDefault() : null;
        if (ifaddr.Remote is null)
            errors.Add($"{where}: names no address for the caller");
        if (local is null || peer is null)
            return null;
        return new IspEndpointOptions(model.Label, local, peer)
        {
            Authentication = model.RequireChap ? IspAuthentication.Chap : model.RequirePap ? IspAuthentication.Pap : IspAuthentication.None,
            Secrets = new ConfigMapping.ReceiverSecretStore(model.Secrets),
            EnableLqr = model.Quality?.Lqr ?? false,
            LqrPeriod = TimeSpan.FromSeconds(Math.Max(1, model.Quality?.PeriodSeconds ?? 30)),
        };
    }
}
