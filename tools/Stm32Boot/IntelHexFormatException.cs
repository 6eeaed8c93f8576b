namespace Stm32Boot;

/// <summary>A malformed Intel HEX file; the message reads "FILE: line N: what is wrong".</summary>
public sealed class IntelHexFormatException(string fileName, int line, string problem)
    : Stm32BootException($"{fileName}: line {line}: {problem}")
{
    public string FileName { get; } = fileName;
    public int Line { get; } = line;
}
