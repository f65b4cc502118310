/* libFuzzer target: the base64 decoder (>>b64).
   Invariants checked beyond memory safety:
   - an accepted input is canonical: re-encoding the bytes gives the input back (with '=' padding
     added when the input had none);
   - the fuzz bytes encoded then decoded come back unchanged. */
#define KVS_TESTING 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static uint8_t dec[1 << 16], enc[(1 << 16) * 2];
    kvs__wr w;
    size_t dlen, elen, i;
    if (size > sizeof dec)
        return 0;
    kvs__wr_init(&w, dec, sizeof dec);
    if (kvs__b64_decode((const char *)data, size, &w) == KVS_OK) {
        if (kvs__wr_result(&w, &dlen) != KVS_OK || dlen > size)
            abort();
        kvs__wr_init(&w, enc, sizeof enc);
        kvs__b64_encode(&w, dec, dlen);
        if (kvs__wr_result(&w, &elen) != KVS_OK || elen < size || elen - size > 2 ||
            memcmp(enc, data, size) != 0)
            abort();
        for (i = size; i < elen; i++)
            if (enc[i] != '=')
                abort();
    } else if (w.len != 0) {
        abort(); /* a refused input wrote nothing */
    }
    /* the other direction: any bytes survive encode + decode */
    kvs__wr_init(&w, enc, sizeof enc);
    kvs__b64_encode(&w, data, size);
    if (kvs__wr_result(&w, &elen) != KVS_OK || elen != kvs__b64_encoded_len(size))
        abort();
    kvs__wr_init(&w, dec, sizeof dec);
    if (kvs__b64_decode((const char *)enc, elen, &w) != KVS_OK || kvs__wr_result(&w, &dlen) != KVS_OK ||
        dlen != size || memcmp(dec, data, size) != 0)
        abort();
    return 0;
}
