/* >>log: items, runtime level, formatting, truncation, last error item. The compile-time ceiling
   and KVS_NO_LOG_STRINGS are checked by tests/compile/log_variants.c. */

static void test_log_items_and_levels(void) {
    kvs_tp tp;
    kvs_platform pf;
    kvs__log lg;
    int guard = 0;
    kvs_tp_init(&tp, &pf, 1, 0);
    kvs__log_init(&lg, &pf, &guard, KVS_LOG_INFO);
    CHECK_EQ(lg.last_item, KVS_LOG_NONE);
    KVS__LOG_INFO(&lg, CLIENT_INIT);
    CHECK_EQ(tp.log_count, 1);
    CHECK_EQ(tp.last_level, KVS_LOG_INFO);
    CHECK_EQ(tp.last_item, KVS_LOG_CLIENT_INIT);
    CHECK_STR(tp.last_msg, "client initialised");
    CHECK(tp.last_line > 0);
    CHECK_EQ(lg.last_item, KVS_LOG_NONE); /* INFO is not an error */
    /* DEBUG is compiled in under KVS_TESTING but filtered at runtime level INFO */
    KVS__LOG_DEBUG(&lg, CLIENT_INIT);
    CHECK_EQ(tp.log_count, 1);
    lg.level = KVS_LOG_DEBUG;
    KVS__LOG_DEBUG(&lg, CLIENT_INIT);
    CHECK_EQ(tp.log_count, 2);
    /* TRACE is above the ceiling (KVS_LOG_DEBUG under KVS_TESTING): never delivered */
    lg.level = KVS_LOG_TRACE;
    KVS__LOG_TRACE(&lg, CLIENT_INIT);
    KVS__LOGF_TRACE(&lg, CLIENT_INIT, "%d", 1);
    CHECK_EQ(tp.log_count, 2);
    /* errors and warnings are recorded as the last error item */
    KVS__LOG_WARN(&lg, MEM_LIMIT);
    CHECK_EQ(lg.last_item, KVS_LOG_MEM_LIMIT);
    KVS__LOGF_ERROR(&lg, RANDOM_FAILED, "code %d", -9);
    CHECK_EQ(lg.last_item, KVS_LOG_RANDOM_FAILED);
    CHECK_STR(tp.last_msg, "the platform random source failed: code -9");
    CHECK_EQ(tp.last_level, KVS_LOG_ERROR);
    CHECK_EQ(guard, 0);
}

static void test_log_without_callback(void) {
    kvs_platform pf;
    kvs__log lg;
    memset(&pf, 0, sizeof pf);
    kvs__log_init(&lg, &pf, NULL, KVS_LOG_TRACE);
    KVS__LOGF_WARN(&lg, MEM_LIMIT, "%s", "no callback: nothing printed, item kept");
    KVS__LOG_INFO(&lg, CLIENT_INIT);
    CHECK_EQ(lg.last_item, KVS_LOG_MEM_LIMIT);
    kvs__log_init(&lg, NULL, NULL, KVS_LOG_INFO);
    KVS__LOG_ERROR(&lg, API_NULL_ARG);
    CHECK_EQ(lg.last_item, KVS_LOG_API_NULL_ARG);
}

static void test_log_truncation(void) {
    kvs_tp tp;
    kvs_platform pf;
    kvs__log lg;
    char big[600];
    kvs_tp_init(&tp, &pf, 1, 0);
    kvs__log_init(&lg, &pf, NULL, KVS_LOG_INFO);
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    KVS__LOGF_WARN(&lg, MEM_LIMIT, "%s", big);
    CHECK_EQ(strlen(tp.last_msg), KVS_LOG_LINE_MAX - 1);
    CHECK(strcmp(tp.last_msg + KVS_LOG_LINE_MAX - 4, "...") == 0);
    CHECK(strncmp(tp.last_msg, "allocation refused", 18) == 0);
}

static void test_log_strings(void) {
    int i;
    CHECK_STR(kvs_log_item_str(KVS_LOG_NONE), "no detail");
    CHECK_STR(kvs_log_item_str(KVS_LOG_MEM_LIMIT), "allocation refused: it would exceed kvs_config.memory_limit");
    CHECK_STR(kvs_log_item_str(-1), "unknown log item");
    CHECK_STR(kvs_log_item_str(KVS_LOG_ITEM_COUNT_), "unknown log item");
    for (i = 0; i < KVS_LOG_ITEM_COUNT_; i++)
        CHECK(strlen(kvs_log_item_str(i)) > 0);
    CHECK_STR(kvs_log_level_str(KVS_LOG_ERROR), "ERROR");
    CHECK_STR(kvs_log_level_str(KVS_LOG_TRACE), "TRACE");
    CHECK_STR(kvs_log_level_str(0), "?");
    CHECK_STR(kvs_log_level_str(6), "?");
}

static const kvs_test_case kvs_tests_log[] = {
    {"items_and_levels", test_log_items_and_levels},
    {"without_callback", test_log_without_callback},
    {"truncation", test_log_truncation},
    {"strings", test_log_strings},
};
