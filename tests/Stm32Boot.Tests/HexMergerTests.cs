using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Stm32Boot.Tests;

public class HexMergerTests
{
    /// <summary>
    /// The srec_cat command whose output equals ours byte for byte, found by experiment with srecord 1.64:
    ///   srec_cat IN1.hex -Intel IN2.hex -Intel … -Output OUT.hex -Intel -Output_Block_Size=N
    ///            -Output_Block_Packing -Line_Termination=Newline [-Execution_Start_Address=0xADDR]
    /// srec_cat merges like we do (equal overlaps are only warned about, different ones are an error).
    /// -Output_Block_Size=N sets the data bytes per record, starting at each run's first byte as ours do
    /// (-Output_Block_Alignment would align them instead). -Output_Block_Packing stops srec_cat from also
    /// splitting records at its internal 1792-byte (7 × 256) memory chunk boundaries. -Line_Termination=Newline
    /// gives LF on every host. -Execution_Start_Address sets the 05 record (without it srec_cat keeps the first
    /// input's). Without options srec_cat already starts with an 04 record even for address 0, splits records
    /// at 64 KB boundaries and puts the 05 record just before the 01 record, as our writer does.
    /// </summary>
    private static List<string> SrecCatArguments(IEnumerable<string> inputs, string output, int recordLength, uint? start)
    {
        var arguments = inputs.SelectMany(input => new[] { input, "-Intel" }).ToList();
        arguments.AddRange(["-Output", output, "-Intel", $"-Output_Block_Size={recordLength}", "-Output_Block_Packing",
            "-Line_Termination=Newline"]);
        if (start is { } address)
            arguments.Add($"-Execution_Start_Address=0x{address:X8}");
        return arguments;
    }

    private sealed record MergeCase(SparseImage[] Inputs, int RecordLength)
    {
        public override string ToString() => $"record length {RecordLength}: " + string.Join(" | ", Inputs.Select(i => i.ToString()));
    }

    // Non-conflicting inputs: the runs of one random image dealt out to 1..4 files, some runs also given to a
    // second file (equal overlap), the same start address (or none) in some of them.
    private static Gen<MergeCase> MergeCases =>
        from runs in Gen.NonEmptyListOf(SparseImages.Run).Select(list => list.Take(10).ToList())
        from fileCount in Gen.Choose(1, 4)
        from owners in Gen.ArrayOf(Gen.Choose(0, fileCount - 1), runs.Count)
        from duplicates in Gen.ArrayOf(Gen.Choose(-1, fileCount - 1), runs.Count)
        from start in SparseImages.Start
        from startHolders in Gen.ArrayOf(Gen.Elements(new[] { true, false }), fileCount)
        from recordLength in SparseImages.RecordLength
        let whole = SparseImages.Build(runs)
        let inputs = Enumerable.Range(0, fileCount).Select(file =>
            {
                // Runs are cut from the merged image, so runs that overlapped when generated agree byte for byte.
                var mine = runs.Where((_, i) => owners[i] == file || duplicates[i] == file)
                    .Select(run => (run.Address, whole.Read(run.Address, run.Data.Length, 0)));
                return new SparseImage(SparseImages.Build(mine), startHolders[file] ? start : null);
            })
            .Where(input => !input.Image.IsEmpty) // srec_cat refuses an input without data
            .ToArray()
        select new MergeCase(inputs, recordLength);

    [Property(MaxTest = 25)]
    public Property Merged_output_equals_srec_cat_byte_for_byte() =>
        Prop.ForAll(MergeCases.ToArbitrary(), mergeCase =>
        {
            using var scratch = new ScratchDirectory();
            var paths = mergeCase.Inputs.Select((input, i) =>
                scratch.Write($"in{i}.hex", IntelHexWriter.Format(new IntelHexFile(input.Image, input.Start), 1 + (i * 37) % 255))).ToList();

            var merged = HexMerger.Merge(paths);
            var ours = IntelHexWriter.Format(merged, mergeCase.RecordLength);
            ExternalTool.RunChecked("srec_cat", SrecCatArguments(paths, scratch.File("srec.hex"), mergeCase.RecordLength, merged.StartAddress))
                .GetAwaiter().GetResult();

            Assert.Equal(File.ReadAllText(scratch.File("srec.hex")), ours);
        });

