/* The unit test binary: the whole implementation compiled in (KVS_TESTING), every section's tests.
   Run with no argument for all, or with section names ("util", "json") or section.case. */
#define KVS_TESTING 1
#define KVS_PLATFORM_POSIX 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../kvswebrtc.h"

#include "kvs_test.h"
#include "kvs_test_platform.h"

#include "test_prelude.c"
#include "test_util.c"
#include "test_log.c"
#include "test_mem.c"
#include "test_crypto.c"
#include "test_cert.c"
#include "test_json.c"
#include "test_b64.c"
#include "test_client.c"
#include "test_dtls.c"
#include "test_dtls_record.c"
#include "test_srtp.c"
#include "test_dtls_srtp.c"
#include "test_sctp.c"
#include "test_dcep.c"
#include "test_tls.c"
#include "test_dtls_sctp.c"
#include "test_stun.c"
#include "test_turn.c"
#include "test_ice.c"
#include "test_sim_net.c"
#include "test_ice_nat.c"
#include "test_sdp.c"
#include "test_peer.c"
#include "test_peer_api.c"
#include "test_plat_posix.c"

int main(int argc, char **argv) {
    static const kvs_test_suite suites[] = {
        KVS_TEST_SUITE("prelude", kvs_tests_prelude), KVS_TEST_SUITE("util", kvs_tests_util),
        KVS_TEST_SUITE("log", kvs_tests_log),         KVS_TEST_SUITE("mem", kvs_tests_mem),
        KVS_TEST_SUITE("crypto", kvs_tests_crypto),   KVS_TEST_SUITE("cert", kvs_tests_cert),
        KVS_TEST_SUITE("json", kvs_tests_json),
        KVS_TEST_SUITE("b64", kvs_tests_b64),         KVS_TEST_SUITE("client", kvs_tests_client),
        KVS_TEST_SUITE("dtls", kvs_tests_dtls),
        KVS_TEST_SUITE("dtls-record", kvs_tests_dtls_record),       KVS_TEST_SUITE("srtp", kvs_tests_srtp),
        KVS_TEST_SUITE("dtls-srtp", kvs_tests_dtls_srtp),
        KVS_TEST_SUITE("sctp", kvs_tests_sctp),       KVS_TEST_SUITE("dcep", kvs_tests_dcep),
        KVS_TEST_SUITE("dtls-sctp", kvs_tests_dtls_sctp), KVS_TEST_SUITE("stun", kvs_tests_stun),
        KVS_TEST_SUITE("turn", kvs_tests_turn),      KVS_TEST_SUITE("ice", kvs_tests_ice),
        KVS_TEST_SUITE("sim-net", kvs_tests_sim_net), KVS_TEST_SUITE("ice-nat", kvs_tests_ice_nat),
        KVS_TEST_SUITE("tls", kvs_tests_tls),         KVS_TEST_SUITE("sdp", kvs_tests_sdp),
        KVS_TEST_SUITE("peer", kvs_tests_peer),       KVS_TEST_SUITE("peer-api", kvs_tests_peer_api),
        KVS_TEST_SUITE("plat-posix", kvs_tests_plat_posix),
    };
    return kvs_test_main(suites, sizeof suites / sizeof suites[0], argc, argv);
}
