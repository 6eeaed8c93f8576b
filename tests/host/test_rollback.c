/* The anti-rollback counter in write-once memory (rollback.h), on a fake 1 KB OTP area at 0x1FFF7000 behind the
 * fake flash operations: write-once double words (a program over any non-erased one fails as PROGERR does) and
 * power cuts during any program in the three ways fake_flash_ops.h cuts them, plus every subset of bits a cut could
 * leave. */
#include <string.h>

#include "check.h"
#include "fake_flash.h"
#include "fake_flash_ops.h"
#include "rollback.h"

#define OTP_BASE  0x1FFF7000u
#define OTP_SIZE  0x400u

static uint8_t otp_bytes[OTP_SIZE];
static fake_flash_t otp = { .base = OTP_BASE, .bytes = otp_bytes, .size = OTP_SIZE };
static fake_flash_ops_t ops;
static image_port_t port;
static flash_write_port_t write_port;
static const rollback_config_t config = { .base = OTP_BASE, .size = OTP_SIZE };

static const cut_mode_t modes[] = { CUT_NOTHING_APPLIED, CUT_FIRST_HALF_APPLIED, CUT_SECOND_HALF_APPLIED };
#define MODE_COUNT (sizeof modes / sizeof modes[0])

/* A chip fresh from the factory: the OTP area erased. */
static void fresh(void)
{
    memset(otp_bytes, 0xFF, sizeof otp_bytes);
    fake_flash_ops_init(&ops, &otp, 2048u);
    port = fake_flash_port(&otp);
    write_port = fake_flash_write_port(&ops);
}

static void power_cycle(void)
{
    fake_flash_ops_power_on(&ops);
}

static void put_double_word(uint32_t slot, uint32_t low, uint32_t high)
{
    memcpy(otp_bytes + 8u * slot, &low, 4);
    memcpy(otp_bytes + 8u * slot + 4u, &high, 4);
}

static bool slot_is(uint32_t slot, uint32_t low, uint32_t high)
{
    uint32_t words[2];
    memcpy(words, otp_bytes + 8u * slot, sizeof words);
    return words[0] == low && words[1] == high;
}

static void an_empty_area_has_minimum_0_and_the_whole_capacity(void)
{
    fresh();
    rollback_state_t state = rollback_read(&config, &port);
    CHECK_EQ_U32(0, state.minimum);
    CHECK_EQ_U32(0, state.used);
    CHECK_EQ_U32(128, state.capacity);
}

static void a_raise_records_counter_and_complement_in_the_next_erased_double_word(void)
{
    fresh();
    CHECK_EQ_U32(ROLLBACK_RAISED, rollback_raise(&config, &port, &write_port, 5u));
    static const uint8_t expected[8] = { 0x05, 0x00, 0x00, 0x00, 0xFA, 0xFF, 0xFF, 0xFF };
    CHECK_TRUE(memcmp(otp_bytes, expected, sizeof expected) == 0);
    CHECK_EQ_U32(5, rollback_read(&config, &port).minimum);

    CHECK_EQ_U32(ROLLBACK_RAISED, rollback_raise(&config, &port, &write_port, 0x00012345u));
    CHECK_TRUE(slot_is(1, 0x00012345u, ~0x00012345u));
    power_cycle();
    rollback_state_t state = rollback_read(&config, &port);
    CHECK_EQ_U32(0x00012345u, state.minimum);
    CHECK_EQ_U32(2, state.used);
    /* The highest counter there is: its low word reads like erased, its high word 0. */
    CHECK_EQ_U32(ROLLBACK_RAISED, rollback_raise(&config, &port, &write_port, 0xFFFFFFFFu));
    CHECK_TRUE(slot_is(2, 0xFFFFFFFFu, 0u));
    CHECK_EQ_U32(0xFFFFFFFFu, rollback_read(&config, &port).minimum);
    CHECK_EQ_U32(3, rollback_read(&config, &port).used);
}

static void a_counter_not_higher_than_the_minimum_programs_nothing(void)
{
    fresh();
    CHECK_EQ_U32(ROLLBACK_RAISED, rollback_raise(&config, &port, &write_port, 9u));
    long programs = ops.programs;
    CHECK_EQ_U32(ROLLBACK_NOT_HIGHER, rollback_raise(&config, &port, &write_port, 9u));
    CHECK_EQ_U32(ROLLBACK_NOT_HIGHER, rollback_raise(&config, &port, &write_port, 3u));
    CHECK_EQ_U32(ROLLBACK_NOT_HIGHER, rollback_raise(&config, &port, &write_port, 0u));
    CHECK_EQ_U32(programs, ops.programs);
    CHECK_EQ_U32(9, rollback_read(&config, &port).minimum);
    CHECK_EQ_U32(1, rollback_read(&config, &port).used);
    /* Nothing recorded yet: 0 is the minimum, so 0 is not higher either. */
    fresh();
    CHECK_EQ_U32(ROLLBACK_NOT_HIGHER, rollback_raise(&config, &port, &write_port, 0u));
    CHECK_EQ_U32(0, ops.programs);
}

