/* Compile check: KVS_STATIC in two translation units linked into one program (no clashes). */
#define KVS_STATIC 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h"
#include <stdio.h>

int kvs_static_b(void);

int main(void) {
    kvs_addr a;
    if (kvs_addr_parse(&a, "::1", 3, 1) != KVS_OK || !kvs_addr_is_loopback(&a))
        return 1;
    if (kvs_static_b() != 1)
        return 1;
    printf("%s\n", kvs_version());
    return 0;
}
