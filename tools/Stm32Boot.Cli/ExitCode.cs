namespace Stm32Boot.Cli;

/// <summary>What scripts (the Cake build, CI) can rely on from stm32boot's exit status.</summary>
public static class ExitCode
{
    public const int Ok = 0;

    /// <summary>The input or settings were wrong, or `info` found an image the bootloader would refuse.</summary>
    public const int UserError = 1;

    /// <summary>The command line itself was wrong (unknown command or option, missing argument, a file it names that
    /// is not there, an output in a directory that does not exist).</summary>
    public const int Usage = 2;
}
