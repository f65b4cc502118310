/* Compile check: the second translation unit of the KVS_STATIC pair. */
#define KVS_STATIC 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h"

int kvs_static_b(void);

int kvs_static_b(void) {
    return kvs_result_is_fatal(KVS_ERR_NO_MEMORY);
}
