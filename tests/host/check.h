/* A minimal test harness: every failed check prints where, what was expected and what came instead; the
 * suite's exit code is non-zero if any check failed. */
#ifndef CHECK_H
#define CHECK_H

#include <stdbool.h>
#include <stdint.h>

#define CHECK_TRUE(cond) check_true(__FILE__, __LINE__, #cond, (cond))
#define CHECK_EQ_U32(expected, actual) \
    check_eq_u32(__FILE__, __LINE__, #actual, (uint32_t)(expected), (uint32_t)(actual))
#define CHECK_EQ_STR(expected, actual) check_eq_str(__FILE__, __LINE__, #actual, (expected), (actual))

/* Runs one test case and prints "ok <name>" or "FAIL <name>". */
#define RUN_TEST(fn) check_run(#fn, fn)

void check_true(const char *file, int line, const char *what, bool cond);
void check_eq_u32(const char *file, int line, const char *what, uint32_t expected, uint32_t actual);
void check_eq_str(const char *file, int line, const char *what, const char *expected, const char *actual);
/* Like CHECK_EQ_U32 with both values also shown as text (e.g. a status and its name). */
void check_eq_named(const char *file, int line, const char *what, uint32_t expected, const char *expected_name,
                    uint32_t actual, const char *actual_name);

void check_run(const char *name, void (*test)(void));
/* Prints the summary; the return value is the process exit code. */
int check_summary(void);

#endif /* CHECK_H */
