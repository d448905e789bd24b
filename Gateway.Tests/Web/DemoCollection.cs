namespace Gateway.Tests.Web;

/// <summary>
/// Tests that start the whole demo (4 modem links, both bundle ends) run one at a time: on two cores, several
/// demos at once plus the rest of the suite starve each other's timers.
/// </summary>
[CollectionDefinition("Demo")]
public sealed class DemoCollection
{
}
