namespace Stm32Boot;

/// <summary>
/// What an Intel HEX file carries: its bytes and, optionally, a start address. A 03 record's CS:IP is kept as
/// the linear address CS*16+IP (as srec_cat does); the writer emits every start address as a 05 record.
/// </summary>
public sealed record IntelHexFile(MemoryImage Image, uint? StartAddress);
