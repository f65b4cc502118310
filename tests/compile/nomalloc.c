/* Compile check: KVS_NO_MALLOC - the object must not reference malloc, calloc, realloc or free. */
#define KVS_NO_MALLOC 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h"
