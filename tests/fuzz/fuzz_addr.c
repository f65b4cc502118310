/* libFuzzer target: the numeric IPv4 / IPv6 address parser (kvs_addr_parse) and formatter.
   Invariants: an accepted address formats, and the text parses back to the same address and
   formats identically (the RFC 5952 form is a fixed point). */
#define KVS_TESTING 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    kvs_addr a, b;
    char t1[KVS_ADDR_STRLEN], t2[KVS_ADDR_STRLEN];
    size_t n1, n2;
    if (kvs_addr_parse(&a, (const char *)data, size, 9) != KVS_OK) {
        if (a.family != KVS_AF_NONE)
            abort();
        return 0;
    }
    if (kvs_addr_format(&a, 0, t1, sizeof t1, &n1) != KVS_OK)
        abort();
    if (kvs_addr_parse(&b, t1, n1, 9) != KVS_OK || !kvs_addr_equal(&a, &b))
        abort();
    if (kvs_addr_format(&b, 0, t2, sizeof t2, &n2) != KVS_OK || n1 != n2 || memcmp(t1, t2, n1) != 0)
        abort();
    if (kvs_addr_format(&a, 1, t2, sizeof t2, &n2) != KVS_OK)
        abort();
    return 0;
}
