/* >>client and >>api: init / deinit, configuration, platform checks, re-entry, result strings. */

static void test_config_resolve(void) {
    kvs_config in, out;
    memset(&in, 0, sizeof in);
    CHECK_EQ(kvs_config_resolve(&in, &out), KVS_OK);
    CHECK_EQ(out.log_level, KVS_LOG_INFO);
    CHECK_EQ(out.max_peers, KVS_MAX_PEERS);
    CHECK_EQ(out.mtu, 1200);
    CHECK_EQ(out.memory_limit, 0);
    CHECK_EQ(kvs_config_resolve(NULL, &out), KVS_OK);
    CHECK_EQ(out.mtu, 1200);
    CHECK_EQ(kvs_config_resolve(&in, NULL), KVS_ERR_INVALID_ARG);
    in.mtu = 1400;
    in.max_peers = 3;
    in.log_level = KVS_LOG_DEBUG;
    in.memory_limit = 1 << 20;
    CHECK_EQ(kvs_config_resolve(&in, &in), KVS_OK); /* in place */
    CHECK_EQ(in.mtu, 1400);
    CHECK_EQ(in.max_peers, 3);
    CHECK_EQ(in.log_level, KVS_LOG_DEBUG);
    {
        static const int bad[][3] = {/* log_level, max_peers, mtu */
                                     {6, 0, 0},  {-1, 0, 0}, {0, KVS_MAX_PEERS + 1, 0},
                                     {0, -2, 0}, {0, 0, 575}, {0, 0, 65508}};
        size_t i;
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            memset(&in, 0, sizeof in);
            in.log_level = bad[i][0];
            in.max_peers = bad[i][1];
            in.mtu = bad[i][2];
            out.mtu = 7;
            CHECK_EQ(kvs_config_resolve(&in, &out), KVS_ERR_INVALID_ARG);
            CHECK_EQ(out.mtu, 7); /* untouched */
        }
    }
}

static void test_client_init_deinit(void) {
    kvs_tp tp;
    kvs_platform pf;
    kvs_client c;
    kvs_memory_stats st;
    kvs_config cfg;
    kvs_tp_init(&tp, &pf, 1, 1);
    memset(&cfg, 0, sizeof cfg);
    cfg.mtu = 1300;
    CHECK_EQ(kvs_client_init(&c, &cfg, &pf), KVS_OK);
    CHECK_EQ(tp.last_item, KVS_LOG_CLIENT_INIT);
    CHECK(strstr(tp.last_msg, KVS_VERSION_STRING) != NULL);
    CHECK(kvs_client_config(&c) != NULL);
    CHECK_EQ(kvs_client_config(&c)->mtu, 1300);
    CHECK_EQ(kvs_client_config(&c)->max_peers, KVS_MAX_PEERS);
    CHECK_EQ(kvs_client_last_error_item(&c), KVS_LOG_NONE);
    CHECK_EQ(kvs_client_memory_stats(&c, &st), KVS_OK);
    CHECK_EQ(st.current, 0);
    CHECK_EQ(kvs_client_memory_stats(&c, NULL), KVS_ERR_INVALID_ARG);
    kvs_client_deinit(&c);
    CHECK_EQ(tp.last_item, KVS_LOG_CLIENT_DEINIT);
    /* after deinit: refused, and deinit again is harmless */
    CHECK_EQ(kvs_client_memory_stats(&c, &st), KVS_ERR_STATE);
    CHECK(kvs_client_config(&c) == NULL);
    kvs_client_deinit(&c);
    kvs_client_deinit(NULL);
    CHECK_EQ(kvs_client_memory_stats(NULL, &st), KVS_ERR_INVALID_ARG);
    CHECK_EQ(tp.live_bytes, 0);
}

