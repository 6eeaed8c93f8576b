#nullable enable
// Adds up what the test runners report (CTest and `dotnet test`) into one closing line, "Tests: N passed, M failed",
// so a reader (or CI) sees the whole count without scrolling through four runners' output.
using System.Text.RegularExpressions;

public sealed class TestTally
{
    static readonly Regex DotnetPassed = new(@"^\s*Passed: (\d+)$"), DotnetFailed = new(@"^\s*Failed: (\d+)$");
    static readonly Regex Ctest = new(@"tests passed, (\d+) tests failed out of (\d+)");
    public int Passed { get; private set; }
    public int Failed { get; private set; }

    /// One test that is not a runner's (a fuzz target's smoke run).
    public void Count(bool passed)
    {
        if (passed) Passed++;
        else Failed++;
    }

    public void Observe(string line)
    {
        if (DotnetPassed.Match(line) is { Success: true } p) Passed += int.Parse(p.Groups[1].Value);
        else if (DotnetFailed.Match(line) is { Success: true } f) Failed += int.Parse(f.Groups[1].Value);
        else if (Ctest.Match(line) is { Success: true } c)
        {
            Failed += int.Parse(c.Groups[1].Value);
            Passed += int.Parse(c.Groups[2].Value) - int.Parse(c.Groups[1].Value);
        }
    }

    public override string ToString() => $"Tests: {Passed} passed, {Failed} failed";
}
