namespace Stm32Boot.Uart;

/// <summary>What a flash run did and how long each step took.</summary>
public sealed record FlashReport
{
    public required BootloaderInfo Bootloader { get; init; }
    /// <summary>The header page went first (the bootloader stages it, <see cref="BootloaderInfo.StagesHeaderPage"/>); false: last.</summary>
    public bool HeaderFirst { get; init; }

    public required int ErasedPages { get; init; }
    public required long WrittenBytes { get; init; }

    /// <summary>Bytes read back and compared; 0 when verification was not asked for.</summary>
    public required long VerifiedBytes { get; init; }

    public required IReadOnlyList<VerifyMismatch> Mismatches { get; init; }

    /// <summary>Read protection was on (Read Memory refused), so verification was the device's own CRC check: Go
    /// commits the update only when the image in flash matches the header's CRC.</summary>
    public bool VerifiedByDevice { get; init; }

    /// <summary>Under read protection, Go was NACKed: the device's CRC check refused the image, nothing started.</summary>
    public bool RefusedByDevice { get; init; }

    /// <summary>Where Go started the application, if it did.</summary>
    public required uint? StartedAt { get; init; }

    public required TimeSpan EraseTime { get; init; }
    public required TimeSpan WriteTime { get; init; }
    public required TimeSpan VerifyTime { get; init; }

    /// <summary>From the sync byte to the last reply.</summary>
    public required TimeSpan TotalTime { get; init; }

    /// <summary>Bytes written per second while writing.</summary>
    public double WriteBytesPerSecond => PerSecond(WrittenBytes, WriteTime);

    /// <summary>Bytes written per second of the whole session: sync, probe, erase, write, verify and go.</summary>
    public double EffectiveBytesPerSecond => PerSecond(WrittenBytes, TotalTime);

    /// <summary><paramref name="bytesPerSecond"/> as a percentage of what the serial line can carry at most
    /// (8E1: 11 bits per byte); null over TCP, which has no wire rate.</summary>
    public static double? PercentOfWireRate(double bytesPerSecond, UartFraming? framing) =>
        framing is { } line ? 100 * bytesPerSecond / line.BytesPerSecond : null;

    private static double PerSecond(long bytes, TimeSpan time) => time > TimeSpan.Zero ? bytes / time.TotalSeconds : 0;
}
