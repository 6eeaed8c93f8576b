#include "check.h"
#include "text.h"

static void decimal(void)
{
    char buf[32];
    text_t t;
    text_init(&t, buf, sizeof buf);
    text_u32(&t, 0u);
    text_char(&t, ' ');
    text_u32(&t, 80000000u);
    text_char(&t, ' ');
    text_u32(&t, 4294967295u);
    CHECK_EQ_STR("0 80000000 4294967295", buf);
    CHECK_TRUE(!t.truncated);
}

static void hex_is_eight_upper_case_digits(void)
{
    char buf[40];
    text_t t;
    text_init(&t, buf, sizeof buf);
    text_hex32(&t, 0x08020800u);
    text_char(&t, ' ');
    text_hex32(&t, 0xCBF43926u);
    text_char(&t, ' ');
    text_hex32(&t, 0u);
    CHECK_EQ_STR("0x08020800 0xCBF43926 0x00000000", buf);
    CHECK_TRUE(!t.truncated);
}

static void hex_digits_keep_leading_zeros(void)
{
    char buf[16];
    text_t t;
    text_init(&t, buf, sizeof buf);
    text_hex(&t, 0x3Fu, 2u);
    text_char(&t, ' ');
    text_hex(&t, 0x0Au, 2u);
    text_char(&t, ' ');
    text_hex(&t, 0xABCDu, 1u);
    CHECK_EQ_STR("3F 0A D", buf);
}

static void pick_counts_the_packed_strings(void)
{
    static const char list[] = "ok\0bad magic\0x\0";
    CHECK_EQ_STR("ok", text_pick(list, 0u));
    CHECK_EQ_STR("bad magic", text_pick(list, 1u));
    CHECK_EQ_STR("x", text_pick(list, 2u));
    CHECK_EQ_STR("?", text_pick(list, 3u));
    CHECK_EQ_STR("?", text_pick(list, 1000u));
}

static void dotted_version(void)
{
    static const uint16_t version[4] = { 1, 0, 65535, 12 };
    char buf[32];
    text_t t;
    text_init(&t, buf, sizeof buf);
    text_dotted(&t, version, 4);
    CHECK_EQ_STR("1.0.65535.12", buf);
}

static void overflow_truncates_and_flags(void)
{
    char buf[5];
    text_t t;
    text_init(&t, buf, sizeof buf);
    text_str(&t, "abcdefg");
    CHECK_EQ_STR("abcd", buf);
    CHECK_EQ_U32(4u, t.len);
    CHECK_TRUE(t.truncated);
}

static void empty_buffer_is_flagged(void)
{
    text_t t;
    text_init(&t, NULL, 0u);
    text_str(&t, "x");
    CHECK_EQ_U32(0u, t.len);
    CHECK_TRUE(t.truncated);
}

int main(void)
{
    RUN_TEST(decimal);
    RUN_TEST(hex_is_eight_upper_case_digits);
    RUN_TEST(hex_digits_keep_leading_zeros);
    RUN_TEST(pick_counts_the_packed_strings);
    RUN_TEST(dotted_version);
    RUN_TEST(overflow_truncates_and_flags);
    RUN_TEST(empty_buffer_is_flagged);
    return check_summary();
}
