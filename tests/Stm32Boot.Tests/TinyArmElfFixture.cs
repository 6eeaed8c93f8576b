using Xunit;

namespace Stm32Boot.Tests;

/// <summary>One default tiny application ELF, built once and shared by the tests of a class.</summary>
public sealed class TinyArmElfFixture : IAsyncLifetime
{
    private readonly ScratchDirectory directory = new();

    public string ElfPath { get; private set; } = "";

    public async Task InitializeAsync() => ElfPath = await new TinyArmElf().Build(directory, TestSettings.Defaults);

    public Task DisposeAsync()
    {
        directory.Dispose();
        return Task.CompletedTask;
    }
}
