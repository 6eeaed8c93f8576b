namespace Stm32Boot.Tests;

/// <summary>Paths in the repository the tests run from, and scratch directories under its out/ folder.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "build", "settings.json")))
                return directory.FullName;
        throw new InvalidOperationException($"No build/settings.json above {AppContext.BaseDirectory}: the tests must run inside the repository.");
    }
}
