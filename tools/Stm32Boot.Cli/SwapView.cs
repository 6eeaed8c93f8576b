using Spectre.Console;

namespace Stm32Boot.Cli;

/// <summary>`info`'s view of a whole-flash dump in SlotMode swap: the three slots and the two swap status areas.</summary>
public static class SwapView
{
    /// <summary>"VERSION accepted|refused (failed checks), signature ...; BOOT STATE; pending install: yes|no".</summary>
    public static string Describe(SlotInspection slot)
    {
        if (slot.Empty)
            return "empty (no image header)";
        // Not a header at all: after a swap the secondary slot's first page is page 1 of the image moved out, whose
        // bytes mean nothing as a header or a boot state.
        if (slot.Image.Checks.FirstOrDefault() is { Name: "magic", Passed: false })
            return "no image header" + (slot.Pending is null ? "" : "; pending install: no");
        var parts = new List<string>
        {
            $"{slot.Image.Header!.FwVersion} " + (slot.Image.Accepted
                ? "accepted"
                : $"refused (failed: {string.Join(", ", slot.Image.Checks.Where(c => !c.Passed).Select(c => c.Name))})"),
        };
        if (slot.Signature is { } signature)
            parts[0] += ", signature: " + signature switch
            {
                { Status: SignatureStatus.Ok, CheckedWithKeyId: { } id } => $"verifies with key {id}",
                { Status: SignatureStatus.Ok } => "well-formed, not verified (no key)",
                _ => SignatureBlock.Text(signature.Status),
            };
        parts.Add(slot.BootState.ToString());
        if (slot.Pending is { } pending)
            parts.Add(pending ? "pending install: yes, it installs at the next reset" : "pending install: no");
        return string.Join("; ", parts);
    }

    public static void Write(SwapInspection swap, MemoryMap map)
    {
        // One line per slot, past Spectre, which would wrap a table this wide at the console's width.
        AnsiConsole.MarkupLine("[bold]slots[/] (SlotMode swap; each checked as the bootloader sees it, at the primary addresses):");
        foreach (var slot in swap.Slots)
            Console.WriteLine($"  {slot.Name,-9} {HexNumber.Format(slot.Base)}  {Describe(slot)}");
        Console.WriteLine();

        var status = new Table().Title($"swap status ({map.SwapStatusAreas.Count} areas of {map.SwapStatusAreaSize} bytes)")
            .AddColumn("area").AddColumn("at").AddColumn("valid").AddColumn("kind").AddColumn(new TableColumn("sequence").RightAligned())
            .AddColumn(new TableColumn("pages").RightAligned()).AddColumn(new TableColumn("steps done").RightAligned());
        foreach (var area in swap.StatusAreas)
            status.AddRow($"{area.Index}", HexNumber.Format(area.Base), area.Valid ? "[green]yes[/]" : $"no: {Markup.Escape(area.Invalid!)}",
                area.Valid ? area.Kind.ToString().ToLowerInvariant() : "", area.Valid ? $"{area.Sequence}" : "",
                area.Valid ? $"{area.Pages}" : "", area.Valid ? $"{area.StepsDone} / {area.Steps}" : "");
        AnsiConsole.Write(status);
        Console.WriteLine(swap.Newest switch
        {
            null => "swap: nothing ever swapped (no valid status area)",
            { Finished: true } n => $"swap: the newest operation (area {n.Index}) is finished: {n}",
            var n => $"swap: the newest operation (area {n.Index}) is unfinished, the next reset resumes it at step {n.StepsDone}: {n}",
        });
    }
}
