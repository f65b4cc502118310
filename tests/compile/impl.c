/* Compile check: the implementation with the POSIX platform, as the one implementation file. */
#define KVS_PLATFORM_POSIX 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h"
