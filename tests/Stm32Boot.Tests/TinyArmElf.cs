namespace Stm32Boot.Tests;

/// <summary>
/// Builds a minimal Cortex-M4 application ELF with arm-none-eabi-gcc, shaped like the real one: an
/// image_header_t in .image_header at the header base, the vector table at the image base, code, and .data whose
/// initialisers live in flash (LMA) but run from SRAM1 (VMA), and the 96 erased bytes reserved for the signature block
/// in .image_signature right after the header. It links with the generated memory.ld and includes
/// the generated memory_map.h and build_config.h, so those compile as C too. The properties vary it for the
/// stamp refusal tests.
/// </summary>
public sealed record TinyArmElf
{
    public bool WithHeaderSection { get; init; } = true;

    /// <summary>Reserves the signature block after the header, as the real application does; without it only an
    /// unsigned stamp of the ELF works.</summary>
    public bool WithSignatureSection { get; init; }
    public string Magic { get; init; } = "L4AP";

    /// <summary>C expression for the header's image_addr.</summary>
    public string ImageAddr { get; init; } = "MM_IMAGE_BASE";

    /// <summary>Bytes of a const array placed in the image, to make it as large as a test needs.</summary>
    public int PaddingBytes { get; init; }

    /// <summary>Adds a word in a section linked into the bootloader region.</summary>
    public bool WithStrayBootloaderBytes { get; init; }

    /// <summary>Writes the source, linker script and generated files into <paramref name="directory"/> and links.</summary>
    public async Task<string> Build(ScratchDirectory directory, BuildSettings settings)
    {
        MemoryMapGenerator.Write(settings, directory.Path);
        directory.Write("app.c", Source());
        directory.Write("app.ld", LinkerScript());
        var elf = directory.File("app.elf");
        await ExternalTool.RunChecked("arm-none-eabi-gcc",
            ["-mcpu=cortex-m4", "-mthumb", "-Os", "-std=c11", "-Wall", "-Werror", "-nostdlib", "-nostartfiles",
             "-I", directory.Path, "-L", directory.Path, "-T", "app.ld", "app.c", "-o", elf],
            directory.Path);
        return elf;
    }

    private string Source()
    {
        var magic = string.Join(", ", Magic.Select(c => $"'{c}'"));
        var header = !WithHeaderSection ? "" : $$"""
            struct image_header {
                uint8_t magic[4]; uint16_t header_version, header_size; uint16_t fw_version[4];
                uint32_t image_addr, image_size, image_crc32, board_id, flags; uint8_t reserved[24]; uint32_t header_crc32;
            };
            _Static_assert(sizeof(struct image_header) == 64, "the header is 64 bytes");
            __attribute__((section(".image_header"), used))
            const struct image_header image_header = {
                { {{magic}} }, 1u, 64u, { FW_VERSION_MAJOR, FW_VERSION_MINOR, FW_VERSION_PATCH, FW_VERSION_BUILD },
                {{ImageAddr}}, 0u, 0u, BOARD_ID, 0u, { 0 }, 0u,
            };
            """;
        var signature = !WithSignatureSection ? "" : """
            __attribute__((section(".image_signature"), used))
            const uint8_t image_signature[96] = { [0 ... 95] = 0xFF };
            """;
        var padding = PaddingBytes == 0 ? "" : $"__attribute__((used)) const uint8_t padding[{PaddingBytes}] = {{ 1 }};";
        var stray = WithStrayBootloaderBytes ? "__attribute__((section(\".stray\"), used)) const uint32_t stray = 0xDEADBEEFu;" : "";
        return $$"""
            #include <stdint.h>
            #include "memory_map.h"
            #include "build_config.h"
            {{header}}
            {{signature}}
            {{padding}}
            {{stray}}
            extern uint32_t _estack, _sidata, _sdata, _edata;
            volatile uint32_t counter = 0x12345678u;
            void Reset_Handler(void)
            {
                for (uint32_t *from = &_sidata, *to = &_sdata; to < &_edata;)
                    *to++ = *from++;
                for (;;)
                    counter++;
            }
            __attribute__((section(".isr_vector"), used))
            const uintptr_t vectors[16] = { (uintptr_t)&_estack, (uintptr_t)Reset_Handler };
            """;
    }

    private static string LinkerScript() => """
        INCLUDE memory.ld
        ENTRY(Reset_Handler)
        SECTIONS
        {
          .image_header : { KEEP(*(.image_header)) } > APP_HEADER
          .image_signature : { KEEP(*(.image_signature)) } > APP_HEADER
          .isr_vector : { KEEP(*(.isr_vector)) } > APP_IMAGE
          .text : { *(.text*) *(.rodata*) } > APP_IMAGE
          _sidata = LOADADDR(.data);
          .data : { _sdata = .; *(.data*) . = ALIGN(4); _edata = .; } > SRAM1 AT > APP_IMAGE
          .bss (NOLOAD) : { *(.bss*) *(COMMON) } > SRAM1
          .stray : { KEEP(*(.stray)) } > BOOTLOADER
          _estack = ORIGIN(SRAM1) + LENGTH(SRAM1);
        }
        """;
}
