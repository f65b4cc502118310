/* >>mem: accounting, limit, fill patterns, alignment, fault injection, leak report. */

static void test_mem_accounting(void) {
    kvs_tp tp;
    kvs_platform pf;
    kvs_config cfg;
    kvs_client c;
    kvs_memory_stats st;
    void *a, *b, *z;
    kvs_tp_init(&tp, &pf, 1, 1);
    memset(&cfg, 0, sizeof cfg);
    CHECK_EQ(kvs_client_init(&c, &cfg, &pf), KVS_OK);
    a = kvs__mem_alloc(&c.priv.mem, 100);
    b = kvs__mem_calloc(&c.priv.mem, 28);
    z = kvs__mem_alloc(&c.priv.mem, 0);
    CHECK(a && b && z);
    CHECK_EQ(((uintptr_t)a) % 16u, 0);
    CHECK_EQ(((uintptr_t)b) % 16u, 0);
    CHECK_EQ(((unsigned char *)a)[0], 0xAA); /* debug fill of new blocks */
    CHECK_EQ(((unsigned char *)a)[99], 0xAA);
    CHECK_EQ(((unsigned char *)b)[27], 0);
    CHECK_EQ(kvs_client_memory_stats(&c, &st), KVS_OK);
    CHECK_EQ(st.current, 128);
    CHECK_EQ(st.peak, 128);
    CHECK_EQ(st.allocations, 3);
    CHECK_EQ(st.failures, 0);
    CHECK_EQ(tp.live_bytes, 128 + 3 * sizeof(kvs__mem_hdr)); /* every byte went through pf.alloc */
    kvs__mem_free(&c.priv.mem, a);
    kvs__mem_free(&c.priv.mem, NULL);
    CHECK_EQ(kvs_client_memory_stats(&c, &st), KVS_OK);
    CHECK_EQ(st.current, 28);
    CHECK_EQ(st.peak, 128);
    kvs__mem_free(&c.priv.mem, b);
    kvs__mem_free(&c.priv.mem, z);
    CHECK(tp.free_saw_fill); /* freed payloads were overwritten with 0x55 */
    CHECK(tp.free_size_matched);
    kvs_client_deinit(&c);
    CHECK_EQ(tp.live_bytes, 0);
    CHECK_EQ(tp.allocs, tp.frees);
}

static void test_mem_limit(void) {
    kvs_tp tp;
    kvs_platform pf;
    kvs_config cfg;
    kvs_client c;
    kvs_memory_stats st;
    void *a, *b;
    kvs_tp_init(&tp, &pf, 1, 1);
    memset(&cfg, 0, sizeof cfg);
    cfg.memory_limit = 1000;
    CHECK_EQ(kvs_client_init(&c, &cfg, &pf), KVS_OK);
    a = kvs__mem_alloc(&c.priv.mem, 600);
    CHECK(a != NULL);
    b = kvs__mem_alloc(&c.priv.mem, 401);
    CHECK(b == NULL);
    CHECK_EQ(kvs_client_last_error_item(&c), KVS_LOG_MEM_LIMIT);
    CHECK_EQ(tp.last_item, KVS_LOG_MEM_LIMIT);
    b = kvs__mem_alloc(&c.priv.mem, 400); /* exactly at the limit */
    CHECK(b != NULL);
    CHECK(kvs__mem_alloc(&c.priv.mem, 1) == NULL);
    CHECK(kvs__mem_alloc(&c.priv.mem, (size_t)-1) == NULL); /* no size overflow */
    CHECK_EQ(kvs_client_memory_stats(&c, &st), KVS_OK);
    CHECK_EQ(st.current, 1000);
    CHECK_EQ(st.limit, 1000);
    CHECK_EQ(st.failures, 3);
    kvs__mem_free(&c.priv.mem, a);
    kvs__mem_free(&c.priv.mem, b);
    kvs_client_deinit(&c);
    CHECK_EQ(tp.live_bytes, 0);
}

