/* Log build variants, run by make test:
   VARIANT 1: KVS_NO_LOG_STRINGS with the ceiling at WARN - the callback gets item ids and lines
              with a NULL message; INFO and DEBUG calls compile to nothing; the object holds none of
              the item texts (checked by the runner with grep).
   VARIANT 2: the ceiling at TRACE with strings - TRACE records and the hex dump are delivered. */
#define KVS_TESTING 1
#if VARIANT == 1
#define KVS_NO_LOG_STRINGS 1
#define KVS_LOG_LEVEL_MAX KVS_LOG_WARN
#else
#define KVS_LOG_LEVEL_MAX KVS_LOG_TRACE
#endif
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h"
#include <stdio.h>

static int count, last_item, msg_null;
static char last_msg[256];

static void on_log(void *user, int level, int item, const char *msg, int line) {
    (void)user;
    (void)level;
    (void)line;
    count++;
    last_item = item;
    msg_null = msg == NULL;
    snprintf(last_msg, sizeof last_msg, "%s", msg ? msg : "");
}

#define EXPECT(e)                                                                                \
    do {                                                                                         \
        if (!(e)) {                                                                              \
            printf("log_variants %d: %s failed (line %d)\n", VARIANT, #e, __LINE__);            \
            return 1;                                                                            \
        }                                                                                        \
    } while (0)

int main(void) {
    kvs_platform pf;
    kvs__log lg;
    memset(&pf, 0, sizeof pf);
    pf.log = on_log;
    kvs__log_init(&lg, &pf, NULL, KVS_LOG_TRACE);
#if VARIANT == 1
    KVS__LOG_INFO(&lg, CLIENT_INIT);
    KVS__LOGF_DEBUG(&lg, CLIENT_INIT, "%d", 1);
    EXPECT(count == 0);
    KVS__LOGF_WARN(&lg, MEM_LIMIT, "%d bytes", 5);
    EXPECT(count == 1 && last_item == KVS_LOG_MEM_LIMIT && msg_null);
    KVS__LOG_ERROR(&lg, RANDOM_FAILED);
    EXPECT(count == 2 && last_item == KVS_LOG_RANDOM_FAILED && msg_null);
    EXPECT(strcmp(kvs_log_item_str(KVS_LOG_MEM_LIMIT), "") == 0);
#else
    {
        static const unsigned char bytes[20] = "0123456789abcdefghi";
        KVS__LOGF_TRACE(&lg, CLIENT_INIT, "%s", "trace");
        EXPECT(count == 1 && strcmp(last_msg, "client initialised: trace") == 0);
        kvs__log_hexdump(&lg, KVS_LOG_CLIENT_INIT, bytes, sizeof bytes);
        EXPECT(count == 3); /* two lines of 16 bytes at most */
        EXPECT(strncmp(last_msg, "0010: 67 68 69 00", 17) == 0);
        EXPECT(strstr(last_msg, "ghi.") != NULL);
    }
#endif
    printf("log_variants %d: ok\n", VARIANT);
    return 0;
}