    [Fact]
    public async Task Bootloader_plus_application_with_start_from_equals_srec_cat()
    {
        using var scratch = new ScratchDirectory();
        var bootloader = scratch.Write("bootloader.hex", IntelHexWriter.Format(new IntelHexFile(
            ImageAssert.From((0x08000000, Enumerable.Range(0, 300).Select(i => (byte)i).ToArray())), 0x080001C1)));
        var application = scratch.Write("application.hex", IntelHexWriter.Format(new IntelHexFile(
            ImageAssert.From((0x08020000, new byte[64]), (0x08020800, Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray())), 0x08020A41)));

        var merged = HexMerger.Merge([bootloader, application], startFrom: bootloader);
        await ExternalTool.RunChecked("srec_cat", SrecCatArguments([bootloader, application], scratch.File("srec.hex"), 16, 0x080001C1));

        Assert.Equal(0x080001C1u, merged.StartAddress);
        Assert.Equal(File.ReadAllText(scratch.File("srec.hex")), IntelHexWriter.Format(merged));
    }

    [Fact]
    public void Different_bytes_at_one_address_name_both_files_and_the_address()
    {
        using var scratch = new ScratchDirectory();
        var a = scratch.Write("a.hex", HexRecord.File(HexRecord.Linear(0x0802), HexRecord.Data(0, 1, 2, 3), HexRecord.EndOfFile));
        var b = scratch.Write("b.hex", HexRecord.File(HexRecord.Linear(0x0802), HexRecord.Data(1, 2, 9), HexRecord.EndOfFile));

        var error = Assert.Throws<Stm32BootException>(() => HexMerger.Merge([a, b]));
        Assert.Equal($"'{a}' and '{b}' overlap with different data at 0x08020002: 0x03 versus 0x09.", error.Message);
    }

    [Fact]
    public void Equal_overlap_is_fine_and_a_shared_start_address_is_kept()
    {
        using var scratch = new ScratchDirectory();
        var a = scratch.Write("a.hex", HexRecord.File(HexRecord.Data(0, 1, 2, 3), HexRecord.StartLinear(0x41), HexRecord.EndOfFile));
        var b = scratch.Write("b.hex", HexRecord.File(HexRecord.Data(1, 2, 3, 4), HexRecord.StartLinear(0x41), HexRecord.EndOfFile));
        var c = scratch.Write("c.hex", HexRecord.File(HexRecord.Data(8, 8), HexRecord.EndOfFile));

        var merged = HexMerger.Merge([a, b, c]);

        ImageAssert.Equal(ImageAssert.From((0, [1, 2, 3, 4]), (8, [8])), merged.Image);
        Assert.Equal(0x41u, merged.StartAddress);
    }

    [Fact]
    public void Disagreeing_start_addresses_need_start_from()
    {
        using var scratch = new ScratchDirectory();
        var a = scratch.Write("a.hex", HexRecord.File(HexRecord.Data(0, 1), HexRecord.StartLinear(0x08000101), HexRecord.EndOfFile));
        var b = scratch.Write("b.hex", HexRecord.File(HexRecord.Data(4, 1), HexRecord.StartLinear(0x08020A41), HexRecord.EndOfFile));

        var error = Assert.Throws<Stm32BootException>(() => HexMerger.Merge([a, b]));
        Assert.Equal($"the inputs disagree on the start address ('{a}' 0x08000101, '{b}' 0x08020A41); choose one with --start-from FILE.", error.Message);

        Assert.Equal(0x08020A41u, HexMerger.Merge([a, b], startFrom: b).StartAddress);
        Assert.Equal(0x08000101u, HexMerger.Merge([a, b], startFrom: a).StartAddress);
    }

    [Fact]
    public void Start_from_must_be_an_input_with_a_start_address()
    {
        using var scratch = new ScratchDirectory();
        var a = scratch.Write("a.hex", HexRecord.File(HexRecord.Data(0, 1), HexRecord.EndOfFile));

        var notInput = Assert.Throws<Stm32BootException>(() => HexMerger.Merge([a], startFrom: "other.hex"));
        Assert.Equal("--start-from 'other.hex' is not one of the input files.", notInput.Message);
        var noStart = Assert.Throws<Stm32BootException>(() => HexMerger.Merge([a], startFrom: a));
        Assert.Equal($"--start-from '{a}': that file has no start address record (type 03 or 05).", noStart.Message);
    }

    [Fact]
    public void A_broken_input_is_reported_with_its_own_file_and_line()
    {
        using var scratch = new ScratchDirectory();
        var good = scratch.Write("good.hex", HexRecord.File(HexRecord.Data(0, 1), HexRecord.EndOfFile));
        var bad = scratch.Write("bad.hex", HexRecord.File(HexRecord.Data(0, 1)));

        var error = Assert.Throws<IntelHexFormatException>(() => HexMerger.Merge([good, bad]));
        Assert.Equal(bad, error.FileName);
        Assert.Equal(1, error.Line);
    }
}