static void the_area_takes_capacity_raises_then_reports_full_and_keeps_the_last_minimum(void)
{
    fresh();
    for (uint32_t counter = 1; counter <= 128u; counter++) {
        CHECK_EQ_U32(ROLLBACK_RAISED, rollback_raise(&config, &port, &write_port, counter));
    }
    CHECK_EQ_U32(ROLLBACK_FULL, rollback_raise(&config, &port, &write_port, 129u));
    CHECK_EQ_U32(ROLLBACK_NOT_HIGHER, rollback_raise(&config, &port, &write_port, 128u));
    rollback_state_t state = rollback_read(&config, &port);
    CHECK_EQ_U32(128, state.minimum);
    CHECK_EQ_U32(128, state.used);
    CHECK_EQ_U32(128, ops.programs);
    CHECK_EQ_U32(0, ops.program_over_data);

    /* A configured part of the area: 4 double words from +0x100, and nothing outside them is read or written. */
    fresh();
    const rollback_config_t small = { .base = OTP_BASE + 0x100u, .size = 32u };
    fake_flash_t window = { .base = small.base, .bytes = otp_bytes + 0x100u, .size = small.size };
    image_port_t window_port = fake_flash_port(&window);   /* aborts on any read outside the range */
    CHECK_EQ_U32(4, rollback_read(&small, &window_port).capacity);
    for (uint32_t counter = 10; counter < 50u; counter += 10u) {
        CHECK_EQ_U32(ROLLBACK_RAISED, rollback_raise(&small, &window_port, &write_port, counter));
    }
    CHECK_EQ_U32(ROLLBACK_FULL, rollback_raise(&small, &window_port, &write_port, 50u));
    CHECK_EQ_U32(40, rollback_read(&small, &window_port).minimum);
    for (uint32_t i = 0; i < OTP_SIZE; i++) {
        if (i < 0x100u || i >= 0x120u) {
            CHECK_EQ_U32(0xFF, otp_bytes[i]);
        }
    }
}

/* Power fails during the k-th raise, in each of the three ways: the minimum stays what the earlier raises left, none
 * of them is lost, the torn double word is used up and skipped, and raising again records the counter in the next
 * erased one. */
static void a_power_cut_during_any_raise_never_lowers_the_minimum_nor_loses_an_earlier_record(void)
{
    for (size_t m = 0; m < MODE_COUNT; m++) {
        for (uint32_t k = 0; k < 6u; k++) {
            fresh();
            for (uint32_t i = 0; i < k; i++) {
                CHECK_EQ_U32(ROLLBACK_RAISED, rollback_raise(&config, &port, &write_port, 100u * (i + 1u)));
            }
            uint32_t before = rollback_read(&config, &port).minimum;
            uint8_t earlier[OTP_SIZE];
            memcpy(earlier, otp_bytes, 8u * k);

            ops.cut_at = ops.completed;
            ops.cut_mode = modes[m];
            CHECK_EQ_U32(ROLLBACK_FLASH_ERROR, rollback_raise(&config, &port, &write_port, 100u * (k + 1u) + 7u));
            CHECK_TRUE(ops.power_lost);
            power_cycle();

            rollback_state_t after = rollback_read(&config, &port);
            CHECK_EQ_U32(before, after.minimum);
            CHECK_TRUE(memcmp(earlier, otp_bytes, 8u * k) == 0);
            uint32_t torn = modes[m] == CUT_NOTHING_APPLIED ? 0u : 1u;
            CHECK_EQ_U32(k + torn, after.used);

            /* The next boot raises again; the counter lands after the torn double word. */
            CHECK_EQ_U32(ROLLBACK_RAISED, rollback_raise(&config, &port, &write_port, 100u * (k + 1u) + 7u));
            CHECK_TRUE(slot_is(k + torn, 100u * (k + 1u) + 7u, ~(100u * (k + 1u) + 7u)));
            after = rollback_read(&config, &port);
            CHECK_EQ_U32(100u * (k + 1u) + 7u, after.minimum);
            CHECK_EQ_U32(k + torn + 1u, after.used);
            CHECK_EQ_U32(0, ops.program_over_data);
        }
    }
}

/* Whatever subset of the bits to be programmed a cut leaves (programming only clears bits), the double word is the
 * complete record or no record at all: never a record of another counter. */
