using Xunit;

namespace Stm32Boot.Tests;

/// <summary>build/packages.txt is what building needs and nothing more, so that a user with the Arm toolchain and .NET
/// can build without the test peers; build/test-packages.txt has the rest, and no package is in both.</summary>
public class PackageListsTests
{
    private static IReadOnlyList<string> Read(string name) =>
        File.ReadAllLines(Repository.Path("build", name)).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

    [Fact]
    public void Building_needs_the_toolchain_and_no_test_peer()
    {
        Assert.Equal(["gcc-arm-none-eabi", "libnewlib-arm-none-eabi", "cmake", "ninja-build", "xz-utils"], Read("packages.txt"));
    }

    [Fact]
    public void The_tests_peers_are_listed_apart_and_once()
    {
        var test = Read("test-packages.txt");
        foreach (var peer in new[] { "libunicorn2", "stm32flash", "socat", "dosfstools", "mtools", "srecord", "clang", "gdb-multiarch" })
            Assert.Contains(peer, test);
        Assert.Empty(test.Intersect(Read("packages.txt")));
        Assert.Equal(test.Count, test.Distinct().Count());
    }
}
