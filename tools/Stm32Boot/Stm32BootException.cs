namespace Stm32Boot;

/// <summary>
/// A problem the user can fix (bad input file, invalid settings, refused stamp). The message is complete on its
/// own: it names the input, says what was wrong and, where it is not obvious, what to do. The CLI prints it as
/// one line and exits with code 1 (2 for a <see cref="MissingFileException"/>); anything else escaping the library is a bug.
/// </summary>
public class Stm32BootException(string message) : Exception(message);
