/* Compile check: the public half alone, as a user's other files see it. */
#include "../../kvswebrtc.h"

int kvs_compile_check_header_only(void);
int kvs_compile_check_header_only(void) {
    kvs_addr a;
    kvs_event ev;
    kvs_config cfg;
    kvs_client client;
    kvs_time t = KVS_MSEC(5) + KVS_SEC(1);
    memset(&a, 0, sizeof a);
    memset(&ev, 0, sizeof ev);
    memset(&cfg, 0, sizeof cfg);
    memset(&client, 0, sizeof client);
    return (int)(t != KVS_TIME_NEVER) + (int)sizeof(kvs_platform) + (int)KVS_ERR_AGAIN;
}
