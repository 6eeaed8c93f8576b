using System.Diagnostics;

namespace Stm32Boot.Uart;

/// <summary>
/// Carries out a <see cref="FlashPlan"/> through an AN3155 bootloader: sync, probe (the device must be the one
/// the settings are for), erase, write (the header page first to this repository's bootloader, last to any other:
/// see <see cref="BootloaderInfo.StagesHeaderPage"/>), optionally read back and start the application.
/// Under read protection the bootloader reads nothing back (AN3155); verification is then the device's own: Go
/// commits the update only after checking the image against the header's CRC, and NACKs otherwise. So a read-
/// protected --verify needs --go, which is checked before anything is erased.
/// </summary>
public static class UartFlasher
{
    /// <summary>
    /// Pages per Extended Erase. The protocol allows thousands, but one command then runs for seconds without a
    /// sign of life; chunks keep each ACK's wait short, the progress moving, and the frame within any bootloader's
    /// receive buffer.
    /// </summary>
    public const int PagesPerErase = 32;

    public static FlashReport Flash(An3155Client client, FlashPlan plan, FlashOptions options,
        IProgress<FlashProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var total = Stopwatch.StartNew();
        client.Connect();
        var bootloader = client.Probe();
        RequireDevice(bootloader, options);
        // Header first where the bootloader stages it (it then refuses a header it would never boot before the old
        // application's pages change); header last everywhere else.
        if (bootloader.StagesHeaderPage)
            plan = plan.WithHeaderFirst();
        var byDevice = options.Verify && IsReadProtected(client, plan);
        if (byDevice && !options.Go)
            throw new Stm32BootException("the bootloader refuses Read Memory: read protection (RDP level 1) is on, so --verify can only be the " +
                                         "device's own CRC check, which Go runs before it commits the update. Add --go (nothing was erased or written).");

        var phase = Stopwatch.StartNew();
        long done = 0;
        foreach (var pages in plan.ErasePages.Chunk(PagesPerErase))
        {
            cancellationToken.ThrowIfCancellationRequested();
            client.ExtendedErase(pages);
            done += pages.Length * (long)plan.PageSize;
            progress?.Report(new FlashProgress(FlashPhase.Erase, done, plan.EraseBytes));
        }

        var eraseTime = phase.Elapsed;
        phase.Restart();
        done = 0;
        foreach (var block in plan.Blocks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            client.WriteMemory(block.Address, block.Data);
            done += block.Data.Length;
            progress?.Report(new FlashProgress(FlashPhase.Write, done, plan.WriteBytes));
        }

        var writeTime = phase.Elapsed;
        phase.Restart();
        var mismatches = new List<VerifyMismatch>();
        done = 0;
        if (options.Verify && !byDevice)
        {
            foreach (var block in plan.Blocks)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (Compare(block, client.ReadMemory(block.Address, block.Data.Length)) is { } mismatch)
                    mismatches.Add(mismatch);
                done += block.Data.Length;
                progress?.Report(new FlashProgress(FlashPhase.Verify, done, plan.WriteBytes));
            }
        }

        var verifyTime = phase.Elapsed;
        uint? startedAt = null;
        var refusedByDevice = false;
        // Starting an image that read back wrong would only hide the failure behind a board that does not boot.
        if (options.Go && mismatches.Count == 0)
        {
            try
            {
                client.Go(plan.GoAddress);
                startedAt = plan.GoAddress;
                if (byDevice) done = plan.WriteBytes;
            }
            catch (An3155Exception e) when (byDevice && e.Failure == An3155Failure.Nack)
            {
                refusedByDevice = true;
            }
        }

        return new FlashReport
        {
            Bootloader = bootloader,
            HeaderFirst = plan.HeaderFirst,
            ErasedPages = plan.ErasePages.Count,
            WrittenBytes = plan.WriteBytes,
            VerifiedBytes = done,
            Mismatches = mismatches,
            VerifiedByDevice = byDevice,
            RefusedByDevice = refusedByDevice,
            StartedAt = startedAt,
            EraseTime = eraseTime,
            WriteTime = writeTime,
            VerifyTime = verifyTime,
            TotalTime = total.Elapsed,
        };
    }

    private static void RequireDevice(BootloaderInfo bootloader, FlashOptions options)
    {
        if (bootloader.ProductId != options.ProductId)
            throw new Stm32BootException($"the bootloader reports product id 0x{bootloader.ProductId:X3}, but the settings' BoardId is for device " +
                                         $"0x{options.ProductId:X3}: this is another kind of board, or the settings are not this board's.");
        An3155Command[] needed = [An3155Command.ReadMemory, An3155Command.WriteMemory, An3155Command.ExtendedErase, .. options.Go ? [An3155Command.Go] : Array.Empty<An3155Command>()];
        var missing = needed.Where(command => !bootloader.Supports(command)).ToList();
        if (missing.Count > 0)
            throw new Stm32BootException($"the bootloader does not offer {string.Join(", ", missing.Select(c => An3155.Describe(c)))} " +
                                         $"(its Get lists {string.Join(" ", bootloader.Commands.Select(c => c.ToString("X2")))}), which flashing needs.");
    }

    /// <summary>One byte of the first block, read before anything changes: a NACK to the command means read protection.</summary>
    private static bool IsReadProtected(An3155Client client, FlashPlan plan)
    {
        try
        {
            client.ReadMemory(plan.Blocks[0].Address, 1);
            return false;
        }
        catch (An3155Exception e) when (e.Failure == An3155Failure.ReadProtected)
        {
            return true;
        }
    }

    private static VerifyMismatch? Compare(FlashBlock block, byte[] actual)
    {
        var first = block.Data.AsSpan().CommonPrefixLength(actual);
        if (first == block.Data.Length)
            return null;
        var differing = block.Data.Zip(actual).Count(pair => pair.First != pair.Second);
        return new VerifyMismatch(block.Address + (uint)first, block.Data[first], actual[first], differing);
    }
}
