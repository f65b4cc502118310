/* What every libFuzzer target here starts with: the implementation with the test hooks, the
   entry point's prototype, an invariant check that aborts (libFuzzer then keeps the input), and
   the seeded generator as a platform random callback (user = a kvs_testing_rng). */
#ifndef KVS_FUZZ_COMMON_H
#define KVS_FUZZ_COMMON_H
#define KVS_TESTING 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_check(int ok) {
    if (!ok)
        abort();
}

#if defined(__GNUC__)
__attribute__((unused))
#endif
static int fz_random(void *user, void *buf, size_t len) {
    return kvs_testing_random((kvs_testing_rng *)user, buf, len);
}
#endif