static void test_client_platform_checks(void) {
    kvs_tp tp;
    kvs_platform pf;
    kvs_client c;
    kvs_config cfg;
    kvs_tp_init(&tp, &pf, 1, 0);
    pf.random = NULL;
    CHECK_EQ(kvs_client_init(&c, NULL, &pf), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_client_last_error_item(&c), KVS_LOG_PLATFORM_NO_RANDOM);
    CHECK_EQ(tp.last_item, KVS_LOG_PLATFORM_NO_RANDOM); /* reported through the log too */
    CHECK_EQ(tp.last_level, KVS_LOG_ERROR);
    CHECK(kvs_client_config(&c) == NULL);
    kvs_tp_init(&tp, &pf, 1, 0);
    pf.unix_time = NULL;
    CHECK_EQ(kvs_client_init(&c, NULL, &pf), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_client_last_error_item(&c), KVS_LOG_PLATFORM_NO_CLOCK);
    kvs_tp_init(&tp, &pf, 1, 0);
    pf.now = NULL;
    CHECK_EQ(kvs_client_init(&c, NULL, &pf), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_client_last_error_item(&c), KVS_LOG_PLATFORM_NO_CLOCK);
    kvs_tp_init(&tp, &pf, 1, 0);
    memset(&cfg, 0, sizeof cfg);
    cfg.mtu = 100;
    CHECK_EQ(kvs_client_init(&c, &cfg, &pf), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_client_last_error_item(&c), KVS_LOG_CONFIG_INVALID);
    CHECK(strstr(tp.last_msg, "mtu 100") != NULL);
    CHECK_EQ(kvs_client_init(&c, NULL, NULL), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_client_last_error_item(&c), KVS_LOG_API_NULL_ARG);
    CHECK_EQ(kvs_client_init(NULL, NULL, &pf), KVS_ERR_INVALID_ARG);
    /* the failed client can be deinitialised safely */
    kvs_client_deinit(&c);
}

static int kvs_test_reentry_result;
static void kvs_test_reenter(kvs_tp *tp) {
    kvs_memory_stats st;
    kvs_test_reentry_result = kvs_client_memory_stats(tp->client, &st);
    kvs_client_deinit(tp->client); /* refused: does nothing */
}

static void test_client_reentry(void) {
    kvs_tp tp;
    kvs_platform pf;
    kvs_client c;
    kvs_memory_stats st;
    kvs_tp_init(&tp, &pf, 1, 0);
    tp.on_log = kvs_test_reenter;
    tp.client = &c;
    kvs_test_reentry_result = 99;
    CHECK_EQ(kvs_client_init(&c, NULL, &pf), KVS_OK); /* logs CLIENT_INIT: the hook re-enters */
    CHECK_EQ(kvs_test_reentry_result, KVS_ERR_STATE);
    CHECK_EQ(c.priv.in_callback, 0);
    tp.on_log = NULL;
    CHECK_EQ(kvs_client_memory_stats(&c, &st), KVS_OK); /* still alive */
    kvs_client_deinit(&c);
}

static void test_result_strings(void) {
    CHECK_STR(kvs_result_str(KVS_OK), "success");
    CHECK_STR(kvs_result_str(KVS_ERR_BUFFER_TOO_SMALL), "buffer too small: *out_len holds the size needed");
    CHECK_STR(kvs_result_str(KVS_ERR_NO_MEMORY), "out of memory or over the memory limit");
    CHECK_STR(kvs_result_str((kvs_result)-55), "unknown result");
#define KVS__X(name, value, desc) CHECK_STR(kvs_result_str(KVS_##name), desc);
    KVS_RESULTS(KVS__X)
#undef KVS__X
    CHECK(!kvs_result_is_fatal(KVS_OK));
    CHECK(!kvs_result_is_fatal(KVS_ERR_PARSE));
    CHECK(kvs_result_is_fatal(KVS_ERR_FATAL));
    CHECK(kvs_result_is_fatal(KVS_ERR_NO_MEMORY));
    CHECK(kvs_result_is_fatal(KVS_ERR_CRYPTO));
    CHECK(kvs_result_is_fatal(KVS_ERR_INTERNAL));
    CHECK_STR(kvs_version(), KVS_VERSION_STRING);
    {
        char v[32];
        snprintf(v, sizeof v, "%d.%d.%d", KVS_VERSION_MAJOR, KVS_VERSION_MINOR, KVS_VERSION_PATCH);
        CHECK_STR(v, KVS_VERSION_STRING);
    }
}

static const kvs_test_case kvs_tests_client[] = {
    {"config_resolve", test_config_resolve},
    {"init_deinit", test_client_init_deinit},
    {"platform_checks", test_client_platform_checks},
    {"reentry", test_client_reentry},
    {"result_strings", test_result_strings},
};
