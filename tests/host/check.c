#include "check.h"

#include <stdio.h>
#include <string.h>

static int failed_checks;
static int failed_tests;
static int run_tests;

static void fail_header(const char *file, int line, const char *what)
{
    failed_checks++;
    fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
}

void check_true(const char *file, int line, const char *what, bool cond)
{
    if (!cond) {
        fail_header(file, line, what);
        fprintf(stderr, "    expected: true\n         got: false\n");
    }
}

void check_eq_u32(const char *file, int line, const char *what, uint32_t expected, uint32_t actual)
{
    if (expected != actual) {
        fail_header(file, line, what);
        fprintf(stderr, "    expected: 0x%08X (%u)\n         got: 0x%08X (%u)\n", (unsigned)expected,
                (unsigned)expected, (unsigned)actual, (unsigned)actual);
    }
}

void check_eq_str(const char *file, int line, const char *what, const char *expected, const char *actual)
{
    if (strcmp(expected, actual) != 0) {
        fail_header(file, line, what);
        fprintf(stderr, "    expected: \"%s\"\n         got: \"%s\"\n", expected, actual);
    }
}

void check_eq_named(const char *file, int line, const char *what, uint32_t expected, const char *expected_name,
                    uint32_t actual, const char *actual_name)
{
    if (expected != actual) {
        fail_header(file, line, what);
        fprintf(stderr, "    expected: %u (%s)\n         got: %u (%s)\n", (unsigned)expected, expected_name,
                (unsigned)actual, actual_name);
    }
}

void check_run(const char *name, void (*test)(void))
{
    int before = failed_checks;
    run_tests++;
    test();
    if (failed_checks != before) {
        failed_tests++;
        printf("FAIL %s\n", name);
    } else {
        printf("ok   %s\n", name);
    }
}

int check_summary(void)
{
    printf("%d of %d test cases passed\n", run_tests - failed_tests, run_tests);
    return failed_tests == 0 ? 0 : 1;
}
