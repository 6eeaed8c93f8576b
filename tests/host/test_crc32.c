/* The software CRC against zlib's crc32() values (python3 -c "import zlib; print(hex(zlib.crc32(b'...')))"). */
#include <string.h>

#include "check.h"
#include "crc32.h"

static void check_value(const char *text, uint32_t expected)
{
    CHECK_EQ_U32(expected, crc32_update(0u, text, strlen(text)));
}

static void known_values(void)
{
    check_value("123456789", 0xCBF43926u);
    check_value("", 0x00000000u);
    check_value("a", 0xE8B7BE43u);
    check_value("The quick brown fox jumps over the lazy dog", 0x414FA339u);
}

static void all_byte_values(void)
{
    uint8_t bytes[256];
    for (int i = 0; i < 256; i++) {
        bytes[i] = (uint8_t)i;
    }
    CHECK_EQ_U32(0x29058C73u, crc32_update(0u, bytes, sizeof bytes));
}

static void pieces_equal_whole(void)
{
    const char *text = "The quick brown fox jumps over the lazy dog";
    size_t len = strlen(text);
    for (size_t split = 0; split <= len; split++) {
        uint32_t crc = crc32_update(0u, text, split);
        crc = crc32_update(crc, text + split, len - split);
        CHECK_EQ_U32(0x414FA339u, crc);
    }
}

int main(void)
{
    RUN_TEST(known_values);
    RUN_TEST(all_byte_values);
    RUN_TEST(pieces_equal_whole);
    return check_summary();
}
