/* The banner's reset cause (reset_cause.h) for every RCC_CSR flag pattern a reset leaves (RM0351 §6.4.30), and the
 * rule that only a reset from the NRST pin counts towards the double-reset window. */
#include "check.h"
#include "reset_cause.h"

#define LPWRRSTF (1u << 31)
#define WWDGRSTF (1u << 30)
#define IWDGRSTF (1u << 29)
#define SFTRSTF  (1u << 28)
#define BORRSTF  (1u << 27)
#define PINRSTF  (1u << 26)
#define OBLRSTF  (1u << 25)
#define FWRSTF   (1u << 24)
/* MSISRANGE = 6 and LSION, which share the register and must not disturb the flags. */
#define OTHER_BITS 0x00000601u

static void check_cause(uint32_t csr, const char *expected)
{
    char buf[96];
    text_t text;
    text_init(&text, buf, sizeof buf);
    reset_cause_write(&text, csr | OTHER_BITS);
    CHECK_EQ_STR(expected, buf);
}

static void every_reset_is_named_and_the_pin_only_when_alone(void)
{
    check_cause(PINRSTF, "pin");
    check_cause(PINRSTF | BORRSTF, "power-on/brown-out");
    check_cause(PINRSTF | SFTRSTF, "software");
    check_cause(PINRSTF | IWDGRSTF, "watchdog");
    check_cause(PINRSTF | WWDGRSTF, "window watchdog");
    check_cause(PINRSTF | OBLRSTF, "option-byte load");
    check_cause(PINRSTF | FWRSTF, "firewall");
    check_cause(PINRSTF | LPWRRSTF, "low-power");
    /* Flags pile up until RMVF: a software reset after a power-on nobody cleared. */
    check_cause(PINRSTF | BORRSTF | SFTRSTF, "software, power-on/brown-out");
    check_cause(0u, "none recorded");
}

static void only_the_pin_alone_is_a_pin_reset(void)
{
    CHECK_TRUE(reset_cause_pin_only(PINRSTF | OTHER_BITS));
    CHECK_TRUE(!reset_cause_pin_only(PINRSTF | BORRSTF));
    CHECK_TRUE(!reset_cause_pin_only(PINRSTF | SFTRSTF));
    CHECK_TRUE(!reset_cause_pin_only(PINRSTF | IWDGRSTF));
    CHECK_TRUE(!reset_cause_pin_only(PINRSTF | OBLRSTF));
    CHECK_TRUE(!reset_cause_pin_only(OTHER_BITS));
}

int main(void)
{
    RUN_TEST(every_reset_is_named_and_the_pin_only_when_alone);
    RUN_TEST(only_the_pin_alone_is_a_pin_reset);
    return check_summary();
}
