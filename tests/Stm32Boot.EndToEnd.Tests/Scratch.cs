namespace Stm32Boot.EndToEnd.Tests;

/// <summary>A fresh directory under out/tests (every output of the repository stays in out/), removed on dispose.</summary>
public sealed class Scratch : IDisposable
{
    public Scratch()
    {
        Path = System.IO.Path.Combine(Shipped.OutDir, "tests", "Stm32Boot.EndToEnd.Tests", System.IO.Path.GetRandomFileName());
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
