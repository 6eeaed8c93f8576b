// Tiny Thumb-2 firmwares for the core tests: C written by a test, compiled by arm-none-eabi-gcc at test time
// against a minimal start-up (vector table, .data/.bss set-up, a results area at 0x20000000), cached by content.
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Stm32Boot.VirtualBoard.Tests.Core;

public sealed class TestFirmware
{
    /// Words a firmware reports through: RESULT[i] in C is the word at ResultsBase + 4*i (not cleared by start-up).
    public const uint ResultsBase = 0x2000_0000;
    public const uint ResultsWords = 64;

    private TestFirmware(byte[] image, IReadOnlyDictionary<string, uint> symbols)
    {
        Image = image;
        Symbols = symbols;
    }

    /// The flash image from 0x08000000.
    public byte[] Image { get; }
    public IReadOnlyDictionary<string, uint> Symbols { get; }

    public uint Symbol(string name) =>
        Symbols.TryGetValue(name, out var address) ? address : throw new KeyNotFoundException($"symbol {name} is not in the test firmware");

    public static TestFirmware Build(string source)
    {
        var all = "#include \"fw.h\"\n" + source;
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(all + Header + Startup + LinkerScript)))[..16];
        var dir = Path.Combine(OutDirectory(), "test-firmware", hash);
        var bin = Path.Combine(dir, "fw.bin");
        var syms = Path.Combine(dir, "fw.syms");
        if (!File.Exists(bin) || !File.Exists(syms))
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "fw.c"), all);
            File.WriteAllText(Path.Combine(dir, "fw.h"), Header);
            File.WriteAllText(Path.Combine(dir, "startup.c"), Startup);
            File.WriteAllText(Path.Combine(dir, "link.ld"), LinkerScript);
            Run(dir, "arm-none-eabi-gcc", "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -O2 -g -ffreestanding " +
                "-nostdlib -nostartfiles -Wall -Werror -T link.ld startup.c fw.c -o fw.elf -lgcc");
            Run(dir, "arm-none-eabi-objcopy", "-O binary fw.elf fw.bin.tmp");
            File.WriteAllText(syms + ".tmp", Run(dir, "arm-none-eabi-nm", "fw.elf"));
            File.Move(syms + ".tmp", syms, true);
            File.Move(Path.Combine(dir, "fw.bin.tmp"), bin, true);
        }
        var symbols = new Dictionary<string, uint>();
        foreach (var line in File.ReadAllLines(syms))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 3) symbols[parts[2]] = Convert.ToUInt32(parts[0], 16);
        }
        return new TestFirmware(File.ReadAllBytes(bin), symbols);
    }

    /// A powered-on machine running this firmware (peripherals are attached before power-on).
    public Machine Boot(params IPeripheral[] peripherals)
    {
        var machine = new Machine();
        foreach (var p in peripherals) machine.Attach(p);
        machine.LoadFlash(Machine.FlashBase, Image);
        machine.PowerOn();
        return machine;
    }

    private static string OutDirectory()
    {
        var fromBuild = Environment.GetEnvironmentVariable("BOOT_OUT_DIR");
        if (!string.IsNullOrEmpty(fromBuild)) return fromBuild;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props"))) return Path.Combine(dir.FullName, "out");
        return Path.Combine(Path.GetTempPath(), "stm32boot-tests");
    }

    private static string Run(string dir, string tool, string arguments)
    {
        var info = new ProcessStartInfo(tool, arguments) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {tool}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{tool} {arguments} failed in {dir}:\n{stderr}");
        return stdout.Result;
    }

    private const string LinkerScript = """
        MEMORY
        {
          FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 1024K
          RAM (rwx)  : ORIGIN = 0x20000100, LENGTH = 0x17F00
        }
        _estack = 0x20018000;
        SECTIONS
        {
          .isr_vector : { KEEP(*(.isr_vector)) } > FLASH
          .text : { *(.text*) *(.rodata*) . = ALIGN(4); } > FLASH
          .data : { _sdata = .; *(.data*) . = ALIGN(4); _edata = .; } > RAM AT > FLASH
          _sidata = LOADADDR(.data);
          .bss (NOLOAD) : { _sbss = .; *(.bss*) *(COMMON) . = ALIGN(4); _ebss = .; } > RAM
          .noinit (NOLOAD) : { *(.noinit*) } > RAM
        }
        """;

    /// Register names for the test sources.
    private const string Header = """
        #include <stdint.h>
        #define REG(a) (*(volatile uint32_t *)(a))
        #define RESULT ((volatile uint32_t *)0x20000000)
        #define SYST_CSR REG(0xE000E010)
        #define SYST_RVR REG(0xE000E014)
        #define SYST_CVR REG(0xE000E018)
        #define NVIC_ISER(n) REG(0xE000E100 + 4 * (n))
        #define NVIC_ICER(n) REG(0xE000E180 + 4 * (n))
        #define NVIC_ISPR(n) REG(0xE000E200 + 4 * (n))
        #define NVIC_ICPR(n) REG(0xE000E280 + 4 * (n))
        #define NVIC_IPR(n) (*(volatile uint8_t *)(0xE000E400 + (n)))
        #define SCB_ICSR REG(0xE000ED04)
        #define SCB_VTOR REG(0xE000ED08)
        #define SCB_AIRCR REG(0xE000ED0C)
        #define SCB_SCR REG(0xE000ED10)
        #define SCB_CCR REG(0xE000ED14)
        #define SCB_SHPR(n) (*(volatile uint8_t *)(0xE000ED18 + (n) - 4))

        """;

    /// Start-up shared by every test firmware. Unused vectors go to a handler that executes BKPT, which the
    /// virtual board reports as a fault: an unexpected exception fails the test loudly.
    private const string Startup = """
        #include <stdint.h>
        extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss;
        int main(void);
        void Reset_Handler(void)
        {
            for (uint32_t *s = &_sidata, *d = &_sdata; d < &_edata;) *d++ = *s++;
            for (uint32_t *d = &_sbss; d < &_ebss;) *d++ = 0;
            main();
            for (;;) __asm volatile("wfi");
        }
        void Unexpected_Handler(void) { __asm volatile("bkpt #1"); for (;;) {} }
        #define WEAK(name) void name(void) __attribute__((weak, alias("Unexpected_Handler")));
        WEAK(NMI_Handler) WEAK(HardFault_Handler) WEAK(SVC_Handler) WEAK(PendSV_Handler) WEAK(SysTick_Handler)
        WEAK(IRQ0_Handler) WEAK(IRQ1_Handler) WEAK(IRQ2_Handler) WEAK(IRQ3_Handler) WEAK(IRQ37_Handler)
        __attribute__((section(".isr_vector"), used)) void (*const vectors[16 + 82])(void) = {
            (void (*)(void))&_estack, Reset_Handler, NMI_Handler, HardFault_Handler,
            [11] = SVC_Handler, [14] = PendSV_Handler, [15] = SysTick_Handler,
            [16] = IRQ0_Handler, [17] = IRQ1_Handler, [18] = IRQ2_Handler, [19] = IRQ3_Handler, [16 + 37] = IRQ37_Handler,
        };

        """;
}
