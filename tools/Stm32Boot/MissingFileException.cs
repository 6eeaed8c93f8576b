namespace Stm32Boot;

/// <summary>
/// A file or directory named on the command line is not there (an input to read, the directory of an output to
/// write). The command line is what is wrong, so the CLI exits with its usage code, as for a missing argument.
/// </summary>
public sealed class MissingFileException(string message) : Stm32BootException(message);
