// The registers the GDB stub offers, in the order of its `g` packet and of its target description (the GDB manual,
// appendix "Target Descriptions", section "ARM Features"). A stub without a description leaves GDB to guess the `g`
// layout from the ELF (its built-in ARM layout still carries the old FPA registers f0-f7 and fps before cpsr), with
// no MSP, PSP or FPU registers: `p $msp` fails. So this one sends target.xml (qXfer:features:read), which the
// gdb-multiarch of Debian bookworm (GDB 13.1) reads: org.gnu.gdb.arm.m-profile (r0-pc, xpsr) makes it treat the core
// as M-profile (Thumb only, an EXC_RETURN value in LR marks an exception frame); org.gnu.gdb.arm.m-system (msp, psp,
// which GDB 13 uses to find which stack such a frame is on; primask, basepri, faultmask, control shown beside them);
// org.gnu.gdb.arm.vfp the FPv4-SP registers the hard-float firmware passes floats in (GDB shows s0-s31 from d0-d15).
using System.Text;

namespace Stm32Boot.VirtualBoard.Gdb;

public sealed record TargetRegister(int Number, string Name, int BitSize, string Type, string Feature, CoreRegister? Core, int FpuDouble = -1);

public static class TargetRegisters
{
    private const string MProfile = "org.gnu.gdb.arm.m-profile", MSystem = "org.gnu.gdb.arm.m-system", Vfp = "org.gnu.gdb.arm.vfp";

    public static IReadOnlyList<TargetRegister> All { get; } = Build();

    private static TargetRegister[] Build()
    {
        var list = new List<TargetRegister>();
        void Add(string name, int bits, string type, string feature, CoreRegister? core, int fpu = -1) =>
            list.Add(new TargetRegister(list.Count, name, bits, type, feature, core, fpu));
        for (var i = 0; i <= 12; i++) Add($"r{i}", 32, "int", MProfile, CoreRegister.R0 + i);
        Add("sp", 32, "data_ptr", MProfile, CoreRegister.Sp);
        Add("lr", 32, "int", MProfile, CoreRegister.Lr);
        Add("pc", 32, "code_ptr", MProfile, CoreRegister.Pc);
        Add("xpsr", 32, "int", MProfile, CoreRegister.Xpsr);
        Add("msp", 32, "data_ptr", MSystem, CoreRegister.Msp);
        Add("psp", 32, "data_ptr", MSystem, CoreRegister.Psp);
        Add("primask", 32, "int", MSystem, CoreRegister.Primask);
        Add("basepri", 32, "int", MSystem, CoreRegister.Basepri);
        Add("faultmask", 32, "int", MSystem, CoreRegister.Faultmask);
        Add("control", 32, "int", MSystem, CoreRegister.Control);
        for (var i = 0; i < 16; i++) Add($"d{i}", 64, "ieee_double", Vfp, null, i);
        Add("fpscr", 32, "int", Vfp, CoreRegister.Fpscr);
        return list.ToArray();
    }

    public static TargetRegister Pc => All.Single(r => r.Core == CoreRegister.Pc);
    public static TargetRegister Sp => All.Single(r => r.Core == CoreRegister.Sp);
    public static TargetRegister Lr => All.Single(r => r.Core == CoreRegister.Lr);

    /// target.xml, served through qXfer:features:read.
    public static string TargetXml { get; } = BuildXml();

    private static string BuildXml()
    {
        var xml = new StringBuilder();
        xml.Append("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n");
        xml.Append("  <architecture>arm</architecture>\n");
        foreach (var feature in All.GroupBy(r => r.Feature))
        {
            xml.Append($"  <feature name=\"{feature.Key}\">\n");
            foreach (var r in feature)
                xml.Append($"    <reg name=\"{r.Name}\" bitsize=\"{r.BitSize}\" regnum=\"{r.Number}\" type=\"{r.Type}\"/>\n");
            xml.Append("  </feature>\n");
        }
        xml.Append("</target>\n");
        return xml.ToString();
    }

    public static ulong Read(Machine machine, TargetRegister register) =>
        register.Core is { } core ? machine.ReadRegister(core) : machine.ReadFpuDouble(register.FpuDouble);

    public static void Write(Machine machine, TargetRegister register, ulong value)
    {
        if (register.Core is { } core) machine.WriteRegister(core, (uint)value);
        else machine.WriteFpuDouble(register.FpuDouble, value);
    }
}
