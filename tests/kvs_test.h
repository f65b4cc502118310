/* kvs_test.h - the unit test runner: CHECK macros that count and report file:line, a table of
   test cases per section, and a main() that runs them (all, or one section) and ends with the
   line "N passed, N failed". A test case passes when none of its checks failed. */
#ifndef KVS_TEST_H
#define KVS_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define KVS_TEST_UNUSED __attribute__((unused))
#else
#define KVS_TEST_UNUSED
#endif

typedef struct kvs_test_case {
    const char *name;
    void (*fn)(void);
} kvs_test_case;

typedef struct kvs_test_suite {
    const char *section; /* the header section tag: "util", "json", ... */
    const kvs_test_case *cases;
    size_t count;
} kvs_test_suite;

#define KVS_TEST_SUITE(section, table) {section, table, sizeof(table) / sizeof((table)[0])}

static int kvs_test_checks_failed KVS_TEST_UNUSED; /* failed checks in the running case */
static unsigned long kvs_test_checks_run KVS_TEST_UNUSED;

KVS_TEST_UNUSED static void kvs_test_fail(const char *file, int line, const char *what) {
    kvs_test_checks_failed++;
    if (kvs_test_checks_failed <= 20)
        printf("    %s:%d: check failed: %s\n", file, line, what);
}

#define CHECK(e)                                                                                 \
    do {                                                                                         \
        kvs_test_checks_run++;                                                                   \
        if (!(e))                                                                                \
            kvs_test_fail(__FILE__, __LINE__, #e);                                               \
    } while (0)

/* Integers (compared as long long), with both values in the report. */
#define CHECK_EQ(a, b)                                                                           \
    do {                                                                                         \
        long long kvs_t_a_ = (long long)(a), kvs_t_b_ = (long long)(b);                         \
        kvs_test_checks_run++;                                                                   \
        if (kvs_t_a_ != kvs_t_b_) {                                                              \
            char kvs_t_m_[256];                                                                  \
            snprintf(kvs_t_m_, sizeof kvs_t_m_, "%s == %s (%lld != %lld)", #a, #b, kvs_t_a_,    \
                     kvs_t_b_);                                                                  \
            kvs_test_fail(__FILE__, __LINE__, kvs_t_m_);                                         \
        }                                                                                        \
    } while (0)

/* Unsigned 64-bit values, printed in hex. */
#define CHECK_EQ_U64(a, b)                                                                       \
    do {                                                                                         \
        unsigned long long kvs_t_a_ = (unsigned long long)(a), kvs_t_b_ = (unsigned long long)(b); \
        kvs_test_checks_run++;                                                                   \
        if (kvs_t_a_ != kvs_t_b_) {                                                              \
            char kvs_t_m_[256];                                                                  \
            snprintf(kvs_t_m_, sizeof kvs_t_m_, "%s == %s (0x%llx != 0x%llx)", #a, #b,         \
                     kvs_t_a_, kvs_t_b_);                                                        \
            kvs_test_fail(__FILE__, __LINE__, kvs_t_m_);                                         \
        }                                                                                        \
    } while (0)

/* NUL-terminated strings. */
#define CHECK_STR(a, b)                                                                          \
    do {                                                                                         \
        const char *kvs_t_a_ = (a), *kvs_t_b_ = (b);                                            \
        kvs_test_checks_run++;                                                                   \
        if (!kvs_t_a_ || !kvs_t_b_ || strcmp(kvs_t_a_, kvs_t_b_) != 0) {                        \
            char kvs_t_m_[512];                                                                  \
            snprintf(kvs_t_m_, sizeof kvs_t_m_, "%s == %s (\"%.200s\" != \"%.200s\")", #a, #b,  \
                     kvs_t_a_ ? kvs_t_a_ : "(null)", kvs_t_b_ ? kvs_t_b_ : "(null)");           \
            kvs_test_fail(__FILE__, __LINE__, kvs_t_m_);                                         \
        }                                                                                        \
    } while (0)

/* n bytes of memory. */
#define CHECK_MEM(a, b, n)                                                                       \
    do {                                                                                         \
        kvs_test_checks_run++;                                                                   \
        if (memcmp((a), (b), (n)) != 0)                                                          \
            kvs_test_fail(__FILE__, __LINE__, "memcmp(" #a ", " #b ", " #n ") == 0");          \
    } while (0)

/* Decode a hex string (spaces ignored) into out; returns the byte count. For vectors. */
KVS_TEST_UNUSED static size_t kvs_test_unhex(const char *hex, unsigned char *out, size_t cap) {
    size_t n = 0;
    int hi = -1;
    for (; *hex; hex++) {
        int c = *hex, v;
        if (c == ' ' || c == '\n')
            continue;
        v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                             : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (v < 0) {
            fprintf(stderr, "kvs_test_unhex: bad digit '%c'\n", c);
            abort();
        }
        if (hi < 0) {
            hi = v;
        } else {
            if (n == cap) {
                fprintf(stderr, "kvs_test_unhex: vector larger than %lu bytes\n", (unsigned long)cap);
                abort();
            }
            out[n++] = (unsigned char)(hi * 16 + v);
            hi = -1;
        }
    }
    return n;
}

/* Run the suites; argv may name sections (and section.case) to run only those. */
KVS_TEST_UNUSED static int kvs_test_main(const kvs_test_suite *suites, size_t nsuites, int argc, char **argv) {
    unsigned passed = 0, failed = 0;
    size_t s, c;
    int a;
    for (s = 0; s < nsuites; s++) {
        for (c = 0; c < suites[s].count; c++) {
            char full[256];
            int selected = argc <= 1;
            snprintf(full, sizeof full, "%s.%s", suites[s].section, suites[s].cases[c].name);
            for (a = 1; a < argc; a++)
                if (strcmp(argv[a], suites[s].section) == 0 || strcmp(argv[a], full) == 0)
                    selected = 1;
            if (!selected)
                continue;
            kvs_test_checks_failed = 0;
            suites[s].cases[c].fn();
            if (kvs_test_checks_failed) {
                printf("FAIL %s\n", full);
                failed++;
            } else {
                printf("ok   %s\n", full);
                passed++;
            }
            fflush(stdout);
        }
    }
    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}

#endif
