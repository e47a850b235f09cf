namespace Berth.Host.Tests;

/// <summary>A test class whose every test has a host of its own (<see cref="HostHarness"/>): started before the test, disposed after it.</summary>
public abstract class HostTest : IAsyncLifetime
{
    protected HostHarness Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await HostHarness.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
