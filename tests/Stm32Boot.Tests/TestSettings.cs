using System.Text.Json.Nodes;

namespace Stm32Boot.Tests;

/// <summary>Settings JSON for tests: a fixed copy of the defaults (so golden files do not change when the
/// repository bumps its version), editable key by key.</summary>
public static class TestSettings
{
    public const string DefaultsJson = """
        {
          "Version": "1.0.0.1",
          "BootloaderVersion": "1.0.0",
          "BoardId": "0x04150001",
          "BuildType": "Release",
          "ToolchainPrefix": "arm-none-eabi-",
          "DoubleResetWindowMs": 500,
          "FlashPort": "/dev/ttyACM0",
          "FlashBaud": 115200,
          "UsbFirmwareName": "FIRMWARE.HEX",
          "AllowDowngrade": false,
          "UsbBootWindowMs": 0,
          "BootAttempts": 3,
          "Protection": "none",
          "SigningKey": "keys/development-signing-key.pem",
          "TrustedKeys": [],
          "SecurityCounter": 1,
          "RequireSignature": true,
          "VerifySignatureAtBoot": false,
          "SlotMode": "single",
          "BootBanner": "full",
          "MemoryMap": {
            "FlashBase": "0x08000000",
            "FlashSize": "0x00100000",
            "PageSize": "0x800",
            "BootloaderSize": "0x00020000",
            "HeaderSize": "0x800",
            "Sram1Base": "0x20000000",
            "Sram1Size": "0x00018000",
            "Sram2Base": "0x10000000",
            "Sram2Size": "0x00008000",
            "Sram2AliasBase": "0x20018000",
            "RollbackOtpBase": "0x1FFF7000",
            "RollbackOtpSize": "0x400"
          }
        }
        """;

    public static BuildSettings Defaults => BuildSettings.Parse(DefaultsJson, "test-settings.json");

    /// <summary>The defaults with one key changed ("MemoryMap.FlashSize" reaches into the block); a null value removes it.</summary>
    public static string With(string key, JsonNode? value)
    {
        var root = JsonNode.Parse(DefaultsJson)!.AsObject();
        var parts = key.Split('.');
        var parent = parts.Length == 2 ? root[parts[0]]!.AsObject() : root;
        if (value is null)
            parent.Remove(parts[^1]);
        else
            parent[parts[^1]] = value;
        return root.ToJsonString();
    }

    public static BuildSettings ParseWith(string key, JsonNode? value) => BuildSettings.Parse(With(key, value), "test-settings.json");
}
