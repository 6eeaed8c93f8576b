namespace Stm32Boot.EndToEnd.Tests;

/// <summary>
/// The smallest applications that pass the boot check and do one checkable thing: the demo application's initial
/// stack pointer, a reset handler of a few hand-assembled Thumb instructions, deterministic bytes that are not the
/// erased value everywhere else (so every double word is programmed), and the demo's header stamped for this image,
/// signed with the build's key (<see cref="SignedImages.Sign"/>).
/// None of them calls boot_confirm(): installed by the bootloader, each stays in trial.
/// </summary>
public static class SyntheticApplications
{
    public const uint ResetHandlerOffset = 0x100;

    /// <summary>WFI, then B back to it (little-endian halfwords 0xBF30 0xE7FD).</summary>
    public static readonly byte[] SleepForever = [0x30, 0xBF, 0xFD, 0xE7];

    /// <summary>IWDG_KR = 0xCCCC (RM0351 §32.3.2: starts the watchdog at its reset values, /4 and 0xFFF: 512 ms at
    /// 32 kHz), then sleep forever without a refresh: movw r0, #0x3000; movt r0, #0x4000; movw r1, #0xCCCC;
    /// str r1, [r0]; wfi; b to the wfi.</summary>
    public static readonly byte[] StartWatchdogAndSleep =
        [0x43, 0xF2, 0x00, 0x00, 0xC4, 0xF2, 0x00, 0x00, 0x4C, 0xF6, 0xCC, 0x41, 0x01, 0x60, 0x30, 0xBF, 0xFD, 0xE7];

    /// <summary>An application of imageSize bytes whose reset handler (at ResetHandlerOffset) is the given code.</summary>
    /// <param name="build">Whose demo application lends its stack pointer and header, and whose key signs (the shipped build unless told).</param>
    public static MemoryImage With(FirmwareVersion version, uint imageSize, byte[] resetHandler, BuildOutput? build = null)
    {
        build ??= Shipped.Build;
        var map = build.Map;
        var demo = UpdateImages.Application(version, build);
        var bytes = new byte[imageSize];
        for (var i = 0; i < bytes.Length; i++) bytes[i] = (byte)(i * 7 + 1);
        demo.Read(map.Image.Base, 4, 0xFF).CopyTo(bytes, 0);
        BitConverter.GetBytes(map.Image.Base + ResetHandlerOffset + 1).CopyTo(bytes, 4);
        resetHandler.CopyTo(bytes, ResetHandlerOffset);
        var header = ImageVariants.ReadHeader(demo, build) with { ImageSize = imageSize, ImageCrc32 = ImageCrc.Compute(bytes) };
        var image = new MemoryImage();
        image.Write(map.Header.Base, header.ToBytes());
        image.Write(map.Image.Base, bytes);
        return SignedImages.Sign(image, build: build);
    }

    /// <summary>The shipped bootloader with this application, as a programmer would leave the board (factory.hex's
    /// way: the header page's end erased, so the application counts as confirmed).</summary>
    public static MemoryImage Factory(MemoryImage application) => Shipped.Build.With(application);

    /// <summary>The CPU is inside the reset handler's code (it sleeps there).</summary>
    public static bool Runs(Stm32Boot.VirtualBoard.Board board, byte[] resetHandler, BuildOutput? build = null) =>
        board.Machine.ReadCpu().Pc - ((build ?? Shipped.Build).Map.Image.Base + ResetHandlerOffset) < (uint)resetHandler.Length;
}
