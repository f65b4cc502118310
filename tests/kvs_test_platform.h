/* A deterministic platform for unit tests: a virtual clock, the seeded RNG of >>testing, a
   counting allocator and a log recorder. */
#ifndef KVS_TEST_PLATFORM_H
#define KVS_TEST_PLATFORM_H

typedef struct kvs_tp {
    kvs_time now;
    int64_t unix_time;
    kvs_testing_rng rng;
    /* counting allocator */
    size_t live_bytes, peak_bytes;
    unsigned long allocs, frees;
    int free_saw_fill;     /* every freed payload carried the 0x55 fill */
    int free_size_matched; /* the size given to free matched the size given to alloc */
    /* log recorder */
    int log_count;
    int last_level, last_item, last_line;
    char last_msg[512];
    int last_msg_null;
    /* a hook run inside the log callback (re-entry tests) */
    void (*on_log)(struct kvs_tp *tp);
    kvs_client *client;
} kvs_tp;

KVS_TEST_UNUSED static kvs_time kvs_tp_now(void *user) {
    return ((kvs_tp *)user)->now;
}
KVS_TEST_UNUSED static int64_t kvs_tp_unix_time(void *user) {
    return ((kvs_tp *)user)->unix_time;
}

/* Blocks carry their size in front so free can check what it is told. */
KVS_TEST_UNUSED static void *kvs_tp_alloc(void *user, size_t n) {
    kvs_tp *tp = (kvs_tp *)user;
    size_t *p = (size_t *)malloc(n + 16);
    if (!p)
        return NULL;
    p[0] = n;
    tp->live_bytes += n;
    if (tp->live_bytes > tp->peak_bytes)
        tp->peak_bytes = tp->live_bytes;
    tp->allocs++;
    return (char *)p + 16;
}
KVS_TEST_UNUSED static void kvs_tp_free(void *user, void *q, size_t n) {
    kvs_tp *tp = (kvs_tp *)user;
    size_t *p = (size_t *)(void *)((char *)q - 16);
    size_t i, hdr = sizeof(kvs__mem_hdr);
    if (p[0] != n)
        tp->free_size_matched = 0;
    for (i = hdr; i < n; i++)
        if (((unsigned char *)q)[i] != 0x55)
            tp->free_saw_fill = 0;
    tp->live_bytes -= p[0];
    tp->frees++;
    free(p);
}

KVS_TEST_UNUSED static void kvs_tp_log(void *user, int level, int item, const char *msg, int line) {
    kvs_tp *tp = (kvs_tp *)user;
    tp->log_count++;
    tp->last_level = level;
    tp->last_item = item;
    tp->last_line = line;
    tp->last_msg_null = msg == NULL;
    snprintf(tp->last_msg, sizeof tp->last_msg, "%s", msg ? msg : "");
    if (tp->on_log)
        tp->on_log(tp);
}

KVS_TEST_UNUSED static int kvs_tp_random(void *user, void *buf, size_t len) {
    return kvs_testing_random(&((kvs_tp *)user)->rng, buf, len);
}

/* A platform with every test callback; alloc/free counting when counting != 0. */
KVS_TEST_UNUSED static void kvs_tp_init(kvs_tp *tp, kvs_platform *pf, uint64_t seed, int counting) {
    memset(tp, 0, sizeof *tp);
    memset(pf, 0, sizeof *pf);
    tp->now = KVS_SEC(1000);
    tp->unix_time = 1735689600; /* 2025-01-01T00:00:00Z */
    tp->free_saw_fill = 1;
    tp->free_size_matched = 1;
    kvs_testing_rng_seed(&tp->rng, seed);
    pf->user = tp;
    pf->now = kvs_tp_now;
    pf->unix_time = kvs_tp_unix_time;
    pf->random = kvs_tp_random;
    pf->log = kvs_tp_log;
    if (counting) {
        pf->alloc = kvs_tp_alloc;
        pf->free = kvs_tp_free;
    }
}

#endif