static void no_subset_of_a_records_bits_reads_as_another_record(void)
{
    uint32_t seed = 0x2545F491u;
    for (int trial = 0; trial < 20000; trial++) {
        fresh();
        CHECK_EQ_U32(ROLLBACK_RAISED, rollback_raise(&config, &port, &write_port, 77u));
        seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5;
        uint32_t counter = seed;
        seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5;
        uint32_t keep_low = seed;     /* bits of the low word the cut left erased */
        seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5;
        uint32_t keep_high = trial % 4 == 0 ? 0u : seed;
        if (trial % 8 == 1) {
            keep_low = 1u << (trial / 8 % 32);   /* a single bit missing */
            keep_high = 0u;
        }
        uint32_t low = counter | (keep_low & ~counter);
        uint32_t high = ~counter | (keep_high & counter);
        put_double_word(1, low, high);
        bool complete = low == counter && high == ~counter;
        rollback_state_t state = rollback_read(&config, &port);
        uint32_t expected = complete && counter > 77u ? counter : 77u;
        CHECK_EQ_U32(expected, state.minimum);
        bool erased = low == 0xFFFFFFFFu && high == 0xFFFFFFFFu;
        CHECK_EQ_U32(erased ? 1u : 2u, state.used);
    }
}

static void foreign_bytes_are_skipped_and_records_count_in_any_order(void)
{
    fresh();
    put_double_word(0, 0x41495254u, 0x214C3454u);   /* text */
    put_double_word(2, 0u, 0u);                     /* all programmed */
    put_double_word(3, 0x12345678u, 0xFFFFFFFFu);   /* a low word alone */
    put_double_word(4, 40u, ~40u);                  /* a record, placed by someone else: it counts */
    put_double_word(5, 0xFFFFFFFFu, 0xFFFFFFFEu);   /* one bit */
    put_double_word(6, 30u, ~30u);                  /* lower, later: the maximum wins */

    rollback_state_t state = rollback_read(&config, &port);
    CHECK_EQ_U32(40, state.minimum);
    CHECK_EQ_U32(6, state.used);

    CHECK_EQ_U32(ROLLBACK_NOT_HIGHER, rollback_raise(&config, &port, &write_port, 35u));
    CHECK_EQ_U32(ROLLBACK_RAISED, rollback_raise(&config, &port, &write_port, 41u));
    CHECK_TRUE(slot_is(1, 41u, ~41u));              /* the first erased double word */
    CHECK_EQ_U32(ROLLBACK_RAISED, rollback_raise(&config, &port, &write_port, 42u));
    CHECK_TRUE(slot_is(7, 42u, ~42u));
    state = rollback_read(&config, &port);
    CHECK_EQ_U32(42, state.minimum);
    CHECK_EQ_U32(8, state.used);
    CHECK_EQ_U32(0, ops.program_over_data);
}

/* A flash that reports success but keeps one bit of the record programmed wrong, or that refuses the program. */
static bool lying_program(const flash_write_port_t *lying, uint32_t addr, const void *data, size_t len)
{
    (void)lying;
    uint8_t changed[8];
    memcpy(changed, data, sizeof changed);
    changed[5] &= 0xFEu;
    return write_port.program(&write_port, addr, changed, len);
}

static bool refusing_program(const flash_write_port_t *refusing, uint32_t addr, const void *data, size_t len)
{
    (void)refusing; (void)addr; (void)data; (void)len;
    return false;
}

static void a_program_that_fails_or_does_not_read_back_is_a_flash_error(void)
{
    fresh();
    const flash_write_port_t lying = { .program = lying_program };
    CHECK_EQ_U32(ROLLBACK_FLASH_ERROR, rollback_raise(&config, &port, &lying, 12u));
    CHECK_EQ_U32(0, rollback_read(&config, &port).minimum);
    CHECK_EQ_U32(1, rollback_read(&config, &port).used);

    const flash_write_port_t refusing = { .program = refusing_program };
    CHECK_EQ_U32(ROLLBACK_FLASH_ERROR, rollback_raise(&config, &port, &refusing, 12u));
    CHECK_EQ_U32(ROLLBACK_RAISED, rollback_raise(&config, &port, &write_port, 12u));
    CHECK_TRUE(slot_is(1, 12u, ~12u));
}

static void every_status_has_its_text(void)
{
    CHECK_EQ_STR("raised", rollback_status_text(ROLLBACK_RAISED));
    CHECK_EQ_STR("not higher", rollback_status_text(ROLLBACK_NOT_HIGHER));
    CHECK_EQ_STR("OTP full", rollback_status_text(ROLLBACK_FULL));
    CHECK_EQ_STR("flash error", rollback_status_text(ROLLBACK_FLASH_ERROR));
}

int main(void)
{
    RUN_TEST(an_empty_area_has_minimum_0_and_the_whole_capacity);
    RUN_TEST(a_raise_records_counter_and_complement_in_the_next_erased_double_word);
    RUN_TEST(a_counter_not_higher_than_the_minimum_programs_nothing);
    RUN_TEST(the_area_takes_capacity_raises_then_reports_full_and_keeps_the_last_minimum);
    RUN_TEST(a_power_cut_during_any_raise_never_lowers_the_minimum_nor_loses_an_earlier_record);
    RUN_TEST(no_subset_of_a_records_bits_reads_as_another_record);
    RUN_TEST(foreign_bytes_are_skipped_and_records_count_in_any_order);
    RUN_TEST(a_program_that_fails_or_does_not_read_back_is_a_flash_error);
    RUN_TEST(every_status_has_its_text);
    return check_summary();
}
