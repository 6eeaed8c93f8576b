using Xunit;

namespace Stm32Boot.Tests;

/// <summary>A tiny application ELF that reserves .image_signature as the real one does, built once per test class.</summary>
public sealed class SignableTinyArmElfFixture : IAsyncLifetime
{
    private readonly ScratchDirectory directory = new();

    public string ElfPath { get; private set; } = "";

    public async Task InitializeAsync() => ElfPath = await new TinyArmElf { WithSignatureSection = true }.Build(directory, TestSettings.Defaults);

    public Task DisposeAsync()
    {
        directory.Dispose();
        return Task.CompletedTask;
    }
}