static void test_mem_fault_injection(void) {
    kvs_tp tp;
    kvs_platform pf;
    kvs_client c;
    void *p[4];
    kvs_tp_init(&tp, &pf, 1, 1);
    CHECK_EQ(kvs_client_init(&c, NULL, &pf), KVS_OK);
    kvs_testing_fail_alloc(&c, 3);
    p[0] = kvs__mem_alloc(&c.priv.mem, 8);
    p[1] = kvs__mem_alloc(&c.priv.mem, 8);
    p[2] = kvs__mem_alloc(&c.priv.mem, 8); /* the third fails */
    p[3] = kvs__mem_alloc(&c.priv.mem, 8);
    CHECK(p[0] && p[1] && !p[2] && p[3]);
    CHECK_EQ(kvs_client_last_error_item(&c), KVS_LOG_MEM_ALLOC_FAILED);
    kvs__mem_free(&c.priv.mem, p[0]);
    kvs__mem_free(&c.priv.mem, p[1]);
    kvs__mem_free(&c.priv.mem, p[3]);
    kvs_client_deinit(&c);
    CHECK_EQ(tp.live_bytes, 0);
}

static void *kvs_test_null_alloc(void *user, size_t n) {
    (void)user;
    (void)n;
    return NULL;
}

static void test_mem_platform_failure_and_leak(void) {
    kvs_tp tp;
    kvs_platform pf;
    kvs_client c;
    void *p;
    kvs_tp_init(&tp, &pf, 1, 1);
    pf.alloc = kvs_test_null_alloc;
    CHECK_EQ(kvs_client_init(&c, NULL, &pf), KVS_OK);
    CHECK(kvs__mem_alloc(&c.priv.mem, 10) == NULL);
    CHECK_EQ(c.priv.mem.st.failures, 1);
    CHECK_EQ(kvs_client_last_error_item(&c), KVS_LOG_MEM_ALLOC_FAILED);
    kvs_client_deinit(&c);
    /* a block still allocated at deinit is reported (and is the caller's leak) */
    kvs_tp_init(&tp, &pf, 1, 1);
    CHECK_EQ(kvs_client_init(&c, NULL, &pf), KVS_OK);
    p = kvs__mem_alloc(&c.priv.mem, 10);
    CHECK(p != NULL);
    kvs_client_deinit(&c);
    CHECK_EQ(tp.last_item, KVS_LOG_CLIENT_DEINIT);
    CHECK_EQ(tp.log_count, 3); /* init, leak warning, deinit */
    kvs_tp_free(&tp, (kvs__mem_hdr *)p - 1, sizeof(kvs__mem_hdr) + 10);
}

static void test_mem_default_allocator(void) {
    kvs_tp tp;
    kvs_platform pf;
    kvs_client c;
    char *p;
    kvs_tp_init(&tp, &pf, 1, 0); /* no alloc/free: malloc and free */
    CHECK_EQ(kvs_client_init(&c, NULL, &pf), KVS_OK);
    p = (char *)kvs__mem_alloc(&c.priv.mem, 4096);
    CHECK(p != NULL);
    memset(p, 1, 4096);
    CHECK_EQ(c.priv.mem.st.current, 4096);
    kvs__mem_free(&c.priv.mem, p);
    CHECK_EQ(c.priv.mem.st.current, 0);
    kvs_client_deinit(&c);
    /* alloc without free is refused */
    kvs_tp_init(&tp, &pf, 1, 1);
    pf.free = NULL;
    CHECK_EQ(kvs_client_init(&c, NULL, &pf), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_client_last_error_item(&c), KVS_LOG_PLATFORM_ALLOC_PAIR);
}

static const kvs_test_case kvs_tests_mem[] = {
    {"accounting", test_mem_accounting},
    {"limit", test_mem_limit},
    {"fault_injection", test_mem_fault_injection},
    {"platform_failure_and_leak", test_mem_platform_failure_and_leak},
    {"default_allocator", test_mem_default_allocator},
};
