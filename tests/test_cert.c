/* >>crypto, certificates (>>api-cert): the self-signed certificate read back by BearSSL's X.509
   decoder and verified over its TBS, determinism, the serial rule, UTCTime / GeneralizedTime,
   fingerprints (format, parse, refusals, the Chromium fixture's value), import of OpenSSL-made
   fixtures (tests/vectors/cert, embedded below: PEM as text, DER as hex), PEM export, the DER
   writer and reader, failures and zeroization. */

/* --- fixtures: copies of tests/vectors/cert (see SOURCE there for the OpenSSL commands) ------- */

static const char kvs_tc_ec_cert_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBmTCCAT+gAwIBAgIUa1onc+Z0VRdn0RT5cyw3Av7n67cwCgYIKoZIzj0EAwIw\n"
    "ITEfMB0GA1UEAwwWa3Zzd2VicnRjIHRlc3QgZml4dHVyZTAgFw0yNjExMjQyMzEw\n"
    "NTNaGA8yMTI2MTAzMTIzMTA1M1owITEfMB0GA1UEAwwWa3Zzd2VicnRjIHRlc3Qg\n"
    "Zml4dHVyZTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABCDbdCKP+cpiBneokn9O\n"
    "HrXrf7IxtZRQtjoVFaohgQurJiH78dZ3nxZu3z0S7ayQdtQH9yRyII3giYreaFuW\n"
    "A5mjUzBRMB0GA1UdDgQWBBT7cDe9NFGcEIaCfzpMOGL+flgNBzAfBgNVHSMEGDAW\n"
    "gBT7cDe9NFGcEIaCfzpMOGL+flgNBzAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49\n"
    "BAMCA0gAMEUCIE/CS7SAxkabFEp/nHR6DyJWkxbKKunxa1DRPfDjJOjtAiEArytQ\n"
    "ErN/GS6defJvvPYS/uovjwBhzHGV50JlnFQgzVI=\n"
    "-----END CERTIFICATE-----\n";

static const char kvs_tc_ec_key_sec1_pem[] =
    "-----BEGIN EC PARAMETERS-----\n"
    "BggqhkjOPQMBBw==\n"
    "-----END EC PARAMETERS-----\n"
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIDNM7dykJg1gkBEHspGoVJzjpj76DDEaVHCoY8pVHu4+oAoGCCqGSM49\n"
    "AwEHoUQDQgAEINt0Io/5ymIGd6iSf04etet/sjG1lFC2OhUVqiGBC6smIfvx1nef\n"
    "Fm7fPRLtrJB21Af3JHIgjeCJit5oW5YDmQ==\n"
    "-----END EC PRIVATE KEY-----\n";

static const char kvs_tc_ec_key_pkcs8_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgM0zt3KQmDWCQEQey\n"
    "kahUnOOmPvoMMRpUcKhjylUe7j6hRANCAAQg23Qij/nKYgZ3qJJ/Th6163+yMbWU\n"
    "ULY6FRWqIYELqyYh+/HWd58Wbt89Eu2skHbUB/ckciCN4ImK3mhblgOZ\n"
    "-----END PRIVATE KEY-----\n";

static const char kvs_tc_ec_key_encrypted_pem[] =
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
    "MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAjmwcgNg8w0MAICCAAw\n"
    "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEAo2Wo5XfLg6JD150Lv/BWgEgZDL\n"
    "7CcEGA0ak3Z136mmLDEYY8KGuKMOWyMYfJ+TADZTcXtfXiUG+dWYTLwCApONuE78\n"
    "ZL8yvUB6TZx3o9GC4v+3inOFNvh9KuQc72Txo3MbHAbKNmhEIBwqmTy5RbU3k9wC\n"
    "vdmVb2eD2MRsFdKG9gIyIlvT2XQU/IBkiQeoiof8Piu2tsjiFUd0+MrMgsdq0AU=\n"
    "-----END ENCRYPTED PRIVATE KEY-----\n";

static const char kvs_tc_other_key_pem[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIEaTvuDuS2yyAL4UCp7QUfOSgmyi3kWENO2YLMNQcVUMoAoGCCqGSM49\n"
    "AwEHoUQDQgAEv1qQmKt1vCawZTmHDBwn1g302ZwjkZAj/aYYnLX/xpaL8yYX6n8V\n"
    "yB/LQeBEfecuE5kmRnql1pjSEB9wep3vHg==\n"
    "-----END EC PRIVATE KEY-----\n";

static const char kvs_tc_rsa_cert_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDIzCCAgugAwIBAgIUOm422u/Xt2otdIOOolbdIvFsAG4wDQYJKoZIhvcNAQEL\n"
    "BQAwIDEeMBwGA1UEAwwVa3Zzd2VicnRjIHJzYSBmaXh0dXJlMCAXDTI2MTEyNDIz\n"
    "MTA1M1oYDzIxMjYxMDMxMjMxMDUzWjAgMR4wHAYDVQQDDBVrdnN3ZWJydGMgcnNh\n"
    "IGZpeHR1cmUwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQC1XPvjLG8+\n"
    "kYUFXWAP0I5ZBmNsxMT4wbmNCJJrrT20wXckSqwg0BO5UmnCxHDDQnDDY/5oKogE\n"
    "oylb2zihX/2/pP1sBrMJUQwOSEsypJsj35OGCfiMKg5Ky+lgnqllZIZ0HxxspmnF\n"
    "f7ouXAgrTQV2GvTQLIH+tB8LlRG2pnY0vZPJ+GRv7R+SAFcTSsWX5NPt4682Dv2N\n"
    "TopYptF05JBe7aCQvzTzswd5H+GpbrlMNyFcatNh12P2V3xrDs6zqBKnu3Rwtp6b\n"
    "98WSEz4AaIRuHqA8G7sbcNnICM5DB9Xpny62NnBnj8wWD9sg6vuL9KzasUny12eR\n"
    "OBvI5h36ZUMtAgMBAAGjUzBRMB0GA1UdDgQWBBQ08YupaN0Uf7sxLas/Lls7e4sO\n"
    "bzAfBgNVHSMEGDAWgBQ08YupaN0Uf7sxLas/Lls7e4sObzAPBgNVHRMBAf8EBTAD\n"
    "AQH/MA0GCSqGSIb3DQEBCwUAA4IBAQAK+a7tta7UoZ6ojUop+Ce95I25SBmxEQ0Y\n"
    "3Bej0qRKXghkI6sFoHKjrQzZMn20RfbAejGqRXRz6AtUrdw0jCfxJBZ8Xqao3sPl\n"
    "Rb0Y0Vbtfx4xV5k+mmmdgE6DrePtP8zoSTQfvoM9qcL6AddD0Tp3/SxKNWnXnt+g\n"
    "43B8cObDMS32HUwnih3FVHIjFEv/AxVR0XW4QlY7Y/wCpMOIBxMcVPJMyiTuhknv\n"
    "0nthf+YgTZrABCtBrLNx7fRk5l3/XcBHyO7o1xuunlKzvMIkZHyThow8YoQO1KhK\n"
    "0/FBcKk0eFNC7pn3p6vttzB0u0SZLhDlQZxkNi4INolaX8mAzJ02\n"
    "-----END CERTIFICATE-----\n";

static const char kvs_tc_rsa_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC1XPvjLG8+kYUF\n"
    "XWAP0I5ZBmNsxMT4wbmNCJJrrT20wXckSqwg0BO5UmnCxHDDQnDDY/5oKogEoylb\n"
    "2zihX/2/pP1sBrMJUQwOSEsypJsj35OGCfiMKg5Ky+lgnqllZIZ0HxxspmnFf7ou\n"
    "XAgrTQV2GvTQLIH+tB8LlRG2pnY0vZPJ+GRv7R+SAFcTSsWX5NPt4682Dv2NTopY\n"
    "ptF05JBe7aCQvzTzswd5H+GpbrlMNyFcatNh12P2V3xrDs6zqBKnu3Rwtp6b98WS\n"
    "Ez4AaIRuHqA8G7sbcNnICM5DB9Xpny62NnBnj8wWD9sg6vuL9KzasUny12eROBvI\n"
    "5h36ZUMtAgMBAAECggEAE4qk02oGxImeeSECCEIzDFGdZetfw+Pvz8v0JukARJkx\n"
    "8rWfDVwOPAIuxh8vfUKL7um30FaA2GsSOkUJOY4jw8IN0lV4dhEHCQTuIVNOKhPd\n"
    "i+xIHSYs6w9EorYFz5iAykNN50EZFYA5OeSNtsiyRXMLHOEm0qBq1e8mfPU7uFvk\n"
    "bRRKtKNVpXWtiBg+dKogjJDyFuKblR2XCpnSX+90qS5v5E9ahD8zPTc4pv4nZOxZ\n"
    "gz4nbedtnr+V2tACannsnwHwksWHYKxb5mMlb9kDRPPQZsXbclLtX+iTA5Utwvg9\n"
    "vo7S7teqALBNeTrsAIl8weulw/q4xhkFJoYKYprGYQKBgQDkTTJNSbCQ32iEn1ke\n"
    "62WU4EqPOvCjPsp8nCU+pvlO2O4nYs0b4I38WL8v7appsaDx1ZJLNbBsR0rRsaAN\n"
    "cMqTGd84LWL/J+MxWZtbIdRgEgQN3v7iD7ZKRO4fStWmMPdJLn6ht+taqOQy+QbC\n"
    "D4fOZAIMFgahAg+2e9JNVDZ8cQKBgQDLXe7KyP4Z+H68QZjGc+ve1LMKRYVCAlea\n"
    "FSZFd7KSLmOjNK4KFJ+K5ydmvI2lSOsJtisARrsT9GTUi7j+HLuibpJioQloYL++\n"
    "l2B0f2YBhaDk4+2MRhB0ZqEhV397uF2f7owDoKFQFD/KGwHjn1r3rkzKQ/lCzfSQ\n"
    "KyfnB7KAfQKBgGLV2LUE9d+CGGlx4s8z8WImR6ECTzMc9+RCZQ1elAfCejeq2kj7\n"
    "Sfy5HuvM5D2lnJuVbiQJNjtqEcX+M+AduFU+mhhj7buwtPakaFFnr913bzHiHE4Z\n"
    "pz034i7B4wRzplqUOlYgnU8+VqyKipZwysZbHVfGIVCK5+qEaGL51izBAoGBAMJC\n"
    "Zfma6O7R6e3WEyNuU980+hlTsykMp7VtgnNVFWSBn3ekuKK0dHnwuDhw4DUEZE+Q\n"
    "jZ7j8YvsJezJ0toZhDpyuK4x+ZSU5lQesWpWz4+gn8JE3wLhYpJt/nik5ge+YuCE\n"
    "s4Y7iBvAW/aoubM+41w4SO3k5FMl/PlB4AnV1nLZAoGBAMP8Nk1wuHrQ+GbEGBLq\n"
    "aUu1b1dOqXRtF7XrhzvakovIs54JC5Z9oTNnsrnn1C99PnO/UYX8QVhoYnOVTG0X\n"
    "dFDT1uL4SnTemBIRGSPZvPgkp+t4yGQRSjARW9XUzh4U1kaUPQFAA/zSAmOMzc98\n"
    "jspYbUxjUyf08SnX7TOg3cLh\n"
    "-----END PRIVATE KEY-----\n";

static const char kvs_tc_p384_cert_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB1TCCAVygAwIBAgIUXGuZ8RYRf5hYbrBVEq03kWKuvhcwCgYIKoZIzj0EAwMw\n"
    "ITEfMB0GA1UEAwwWa3Zzd2VicnRjIHAzODQgZml4dHVyZTAgFw0yNjExMjQyMzEw\n"
    "NTNaGA8yMTI2MTAzMTIzMTA1M1owITEfMB0GA1UEAwwWa3Zzd2VicnRjIHAzODQg\n"
    "Zml4dHVyZTB2MBAGByqGSM49AgEGBSuBBAAiA2IABHuzmGgtUuysLUsBbEEQqR2u\n"
    "7JZsY8M+2+HSRCzE3tUj+2LCpE0F3ehIU/JjAIBwXQE8N1ycGQDfPZ+rPLD9LcYS\n"
    "e1bBsxUifPz85vaVb7zpsoZyiwb7Kh0zABFG0MikW6NTMFEwHQYDVR0OBBYEFJC0\n"
    "8h2CG4kJ86xNgQD+uWunJheqMB8GA1UdIwQYMBaAFJC08h2CG4kJ86xNgQD+uWun\n"
    "JheqMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwMDZwAwZAIwZ53T6c8CRTWy\n"
    "x2jALZtfh1oZ8c0Ga/JKaTbPntRuTXgEK8zdJ9rXScwP4m5N+qY4AjBwXHf0Xfde\n"
    "WIAKr6be15qHgwR7ysVhF5BBD8xNrAmy13kFL6H9QeXtil2qYrGJ1n8=\n"
    "-----END CERTIFICATE-----\n";

static const char kvs_tc_p384_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDC/1HW4c/HIi9UuD6ZG\n"
    "m01MeWGEWaFfl8/kJ+gYAC2wfg3GDee+wnZ47Se4aCZIF6+hZANiAAR7s5hoLVLs\n"
    "rC1LAWxBEKkdruyWbGPDPtvh0kQsxN7VI/tiwqRNBd3oSFPyYwCAcF0BPDdcnBkA\n"
    "3z2fqzyw/S3GEntWwbMVInz8/Ob2lW+86bKGcosG+yodMwARRtDIpFs=\n"
    "-----END PRIVATE KEY-----\n";

static const char kvs_tc_ec_cert_der_hex[] =
    "308201993082013fa00302010202146b5a2773e674551767d114f9732c3702fee7ebb7300a06082a8648ce3d"
    "0403023021311f301d06035504030c166b7673776562727463207465737420666978747572653020170d3236"
    "313132343233313035335a180f32313236313033313233313035335a3021311f301d06035504030c166b7673"
    "776562727463207465737420666978747572653059301306072a8648ce3d020106082a8648ce3d0301070342"
    "000420db74228ff9ca620677a8927f4e1eb5eb7fb231b59450b63a1515aa21810bab2621fbf1d6779f166edf"
    "3d12edac9076d407f72472208de0898ade685b960399a3533051301d0603551d0e04160414fb7037bd34519c"
    "1086827f3a4c3862fe7e580d07301f0603551d23041830168014fb7037bd34519c1086827f3a4c3862fe7e58"
    "0d07300f0603551d130101ff040530030101ff300a06082a8648ce3d040302034800304502204fc24bb480c6"
    "469b144a7f9c747a0f22569316ca2ae9f16b50d13df0e324e8ed022100af2b5012b37f192e9d79f26fbcf612"
    "feea2f8f0061cc7195e742659c5420cd52";

static const char kvs_tc_ec_key_sec1_der_hex[] =
    "30770201010420334ceddca4260d60901107b291a8549ce3a63efa0c311a5470a863ca551eee3ea00a06082a"
    "8648ce3d030107a1440342000420db74228ff9ca620677a8927f4e1eb5eb7fb231b59450b63a1515aa21810b"
    "ab2621fbf1d6779f166edf3d12edac9076d407f72472208de0898ade685b960399";

static const char kvs_tc_ec_key_pkcs8_der_hex[] =
    "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420334ceddca4260d60"
    "901107b291a8549ce3a63efa0c311a5470a863ca551eee3ea1440342000420db74228ff9ca620677a8927f4e"
    "1eb5eb7fb231b59450b63a1515aa21810bab2621fbf1d6779f166edf3d12edac9076d407f72472208de0898a"
    "de685b960399";

/* `openssl x509 -in ec_cert.pem -noout -fingerprint -sha256` */
static const char kvs_tc_ec_cert_fp_openssl[] =
    "sha256 Fingerprint=11:5B:08:2E:00:4D:F1:48:51:39:A8:91:63:E2:C0:D7:DF:92:1D:AE:BD:70:20:2C:"
    "33:27:07:5D:AF:6C:29:52";
/* `openssl ec -in ec_key_sec1.pem -pubout -outform DER | tail -c 65` */
static const char kvs_tc_ec_pub_hex[] =
    "0420db74228ff9ca620677a8927f4e1eb5eb7fb231b59450b63a1515aa21810bab2621fbf1d6779f166edf3d12ed"
    "ac9076d407f72472208de0898ade685b960399";
/* The a=fingerprint value of a Chromium offer (fixture chromium-offer-video-audio-datachannel.sdp,
   line 14) and its bytes. */
static const char kvs_tc_chromium_fp[] =
    "sha-256 4E:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67:C3:2B:BB:3F:F6:14:5E:A6:"
    "57:CD:3E:59";
static const char kvs_tc_chromium_fp_hex[] =
    "4e2d12497c4c73414a767c5a4de5b7d223597067c32bbb3ff6145ea657cd3e59";

/* A key object whose base64 runs on past the key into other data (found by fuzz_cert):
   BearSSL 0.6 crashes if such bytes are pushed into its key decoder after it stopped. */
static const char kvs_tc_key_overrun_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgM0zt3KQmDWCQEQey\n"
    "kahUnOOmPvoMMRpUcKhjylUe7j6hRANCAAQg23Qij/nKYgZ3qJJ/Th6163+yMbWU\n"
    "ULY6FRWqIYELqyYh+/HWd58Wbt89Eu2skHbUB/ckciCN4ImK3mhblgOZCgYIKoZIzj0EAwIw\n"
    "ITEfMB0GA1UEAwwWa3Zzd2VicnRjIHRlc3QgZml4dHVyZTAgFw0yNjExMjQyMzEw\n"
    "NTNaGA8yMTI2MTAzMTIzMTA1M1owITEfMB0GA1UEAwwWa3Zzd2VicnRjIHRlc3Qg\n"
    "Zml8dHVyZTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABCDbdCKP+cpiBneokn9O\n"
    "HrXrf7IxtZRQtjoVFaohgQurJiH78dZ3nxZu3z0S7ayQdtQH9yRyII3giYreaFuW\n"
    "A5mjUzBRMB0GA1UdDgQWBBT7cDe9NFGcEIaCfzpMOGL+flgNBzAfBgNVHSMEGDAW\n"
    "gBT7cDe9NFGcEIaCfzpMOGL+flgNBzAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49\n"
    "BAMCA0gAMEUCIE/CS7SAxkabFEp/nHR6DyJWkxbKKunxa1DRPfDjJOjtAiEArytQ\n"
    "ErN/GS6defJvvPYS/uovjwBhzHGV50JlnFQgzVI=\n"
    "-----END CERTIFICATE-----\n";

/* --- helpers ---------------------------------------------------------------------------------- */

static int kvs_tc_all_zero(const void *p, size_t n) {
    const unsigned char *b = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

/* Generate with the test platform at unix time t and seed. */
static kvs_result kvs_tc_gen(kvs_cert *c, uint64_t seed, int64_t t, const char *cn, int days) {
    kvs_tp tp;
    kvs_platform pf;
    kvs_tp_init(&tp, &pf, seed, 0);
    tp.unix_time = t;
    return kvs_cert_generate(c, &pf, cn, days);
}

/* The index-th element inside the tbsCertificate of c (0 = version, 1 = serial, 2 = signature
   algorithm, 3 = issuer, 4 = validity, 5 = subject, 6 = subjectPublicKeyInfo). */
static int kvs_tc_tbs_field(const kvs_cert *c, int index, uint8_t *tag, kvs__rd *body) {
    kvs__rd r, cert, tbs;
    uint8_t t;
    int i;
    kvs__rd_init(&r, c->der, c->der_len);
    if (!kvs__crypto_der_next(&r, &t, &cert) || !kvs__crypto_der_next(&cert, &t, &tbs))
        return 0;
    for (i = 0; i <= index; i++)
        if (!kvs__crypto_der_next(&tbs, tag, body))
            return 0;
    return 1;
}

/* The two Time elements of the validity: tags and text. */
static int kvs_tc_validity(const kvs_cert *c, uint8_t tags[2], char nb[16], char na[16]) {
    kvs__rd v, t;
    uint8_t tag;
    int i;
    if (!kvs_tc_tbs_field(c, 4, &tag, &v) || tag != 0x30)
        return 0;
    for (i = 0; i < 2; i++) {
        char *out = i ? na : nb;
        size_t n;
        if (!kvs__crypto_der_next(&v, &tags[i], &t))
            return 0;
        n = kvs__rd_left(&t);
        if (n > 15)
            return 0;
        kvs__rd_bytes(&t, out, n);
        out[n] = 0;
    }
    return kvs__rd_left(&v) == 0;
}

static void kvs_tc_dn_append(void *ctx, const void *buf, size_t len) {
    kvs__wr *w = (kvs__wr *)ctx;
    kvs__wr_bytes(w, buf, len);
}

/* unix seconds to BearSSL's (days since 0000-01-01, seconds in the day) */
static uint32_t kvs_tc_br_days(int64_t t) {
    return (uint32_t)(t / 86400 + 719528);
}
static uint32_t kvs_tc_br_secs(int64_t t) {
    return (uint32_t)(t % 86400);
}

/* A platform whose random source fails from its n-th call on. */
typedef struct kvs_tc_failing {
    kvs_tp tp; /* first: the kvs_tp callbacks take the same user pointer */
    int calls_left;
} kvs_tc_failing;

static int kvs_tc_random_fail_later(void *user, void *buf, size_t len) {
    kvs_tc_failing *f = (kvs_tc_failing *)user;
    if (f->calls_left-- <= 0) {
        memset(buf, 0x77, len);
        return -5;
    }
    return kvs_testing_random(&f->tp.rng, buf, len);
}

/* Import with a fresh kvs_cert filled with junk first; checks that a failure leaves it zeroed. */
static kvs_result kvs_tc_import(kvs_cert *c, const void *cert, size_t cn, const void *key,
                                size_t kn) {
    kvs_result r;
    memset(c, 0xa5, sizeof *c);
    r = kvs_cert_import(c, cert, cn, key, kn);
    if (r != KVS_OK)
        CHECK(kvs_tc_all_zero(c, sizeof *c));
    return r;
}

/* --- generation ------------------------------------------------------------------------------- */

static void test_cert_generate_parse_back(void) {
    static const uint8_t dn_want[] = {0x30, 0x14, 0x31, 0x12, 0x30, 0x10, 0x06, 0x03, 0x55,
                                      0x04, 0x03, 0x0c, 0x09, 'k',  'v',  's',  'w',  'e',
                                      'b',  'r',  't',  'c'};
    kvs_cert c;
    br_x509_decoder_context dc;
    const br_x509_pkey *pk;
    kvs__crypto_pubkey pub;
    kvs__rd tbs, sig;
    uint8_t hash[32], dn[128], copy[KVS_CERT_MAX];
    kvs__wr dnw;
    int64_t t = 1735689600; /* 2025-01-01T00:00:00Z */
    CHECK_EQ(kvs_tc_gen(&c, 1, t, NULL, 0), KVS_OK);
    CHECK(c.der_len > 250 && c.der_len < 400);
    CHECK(kvs_tc_all_zero(c.der + c.der_len, sizeof c.der - c.der_len));
    CHECK_EQ(c.pub[0], 0x04);
    CHECK(!kvs_tc_all_zero(c.key, 32));
    /* BearSSL's decoder reads it back */
    kvs__wr_init(&dnw, dn, sizeof dn);
    br_x509_decoder_init(&dc, kvs_tc_dn_append, &dnw);
    br_x509_decoder_push(&dc, c.der, c.der_len);
    CHECK_EQ(br_x509_decoder_last_error(&dc), 0);
    pk = br_x509_decoder_get_pkey(&dc);
    CHECK(pk != NULL);
    if (pk) {
        CHECK_EQ(pk->key_type, BR_KEYTYPE_EC);
        CHECK_EQ(pk->key.ec.curve, BR_EC_secp256r1);
        CHECK_EQ(pk->key.ec.qlen, 65);
        CHECK_MEM(pk->key.ec.q, c.pub, 65);
    }
    CHECK_EQ(br_x509_decoder_get_signer_key_type(&dc), BR_KEYTYPE_EC);
    CHECK_EQ(br_x509_decoder_get_signer_hash_id(&dc), br_sha256_ID);
    CHECK_EQ(br_x509_decoder_isCA(&dc), 0);
    CHECK_EQ(dc.notbefore_days, kvs_tc_br_days(t - 86400));
    CHECK_EQ(dc.notbefore_seconds, kvs_tc_br_secs(t - 86400));
    CHECK_EQ(dc.notafter_days, kvs_tc_br_days(t + 30 * 86400));
    CHECK_EQ(dc.notafter_seconds, kvs_tc_br_secs(t + 30 * 86400));
    CHECK_EQ(dnw.len, sizeof dn_want); /* the subject: CN=kvswebrtc as a UTF8String */
    CHECK_MEM(dn, dn_want, sizeof dn_want);
    /* the signature over the TBS verifies with the certificate's own key */
    CHECK_EQ(kvs__crypto_cert_pubkey(c.der, c.der_len, &pub), KVS_OK);
    CHECK_EQ(pub.type, KVS__CRYPTO_KEY_EC);
    CHECK_EQ(kvs__crypto_cert_split(c.der, c.der_len, &tbs, &sig), KVS_OK);
    CHECK(tbs.p > c.der && tbs.end < c.der + c.der_len);
    kvs__crypto_sha256(tbs.p, kvs__rd_left(&tbs), hash);
    CHECK_EQ(kvs__crypto_verify(&pub, KVS__CRYPTO_SIG_ECDSA_SHA256, hash, sig.p,
                                kvs__rd_left(&sig)),
             KVS_OK);
    /* one flipped bit in the TBS: the signature no longer verifies */
    memcpy(copy, c.der, c.der_len);
    copy[(size_t)(tbs.p - c.der) + 40] ^= 1;
    kvs__crypto_sha256(copy + (tbs.p - c.der), kvs__rd_left(&tbs), hash);
    CHECK_EQ(kvs__crypto_verify(&pub, KVS__CRYPTO_SIG_ECDSA_SHA256, hash, sig.p,
                                kvs__rd_left(&sig)),
             KVS_ERR_AUTH);
    /* the fingerprint is SHA-256 over the DER */
    kvs__crypto_sha256(c.der, c.der_len, hash);
    CHECK_MEM(hash, c.fingerprint, 32);
    /* and the private key is the certificate's */
    {
        br_ec_private_key k;
        uint8_t q[65];
        k.curve = BR_EC_secp256r1;
        k.x = c.key;
        k.xlen = 32;
        CHECK_EQ(br_ec_compute_pub(br_ec_get_default(), NULL, q, &k), 65);
        CHECK_MEM(q, c.pub, 65);
    }
    kvs_cert_clear(&c);
}

static void test_cert_generate_profile(void) {
    static const uint8_t v3[] = {0x02, 0x01, 0x02};
    static const uint8_t alg[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
    static const uint8_t spki[] = {0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                                   0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                                   0x03, 0x01, 0x07, 0x03, 0x42, 0x00};
    kvs_cert c;
    kvs__rd body, r, cert, tbs, issuer, subject;
    uint8_t tag;
    CHECK_EQ(kvs_tc_gen(&c, 2, 1735689600, "camera-1", 7), KVS_OK);
    /* the outer structure: exactly three elements, nothing after */
    kvs__rd_init(&r, c.der, c.der_len);
    CHECK(kvs__crypto_der_next(&r, &tag, &cert) && tag == 0x30 && kvs__rd_left(&r) == 0);
    CHECK(kvs__crypto_der_next(&cert, &tag, &tbs) && tag == 0x30);
    CHECK(kvs__crypto_der_next(&cert, &tag, &body) && tag == 0x30);
    CHECK(kvs__rd_left(&body) == sizeof alg && memcmp(body.p, alg, sizeof alg) == 0);
    CHECK(kvs__crypto_der_next(&cert, &tag, &body) && tag == 0x03);
    CHECK_EQ(kvs__rd_left(&cert), 0);
    /* version [0] EXPLICIT v3 */
    CHECK(kvs_tc_tbs_field(&c, 0, &tag, &body) && tag == 0xa0);
    CHECK(kvs__rd_left(&body) == sizeof v3 && memcmp(body.p, v3, sizeof v3) == 0);
    /* signature algorithm, no parameters */
    CHECK(kvs_tc_tbs_field(&c, 2, &tag, &body) && tag == 0x30);
    CHECK(kvs__rd_left(&body) == sizeof alg && memcmp(body.p, alg, sizeof alg) == 0);
    /* issuer == subject == CN=camera-1 */
    CHECK(kvs_tc_tbs_field(&c, 3, &tag, &issuer) && tag == 0x30);
    CHECK(kvs_tc_tbs_field(&c, 5, &tag, &subject) && tag == 0x30);
    CHECK(kvs__rd_left(&issuer) == 19 && kvs__rd_left(&subject) == 19);
    CHECK(memcmp(issuer.p, subject.p, 19) == 0);
    CHECK(memcmp(issuer.p + 11, "camera-1", 8) == 0 && issuer.p[9] == 0x0c);
    /* SPKI: id-ecPublicKey, secp256r1, the point */
    CHECK(kvs_tc_tbs_field(&c, 6, &tag, &body) && tag == 0x30);
    CHECK(kvs__rd_left(&body) == sizeof spki + 65);
    CHECK(memcmp(body.p, spki, sizeof spki) == 0 && memcmp(body.p + sizeof spki, c.pub, 65) == 0);
    /* no extensions, nothing after the SPKI */
    CHECK(!kvs_tc_tbs_field(&c, 7, &tag, &body));
    kvs_cert_clear(&c);
}

static void test_cert_generate_deterministic(void) {
    kvs_cert a, b;
    CHECK_EQ(kvs_tc_gen(&a, 7, 1735689600, NULL, 0), KVS_OK);
    CHECK_EQ(kvs_tc_gen(&b, 7, 1735689600, NULL, 0), KVS_OK);
    CHECK_EQ(a.der_len, b.der_len);
    CHECK(memcmp(&a, &b, sizeof a) == 0); /* every byte: DER, key, point, fingerprint */
    CHECK_EQ(kvs_tc_gen(&b, 8, 1735689600, NULL, 0), KVS_OK);
    CHECK(memcmp(a.key, b.key, 32) != 0);
    CHECK(memcmp(a.fingerprint, b.fingerprint, 32) != 0);
    CHECK(a.der_len != b.der_len || memcmp(a.der, b.der, a.der_len) != 0);
    /* same seed, another second: same key, another certificate */
    CHECK_EQ(kvs_tc_gen(&b, 7, 1735689601, NULL, 0), KVS_OK);
    CHECK_MEM(a.key, b.key, 32);
    CHECK(memcmp(a.fingerprint, b.fingerprint, 32) != 0);
    kvs_cert_clear(&a);
    kvs_cert_clear(&b);
}

static void test_cert_serial_rule(void) {
    /* the rule: exactly 16 content bytes, first byte 0x40..0x7f (positive, no needless 0x00) */
    kvs_cert c;
    kvs__rd body;
    uint8_t tag, first_or = 0, first_and = 0xff, prev[16];
    uint64_t seed;
    int differ = 0;
    memset(prev, 0, sizeof prev);
    for (seed = 1; seed <= 64; seed++) {
        CHECK_EQ(kvs_tc_gen(&c, seed, 1735689600, NULL, 0), KVS_OK);
        CHECK(kvs_tc_tbs_field(&c, 1, &tag, &body) && tag == 0x02);
        CHECK_EQ(kvs__rd_left(&body), 16);
        CHECK(body.p[0] >= 0x40 && body.p[0] < 0x80);
        first_or |= body.p[0];
        first_and &= body.p[0];
        differ += memcmp(prev, body.p, 16) != 0;
        memcpy(prev, body.p, 16);
    }
    CHECK_EQ(differ, 64);
    CHECK_EQ(first_or, 0x7f); /* the low six bits of the first byte are random too */
    CHECK_EQ(first_and, 0x40);
    kvs_cert_clear(&c);
}

static void test_cert_time_encodings(void) {
    static const struct {
        int64_t now;
        int days;
        uint8_t tag_nb, tag_na;
        const char *nb, *na;
    } v[] = {
        /* 2049-06-01T12:00:00Z + 30 days: both UTCTime */
        {2506161600, 30, 0x17, 0x17, "490531120000Z", "490701120000Z"},
        /* 2049-12-15T00:00:00Z + 30 days: notAfter in 2050, GeneralizedTime */
        {2523139200, 30, 0x17, 0x18, "491214000000Z", "20500114000000Z"},
        /* 2050-01-01T00:00:00Z: the day before is still 2049 (UTCTime) */
        {2524608000, 1, 0x17, 0x18, "491231000000Z", "20500102000000Z"},
        /* 2040-02-29T23:59:59Z, a year: past 2038, a leap day */
        {2214172799, 365, 0x17, 0x17, "400228235959Z", "410228235959Z"},
        /* the clock at the epoch: notBefore cannot go before 1970 */
        {0, 1, 0x17, 0x17, "700101000000Z", "700102000000Z"},
        {43200, 1, 0x17, 0x17, "700101000000Z", "700102120000Z"},
        /* 2025-01-01T00:00:00Z, the maximum validity */
        {1735689600, 3650, 0x17, 0x17, "241231000000Z", "341230000000Z"},
        /* the last day representable */
        {253399622400, 30, 0x18, 0x18, "99991130000000Z", "99991231000000Z"},
    };
    size_t i;
    kvs_cert c;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t tags[2];
        char nb[16], na[16];
        br_x509_decoder_context dc;
        int64_t nbt = v[i].now >= 86400 ? v[i].now - 86400 : 0;
        int64_t nat = v[i].now + (int64_t)v[i].days * 86400;
        CHECK_EQ(kvs_tc_gen(&c, 3, v[i].now, NULL, v[i].days), KVS_OK);
        CHECK(kvs_tc_validity(&c, tags, nb, na));
        CHECK_EQ(tags[0], v[i].tag_nb);
        CHECK_EQ(tags[1], v[i].tag_na);
        CHECK_STR(nb, v[i].nb);
        CHECK_STR(na, v[i].na);
        br_x509_decoder_init(&dc, NULL, NULL);
        br_x509_decoder_push(&dc, c.der, c.der_len);
        CHECK_EQ(br_x509_decoder_last_error(&dc), 0);
        CHECK_EQ(dc.notbefore_days, kvs_tc_br_days(nbt));
        CHECK_EQ(dc.notbefore_seconds, kvs_tc_br_secs(nbt));
        CHECK_EQ(dc.notafter_days, kvs_tc_br_days(nat));
        CHECK_EQ(dc.notafter_seconds, kvs_tc_br_secs(nat));
    }
    /* one day past 9999-12-31, or a clock before 1970: refused */
    CHECK_EQ(kvs_tc_gen(&c, 3, 253399622400, NULL, 32), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_tc_gen(&c, 3, 253402300800, NULL, 1), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_tc_gen(&c, 3, -1, NULL, 1), KVS_ERR_INVALID_ARG);
    CHECK(kvs_tc_all_zero(&c, sizeof c));
}

static void test_cert_common_name(void) {
    static const char *const ok[] = {
        "a", "WebRTC", "Cam\xc3\xa9ra \xc3\xa9t\xc3\xa9 \xf0\x9f\x93\xb7", /* e-acute, U+1F4F7 */
        "\xe2\x82\xac uro", "\xc2\xa0nbsp", "~!#$%&'()*+,-./:;<=>?@[\\]^_`{|}",
    };
    static const char *const bad[] = {
        "", "tab\there", "nl\n", "del\x7f", "\x01", "\xc3",        /* truncated */
        "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xf0\x80\x80\x80", /* overlong */
        "\xed\xa0\x80",                                             /* a surrogate */
        "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\x80",     /* > U+10FFFF, stray */
        "\xc2\x80", "\xc2\x9f",                                     /* C1 controls */
        "\xe2\x82", "\xe2\x82x",
    };
    char cn[300];
    kvs_cert c;
    kvs__rd body;
    uint8_t tag;
    size_t i;
    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        CHECK_EQ(kvs_tc_gen(&c, 4, 1735689600, ok[i], 0), KVS_OK);
        CHECK(kvs_tc_tbs_field(&c, 5, &tag, &body));
        CHECK(kvs__rd_left(&body) == 11 + strlen(ok[i]));
        CHECK(memcmp(body.p + 11, ok[i], strlen(ok[i])) == 0);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&c, 0x5a, sizeof c);
        CHECK_EQ(kvs_tc_gen(&c, 4, 1735689600, bad[i], 0), KVS_ERR_INVALID_ARG);
        CHECK(kvs_tc_all_zero(&c, sizeof c));
    }
    /* 64 characters: fine, 65: too long; 64 four-byte characters: the largest certificate */
    memset(cn, 'x', 64);
    cn[64] = 0;
    CHECK_EQ(kvs_tc_gen(&c, 4, 1735689600, cn, 0), KVS_OK);
    cn[64] = 'x';
    cn[65] = 0;
    CHECK_EQ(kvs_tc_gen(&c, 4, 1735689600, cn, 0), KVS_ERR_INVALID_ARG);
    for (i = 0; i < 64; i++)
        memcpy(cn + 4 * i, "\xf4\x8f\xbf\xbd", 4); /* U+10FFFD */
    cn[256] = 0;
    CHECK_EQ(kvs_tc_gen(&c, 4, 1735689600, cn, 0), KVS_OK);
    CHECK(c.der_len > 800 && c.der_len < 900);
    cn[256] = 'x';
    cn[257] = 0;
    CHECK_EQ(kvs_tc_gen(&c, 4, 1735689600, cn, 0), KVS_ERR_INVALID_ARG);
    kvs_cert_clear(&c);
}

static void test_cert_generate_failures(void) {
    kvs_tp tp;
    kvs_platform pf;
    kvs_tc_failing f;
    kvs_cert c;
    int n;
    kvs_tp_init(&tp, &pf, 5, 0);
    CHECK_EQ(kvs_cert_generate(NULL, &pf, NULL, 0), KVS_ERR_INVALID_ARG);
    memset(&c, 0x5a, sizeof c);
    CHECK_EQ(kvs_cert_generate(&c, NULL, NULL, 0), KVS_ERR_INVALID_ARG);
    CHECK(kvs_tc_all_zero(&c, sizeof c));
    /* validity_days */
    CHECK_EQ(kvs_cert_generate(&c, &pf, NULL, -1), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_cert_generate(&c, &pf, NULL, 3651), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_cert_generate(&c, &pf, NULL, 3650), KVS_OK);
    /* no random source: refused, never a fallback */
    pf.random = NULL;
    memset(&c, 0x5a, sizeof c);
    CHECK_EQ(kvs_cert_generate(&c, &pf, NULL, 0), KVS_ERR_INVALID_ARG);
    CHECK(kvs_tc_all_zero(&c, sizeof c));
    kvs_tp_init(&tp, &pf, 5, 0);
    pf.unix_time = NULL;
    CHECK_EQ(kvs_cert_generate(&c, &pf, NULL, 0), KVS_ERR_INVALID_ARG);
    /* a failing source: KVS_ERR_CRYPTO, nothing left behind, the reason logged */
    kvs_tp_init(&tp, &pf, 5, 0);
    tp.rng.fail = 1;
    memset(&c, 0x5a, sizeof c);
    CHECK_EQ(kvs_cert_generate(&c, &pf, NULL, 0), KVS_ERR_CRYPTO);
    CHECK(kvs_tc_all_zero(&c, sizeof c));
    CHECK_EQ(tp.last_item, KVS_LOG_RANDOM_FAILED);
    /* failing at the first, second, ... call (serial, key seed, ...) */
    for (n = 0; n < 2; n++) {
        kvs_tp_init(&f.tp, &pf, 5, 0);
        pf.user = &f;
        pf.random = kvs_tc_random_fail_later;
        f.calls_left = n;
        memset(&c, 0x5a, sizeof c);
        CHECK_EQ(kvs_cert_generate(&c, &pf, NULL, 0), KVS_ERR_CRYPTO);
        CHECK(kvs_tc_all_zero(&c, sizeof c));
    }
    f.calls_left = 2; /* enough */
    CHECK_EQ(kvs_cert_generate(&c, &pf, NULL, 0), KVS_OK);
    kvs_cert_clear(&c);
}

static void test_cert_clear(void) {
    kvs_cert c;
    CHECK_EQ(kvs_tc_gen(&c, 6, 1735689600, NULL, 0), KVS_OK);
    CHECK(!kvs_tc_all_zero(c.key, sizeof c.key));
    kvs_cert_clear(&c);
    CHECK(kvs_tc_all_zero(&c, sizeof c));
    kvs_cert_clear(NULL);
    /* a cleared certificate is "no certificate" */
    CHECK_EQ(kvs_cert_fingerprint_str(&c, NULL, 0, NULL), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_cert_export_pem(&c, NULL, 0, NULL), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_cert_export_key_pem(&c, NULL, 0, NULL), KVS_ERR_INVALID_ARG);
}

/* --- fingerprints ----------------------------------------------------------------------------- */

static void test_cert_fingerprint_str(void) {
    kvs_cert c;
    char s[KVS_FINGERPRINT_STRLEN + 8];
    uint8_t back[32];
    size_t n = 0, i;
    CHECK_EQ(kvs_tc_gen(&c, 9, 1735689600, NULL, 0), KVS_OK);
    CHECK_EQ(kvs_cert_fingerprint_str(&c, s, sizeof s, &n), KVS_OK);
    CHECK_EQ(n, 103);
    CHECK_EQ(strlen(s), 103);
    CHECK(memcmp(s, "sha-256 ", 8) == 0);
    for (i = 8; i < 103; i++) {
        if ((i - 8) % 3 == 2)
            CHECK_EQ(s[i], ':');
        else
            CHECK((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F'));
    }
    CHECK_EQ(kvs_fingerprint_parse(s, n, back), KVS_OK);
    CHECK_MEM(back, c.fingerprint, 32);
    /* sizing: exactly KVS_FINGERPRINT_STRLEN */
    CHECK_EQ(kvs_cert_fingerprint_str(&c, s, KVS_FINGERPRINT_STRLEN, &n), KVS_OK);
    CHECK_EQ(kvs_cert_fingerprint_str(&c, NULL, 0, &n), KVS_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ(n, KVS_FINGERPRINT_STRLEN);
    CHECK_EQ(kvs_cert_fingerprint_str(&c, s, KVS_FINGERPRINT_STRLEN - 1, &n),
             KVS_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ(n, KVS_FINGERPRINT_STRLEN);
    CHECK_EQ(strlen(s), KVS_FINGERPRINT_STRLEN - 2); /* a clean, terminated prefix */
    CHECK_EQ(kvs_cert_fingerprint_str(&c, NULL, 5, &n), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_cert_fingerprint_str(NULL, s, sizeof s, &n), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_fingerprint_format(NULL, s, sizeof s, &n), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_fingerprint_format(c.fingerprint, s, sizeof s, NULL), KVS_OK);
    kvs_cert_clear(&c);
}

static void test_cert_fingerprint_parse(void) {
    static const char *const unsupported[] = {
        "sha-1 4E:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67",
        "SHA-1 4e:2d:12:49:7c:4c:73:41:4a:76:7c:5a:4d:e5:b7:d2:23:59:70:67",
        "sha-384 4E:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67:C3:2B:BB:3F:F6:14:"
        "5E:A6:57:CD:3E:59:4E:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2",
        "sha-512 4E:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67:C3:2B:BB:3F:F6:14:"
        "5E:A6:57:CD:3E:59:4E:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67:C3:2B:"
        "BB:3F:F6:14:5E:A6:57:CD:3E:59",
        "md5 4E:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2",
        /* a well-formed value under another name, even of SHA-256's length */
        "sha-224 4E:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67:C3:2B:BB:3F:F6:14:"
        "5E:A6:57:CD:3E:59",
    };
    static const char *const parse[] = {
        "", "sha-256", "sha-256 ", " sha-256 4E:2D", /* leading space */
        /* 31 and 33 bytes */
        "sha-256 4E:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67:C3:2B:BB:3F:F6:14:"
        "5E:A6:57:CD:3E",
        "sha-256 4E:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67:C3:2B:BB:3F:F6:14:"
        "5E:A6:57:CD:3E:59:00",
        /* a missing colon, a doubled one, a trailing one, a leading one */
        "sha-256 4E2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67:C3:2B:BB:3F:F6:14:"
        "5E:A6:57:CD:3E:59",
        "sha-256 4E::2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67:C3:2B:BB:3F:F6:14:"
        "5E:A6:57:CD:3E:59",
        "sha-256 4E:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67:C3:2B:BB:3F:F6:14:"
        "5E:A6:57:CD:3E:59:",
        "sha-256 :4E:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67:C3:2B:BB:3F:F6:14:"
        "5E:A6:57:CD:3E:59",
        /* bad hex, a one-digit group */
        "sha-256 4G:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67:C3:2B:BB:3F:F6:14:"
        "5E:A6:57:CD:3E:59",
        "sha-256 4:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67:C3:2B:BB:3F:F6:14:"
        "5E:A6:57:CD:3E:59",
        /* trailing garbage, trailing space, CR, a second value */
        "sha-256 4E:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67:C3:2B:BB:3F:F6:14:"
        "5E:A6:57:CD:3E:59x",
        "sha-256 4E:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67:C3:2B:BB:3F:F6:14:"
        "5E:A6:57:CD:3E:59 ",
        "sha-256 4E:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67:C3:2B:BB:3F:F6:14:"
        "5E:A6:57:CD:3E:59\r",
        "sha-256 4E:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67:C3:2B:BB:3F:F6:14:"
        "5E:A6:57:CD:3E:59 4E",
        /* no separator, a bad one, a malformed name; malformed values under other names */
        "sha-2564E:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67:C3:2B:BB:3F:F6:14:"
        "5E:A6:57:CD:3E:59",
        "sha-256:4E:2D:12:49:7C:4C:73:41:4A:76:7C:5A:4D:E5:B7:D2:23:59:70:67:C3:2B:BB:3F:F6:14:"
        "5E:A6:57:CD:3E:59",
        "sha\"256 4E:2D", "sha-1 4E:2", "sha-1 ", "sha-1 4E:2D:",
    };
    uint8_t out[32], want[32];
    char buf[200];
    size_t i;
    kvs_test_unhex(kvs_tc_chromium_fp_hex, want, sizeof want);
    /* the Chromium fixture */
    CHECK_EQ(kvs_fingerprint_parse(kvs_tc_chromium_fp, strlen(kvs_tc_chromium_fp), out), KVS_OK);
    CHECK_MEM(out, want, 32);
    /* formatted back: the same text (upper-case hex, single space) */
    CHECK_EQ(kvs_fingerprint_format(out, buf, sizeof buf, NULL), KVS_OK);
    CHECK_STR(buf, kvs_tc_chromium_fp);
    /* lower-case hex, an upper-case name, tabs and several spaces */
    for (i = 0; kvs_tc_chromium_fp[i]; i++)
        buf[i] = (char)kvs__util_lower((unsigned char)kvs_tc_chromium_fp[i]);
    buf[i] = 0;
    memset(out, 0, sizeof out);
    CHECK_EQ(kvs_fingerprint_parse(buf, strlen(buf), out), KVS_OK);
    CHECK_MEM(out, want, 32);
    snprintf(buf, sizeof buf, "SHA-256%s", kvs_tc_chromium_fp + 7);
    CHECK_EQ(kvs_fingerprint_parse(buf, strlen(buf), out), KVS_OK);
    snprintf(buf, sizeof buf, "Sha-256 \t  %s", kvs_tc_chromium_fp + 8);
    CHECK_EQ(kvs_fingerprint_parse(buf, strlen(buf), out), KVS_OK);
    CHECK_MEM(out, want, 32);
    /* length-counted: the bytes after n are never read */
    snprintf(buf, sizeof buf, "%s:FF trailing", kvs_tc_chromium_fp);
    CHECK_EQ(kvs_fingerprint_parse(buf, strlen(kvs_tc_chromium_fp), out), KVS_OK);
    CHECK_MEM(out, want, 32);
    for (i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
        memset(out, 0x11, sizeof out);
        CHECK_EQ(kvs_fingerprint_parse(unsupported[i], strlen(unsupported[i]), out),
                 KVS_ERR_UNSUPPORTED);
        CHECK(kvs_tc_all_zero(out, sizeof out));
    }
    for (i = 0; i < sizeof parse / sizeof parse[0]; i++) {
        kvs_result r;
        memset(out, 0x11, sizeof out);
        r = kvs_fingerprint_parse(parse[i], strlen(parse[i]), out);
        if (r != KVS_ERR_PARSE)
            printf("    case %lu: \"%s\"\n", (unsigned long)i, parse[i]);
        CHECK_EQ(r, KVS_ERR_PARSE);
        CHECK(kvs_tc_all_zero(out, sizeof out));
    }
    /* an embedded NUL is just a bad byte */
    memcpy(buf, kvs_tc_chromium_fp, strlen(kvs_tc_chromium_fp) + 1);
    buf[20] = 0;
    CHECK_EQ(kvs_fingerprint_parse(buf, strlen(kvs_tc_chromium_fp), out), KVS_ERR_PARSE);
    CHECK_EQ(kvs_fingerprint_parse(NULL, 0, out), KVS_ERR_PARSE);
    CHECK_EQ(kvs_fingerprint_parse(NULL, 5, out), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_fingerprint_parse(kvs_tc_chromium_fp, 5, NULL), KVS_ERR_INVALID_ARG);
}

/* --- import ----------------------------------------------------------------------------------- */

static void test_cert_import_forms(void) {
    uint8_t cert_der[600], sec1_der[200], pkcs8_der[200], pub[65], fp[32];
    size_t cert_n, sec1_n, pkcs8_n;
    char s[KVS_FINGERPRINT_STRLEN], want[KVS_FINGERPRINT_STRLEN];
    kvs_cert c, ref;
    struct {
        const void *cert;
        size_t cn;
        const void *key;
        size_t kn;
    } v[6];
    size_t i;
    cert_n = kvs_test_unhex(kvs_tc_ec_cert_der_hex, cert_der, sizeof cert_der);
    sec1_n = kvs_test_unhex(kvs_tc_ec_key_sec1_der_hex, sec1_der, sizeof sec1_der);
    pkcs8_n = kvs_test_unhex(kvs_tc_ec_key_pkcs8_der_hex, pkcs8_der, sizeof pkcs8_der);
    kvs_test_unhex(kvs_tc_ec_pub_hex, pub, sizeof pub);
    /* "sha-256 " + the colon form OpenSSL prints after "sha256 Fingerprint=" */
    snprintf(want, sizeof want, "sha-256 %s", strchr(kvs_tc_ec_cert_fp_openssl, '=') + 1);
    kvs_fingerprint_parse(want, strlen(want), fp);
    v[0].cert = kvs_tc_ec_cert_pem; /* PEM + SEC1 PEM (after an EC PARAMETERS block) */
    v[0].cn = strlen(kvs_tc_ec_cert_pem);
    v[0].key = kvs_tc_ec_key_sec1_pem;
    v[0].kn = strlen(kvs_tc_ec_key_sec1_pem);
    v[1] = v[0]; /* PEM + PKCS#8 PEM */
    v[1].key = kvs_tc_ec_key_pkcs8_pem;
    v[1].kn = strlen(kvs_tc_ec_key_pkcs8_pem);
    v[2].cert = cert_der; /* DER + SEC1 DER */
    v[2].cn = cert_n;
    v[2].key = sec1_der;
    v[2].kn = sec1_n;
    v[3] = v[2]; /* DER + PKCS#8 DER */
    v[3].key = pkcs8_der;
    v[3].kn = pkcs8_n;
    v[4] = v[0]; /* mixed: PEM cert, DER key */
    v[4].key = pkcs8_der;
    v[4].kn = pkcs8_n;
    v[5] = v[2]; /* mixed: DER cert, PEM key */
    v[5].key = kvs_tc_ec_key_sec1_pem;
    v[5].kn = strlen(kvs_tc_ec_key_sec1_pem);
    CHECK_EQ(kvs_tc_import(&ref, v[0].cert, v[0].cn, v[0].key, v[0].kn), KVS_OK);
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        CHECK_EQ(kvs_tc_import(&c, v[i].cert, v[i].cn, v[i].key, v[i].kn), KVS_OK);
        CHECK_EQ(c.der_len, cert_n);
        CHECK_MEM(c.der, cert_der, cert_n);
        CHECK_MEM(c.pub, pub, 65);
        CHECK_MEM(c.fingerprint, fp, 32);
        CHECK_MEM(c.key, ref.key, 32);
        CHECK(memcmp(&c, &ref, sizeof c) == 0);
    }
    /* the fingerprint string equals OpenSSL's, up to the "sha256 Fingerprint=" prefix */
    CHECK_EQ(kvs_cert_fingerprint_str(&c, s, sizeof s, NULL), KVS_OK);
    CHECK_STR(s, want);
    /* PEM without the final newline; a bundle with text around, the first certificate wins */
    {
        char bundle[4096];
        size_t n = strlen(kvs_tc_ec_cert_pem) - 1;
        CHECK_EQ(kvs_tc_import(&c, kvs_tc_ec_cert_pem, n, kvs_tc_ec_key_pkcs8_pem,
                               strlen(kvs_tc_ec_key_pkcs8_pem) - 1),
                 KVS_OK);
        CHECK_MEM(c.fingerprint, fp, 32);
        snprintf(bundle, sizeof bundle, "Subject: CN=fixture\nnot base64 ---\n%s\n%s",
                 kvs_tc_ec_cert_pem, kvs_tc_rsa_cert_pem);
        CHECK_EQ(kvs_tc_import(&c, bundle, strlen(bundle), kvs_tc_ec_key_sec1_pem,
                               strlen(kvs_tc_ec_key_sec1_pem)),
                 KVS_OK);
        CHECK_MEM(c.fingerprint, fp, 32);
        /* a CRLF file */
        for (i = 0, n = 0; kvs_tc_ec_cert_pem[i]; i++) {
            if (kvs_tc_ec_cert_pem[i] == '\n')
                bundle[n++] = '\r';
            bundle[n++] = kvs_tc_ec_cert_pem[i];
        }
        CHECK_EQ(kvs_tc_import(&c, bundle, n, kvs_tc_ec_key_sec1_pem,
                               strlen(kvs_tc_ec_key_sec1_pem)),
                 KVS_OK);
        CHECK_MEM(c.fingerprint, fp, 32);
        for (i = 0, n = 0; kvs_tc_ec_key_sec1_pem[i]; i++) {
            if (kvs_tc_ec_key_sec1_pem[i] == '\n')
                bundle[n++] = '\r';
            bundle[n++] = kvs_tc_ec_key_sec1_pem[i];
        }
        CHECK_EQ(kvs_tc_import(&c, kvs_tc_ec_cert_pem, strlen(kvs_tc_ec_cert_pem), bundle, n),
                 KVS_OK);
        CHECK_MEM(c.fingerprint, fp, 32);
    }
    kvs_cert_clear(&c);
    kvs_cert_clear(&ref);
}

static void test_cert_import_refusals(void) {
    uint8_t cert_der[600], key_der[200], big[KVS_CERT_MAX + 16], sec1[51];
    char *pem;
    size_t cert_n, key_n, pem_n, i;
    kvs_cert c;
    const char *ec = kvs_tc_ec_cert_pem, *eck = kvs_tc_ec_key_sec1_pem;
    size_t ecn = strlen(ec), eckn = strlen(eck);
    cert_n = kvs_test_unhex(kvs_tc_ec_cert_der_hex, cert_der, sizeof cert_der);
    key_n = kvs_test_unhex(kvs_tc_ec_key_sec1_der_hex, key_der, sizeof key_der);
    /* NULL pointers */
    CHECK_EQ(kvs_cert_import(NULL, ec, ecn, eck, eckn), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_tc_import(&c, NULL, 0, eck, eckn), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_tc_import(&c, ec, ecn, NULL, 0), KVS_ERR_INVALID_ARG);
    /* another key: refused as a mismatch */
    CHECK_EQ(kvs_tc_import(&c, ec, ecn, kvs_tc_other_key_pem, strlen(kvs_tc_other_key_pem)),
             KVS_ERR_INVALID_ARG);
    /* RSA and P-384 certificates, RSA / P-384 / encrypted keys */
    CHECK_EQ(kvs_tc_import(&c, kvs_tc_rsa_cert_pem, strlen(kvs_tc_rsa_cert_pem),
                           kvs_tc_rsa_key_pem, strlen(kvs_tc_rsa_key_pem)),
             KVS_ERR_UNSUPPORTED);
    CHECK_EQ(kvs_tc_import(&c, kvs_tc_rsa_cert_pem, strlen(kvs_tc_rsa_cert_pem), eck, eckn),
             KVS_ERR_UNSUPPORTED);
    CHECK_EQ(kvs_tc_import(&c, kvs_tc_p384_cert_pem, strlen(kvs_tc_p384_cert_pem),
                           kvs_tc_p384_key_pem, strlen(kvs_tc_p384_key_pem)),
             KVS_ERR_UNSUPPORTED);
    CHECK_EQ(kvs_tc_import(&c, ec, ecn, kvs_tc_rsa_key_pem, strlen(kvs_tc_rsa_key_pem)),
             KVS_ERR_UNSUPPORTED);
    CHECK_EQ(kvs_tc_import(&c, ec, ecn, kvs_tc_p384_key_pem, strlen(kvs_tc_p384_key_pem)),
             KVS_ERR_UNSUPPORTED);
    CHECK_EQ(kvs_tc_import(&c, ec, ecn, kvs_tc_ec_key_encrypted_pem,
                           strlen(kvs_tc_ec_key_encrypted_pem)),
             KVS_ERR_UNSUPPORTED);
    /* the files swapped, empty input, garbage */
    CHECK_EQ(kvs_tc_import(&c, eck, eckn, ec, ecn), KVS_ERR_PARSE);
    CHECK_EQ(kvs_tc_import(&c, "", 0, eck, eckn), KVS_ERR_PARSE);
    CHECK_EQ(kvs_tc_import(&c, ec, ecn, "", 0), KVS_ERR_PARSE);
    CHECK_EQ(kvs_tc_import(&c, "hello world", 11, eck, eckn), KVS_ERR_PARSE);
    CHECK_EQ(kvs_tc_import(&c, ec, ecn, "\x30\x03\x02\x01\x01", 5), KVS_ERR_PARSE);
    CHECK_EQ(kvs_tc_import(&c, ec, ecn, kvs_tc_key_overrun_pem, strlen(kvs_tc_key_overrun_pem)),
             KVS_ERR_PARSE);
    /* truncated PEM (inside the base64, and without the END line), broken base64 */
    CHECK_EQ(kvs_tc_import(&c, ec, ecn / 2, eck, eckn), KVS_ERR_PARSE);
    CHECK_EQ(kvs_tc_import(&c, ec, ecn - 27, eck, eckn), KVS_ERR_PARSE);
    CHECK_EQ(kvs_tc_import(&c, ec, ecn, eck, eckn - 40), KVS_ERR_PARSE);
    pem = (char *)malloc(ecn + 1);
    CHECK(pem != NULL);
    if (pem) {
        memcpy(pem, ec, ecn + 1);
        pem[40] = '!';
        CHECK_EQ(kvs_tc_import(&c, pem, ecn, eck, eckn), KVS_ERR_PARSE);
        /* valid base64 of a corrupted certificate: BearSSL's decoder refuses it */
        memcpy(pem, ec, ecn + 1);
        pem[28] = 'N'; /* "MIIB..." becomes "NIIB...": the first byte is no longer a SEQUENCE */
        CHECK_EQ(kvs_tc_import(&c, pem, ecn, eck, eckn), KVS_ERR_PARSE);
        free(pem);
    }
    /* DER: truncated, one byte more, a bit flipped in the key's point */
    CHECK_EQ(kvs_tc_import(&c, cert_der, cert_n - 1, key_der, key_n), KVS_ERR_PARSE);
    CHECK_EQ(kvs_tc_import(&c, cert_der, cert_n, key_der, key_n - 1), KVS_ERR_PARSE);
    cert_der[cert_n] = 0;
    CHECK_EQ(kvs_tc_import(&c, cert_der, cert_n + 1, key_der, key_n), KVS_ERR_PARSE);
    for (i = 0; i + 1 < cert_n; i++) /* the uncompressed point 04 || X || Y */
        if (cert_der[i] == 0x00 && cert_der[i + 1] == 0x04 && cert_der[i - 1] == 0x42)
            break;
    CHECK(i + 1 < cert_n);
    cert_der[i + 10] ^= 0x01;
    CHECK(kvs_tc_import(&c, cert_der, cert_n, key_der, key_n) != KVS_OK);
    cert_der[i + 10] ^= 0x01;
    CHECK_EQ(kvs_tc_import(&c, cert_der, cert_n, key_der, key_n), KVS_OK);
    /* larger than KVS_CERT_MAX: DER and PEM */
    memset(big, 0, sizeof big);
    big[0] = 0x30;
    big[1] = 0x82;
    big[2] = (uint8_t)((KVS_CERT_MAX + 1 - 4) >> 8);
    big[3] = (uint8_t)(KVS_CERT_MAX + 1 - 4);
    CHECK_EQ(kvs_tc_import(&c, big, KVS_CERT_MAX + 1, eck, eckn), KVS_ERR_LIMIT);
    pem_n = br_pem_encode(NULL, big, KVS_CERT_MAX + 1, "CERTIFICATE", 0) + 1;
    pem = (char *)malloc(pem_n);
    CHECK(pem != NULL);
    if (pem) {
        br_pem_encode(pem, big, KVS_CERT_MAX + 1, "CERTIFICATE", 0);
        CHECK_EQ(kvs_tc_import(&c, pem, pem_n - 1, eck, eckn), KVS_ERR_LIMIT);
        free(pem);
    }
    /* SEC1 keys with a scalar that is not a valid P-256 private key: 0, n, n + 1, 2^256 - 1 */
    memcpy(sec1, "\x30\x31\x02\x01\x01\x04\x20", 7);
    memcpy(sec1 + 39, "\xa0\x0a\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07", 12);
    memset(sec1 + 7, 0, 32);
    CHECK_EQ(kvs_tc_import(&c, ec, ecn, sec1, sizeof sec1), KVS_ERR_INVALID_ARG);
    memcpy(sec1 + 7, kvs__crypto_p256_order, 32);
    CHECK_EQ(kvs_tc_import(&c, ec, ecn, sec1, sizeof sec1), KVS_ERR_INVALID_ARG);
    sec1[38]++;
    CHECK_EQ(kvs_tc_import(&c, ec, ecn, sec1, sizeof sec1), KVS_ERR_INVALID_ARG);
    memset(sec1 + 7, 0xff, 32);
    CHECK_EQ(kvs_tc_import(&c, ec, ecn, sec1, sizeof sec1), KVS_ERR_INVALID_ARG);
    /* the key of the fixture, with the scalar copied in: accepted */
    CHECK_EQ(kvs_tc_import(&c, ec, ecn, eck, eckn), KVS_OK);
    memcpy(sec1 + 7, c.key, 32);
    CHECK_EQ(kvs_tc_import(&c, ec, ecn, sec1, sizeof sec1), KVS_OK);
    kvs_cert_clear(&c);
}

static void test_cert_scalar_range(void) {
    uint8_t x[32];
    memset(x, 0, 32);
    CHECK_EQ(kvs__crypto_p256_scalar_ok(x), 0);
    x[31] = 1;
    CHECK_EQ(kvs__crypto_p256_scalar_ok(x), 1);
    memcpy(x, kvs__crypto_p256_order, 32);
    CHECK_EQ(kvs__crypto_p256_scalar_ok(x), 0);
    x[31]--;
    CHECK_EQ(kvs__crypto_p256_scalar_ok(x), 1);
    x[31] = (uint8_t)(x[31] + 2);
    CHECK_EQ(kvs__crypto_p256_scalar_ok(x), 0);
    memset(x, 0xff, 32);
    CHECK_EQ(kvs__crypto_p256_scalar_ok(x), 0);
    memset(x + 4, 0, 4); /* ffffffff 00000000 ff..ff: above n in byte 16 */
    CHECK_EQ(kvs__crypto_p256_scalar_ok(x), 0);
    x[0] = 0xfe; /* below n from the first byte on */
    CHECK_EQ(kvs__crypto_p256_scalar_ok(x), 1);
    x[0] = 0x7f;
    CHECK_EQ(kvs__crypto_p256_scalar_ok(x), 1);
}

/* --- PEM export ------------------------------------------------------------------------------- */

static void test_cert_export_pem(void) {
    char cert_pem[KVS_CERT_PEM_MAX], key_pem[KVS_CERT_KEY_PEM_MAX], small[64];
    size_t cn = 0, kn = 0, need = 0, i, col = 0, maxcol = 0;
    kvs_cert c, back;
    CHECK_EQ(kvs_tc_gen(&c, 11, 1735689600, "export", 0), KVS_OK);
    CHECK_EQ(kvs_cert_export_pem(&c, cert_pem, sizeof cert_pem, &cn), KVS_OK);
    CHECK_EQ(kvs_cert_export_key_pem(&c, key_pem, sizeof key_pem, &kn), KVS_OK);
    CHECK_EQ(strlen(cert_pem), cn);
    CHECK_EQ(strlen(key_pem), kn);
    CHECK(memcmp(cert_pem, "-----BEGIN CERTIFICATE-----\n", 28) == 0);
    CHECK(strcmp(cert_pem + cn - 26, "-----END CERTIFICATE-----\n") == 0);
    CHECK(memcmp(key_pem, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
    CHECK(strcmp(key_pem + kn - 26, "-----END PRIVATE KEY-----\n") == 0);
    for (i = 0; i < cn; i++) {
        col = cert_pem[i] == '\n' ? 0 : col + 1;
        maxcol = col > maxcol ? col : maxcol;
    }
    CHECK_EQ(maxcol, 64); /* RFC 7468 lines */
    /* read back: the same identity */
    CHECK_EQ(kvs_tc_import(&back, cert_pem, cn, key_pem, kn), KVS_OK);
    CHECK(memcmp(&back, &c, sizeof c) == 0);
    /* sizing: the size query, one byte short, NULL with a capacity */
    CHECK_EQ(kvs_cert_export_pem(&c, NULL, 0, &need), KVS_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ(need, cn + 1);
    CHECK_EQ(kvs_cert_export_pem(&c, cert_pem, cn, &need), KVS_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ(cert_pem[0], 0);
    CHECK_EQ(kvs_cert_export_pem(&c, cert_pem, cn + 1, NULL), KVS_OK);
    CHECK_EQ(kvs_cert_export_key_pem(&c, NULL, 0, &need), KVS_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ(need, kn + 1);
    memset(small, 'x', sizeof small);
    CHECK_EQ(kvs_cert_export_key_pem(&c, small, sizeof small, &need), KVS_ERR_BUFFER_TOO_SMALL);
    CHECK_EQ(small[0], 0);
    CHECK_EQ(small[1], 'x'); /* no partial key text */
    CHECK_EQ(kvs_cert_export_pem(&c, NULL, 4, &need), KVS_ERR_INVALID_ARG);
    CHECK_EQ(kvs_cert_export_key_pem(NULL, key_pem, sizeof key_pem, &need), KVS_ERR_INVALID_ARG);
    /* the imported OpenSSL fixture exports to the very same PEM text */
    CHECK_EQ(kvs_tc_import(&back, kvs_tc_ec_cert_pem, strlen(kvs_tc_ec_cert_pem),
                           kvs_tc_ec_key_sec1_pem, strlen(kvs_tc_ec_key_sec1_pem)),
             KVS_OK);
    CHECK_EQ(kvs_cert_export_pem(&back, cert_pem, sizeof cert_pem, &cn), KVS_OK);
    CHECK_STR(cert_pem, kvs_tc_ec_cert_pem);
    CHECK_EQ(kvs_cert_export_key_pem(&back, key_pem, sizeof key_pem, &kn), KVS_OK);
    CHECK_STR(key_pem, kvs_tc_ec_key_pkcs8_pem);
    /* KVS_CERT_PEM_MAX holds the PEM of a KVS_CERT_MAX-byte certificate */
    CHECK(br_pem_encode(NULL, NULL, KVS_CERT_MAX, "CERTIFICATE", BR_PEM_LINE64) + 1 <=
          KVS_CERT_PEM_MAX);
    CHECK(br_pem_encode(NULL, NULL, KVS_CERT_MAX, "CERTIFICATE", BR_PEM_LINE64) + 1 + 64 >
          KVS_CERT_PEM_MAX); /* and is not wasteful */
    /* the largest generated certificate still fits the documented bounds */
    {
        char cn_max[257];
        for (i = 0; i < 64; i++)
            memcpy(cn_max + 4 * i, "\xf4\x8f\xbf\xbd", 4);
        cn_max[256] = 0;
        CHECK_EQ(kvs_tc_gen(&c, 12, 1735689600, cn_max, 0), KVS_OK);
        CHECK_EQ(kvs_cert_export_pem(&c, cert_pem, sizeof cert_pem, &cn), KVS_OK);
        CHECK_EQ(kvs_cert_export_key_pem(&c, key_pem, sizeof key_pem, &kn), KVS_OK);
    }
    kvs__crypto_zero(key_pem, sizeof key_pem);
    kvs_cert_clear(&c);
    kvs_cert_clear(&back);
}

/* --- DER writer and reader -------------------------------------------------------------------- */

static void test_cert_der_writer(void) {
    static const size_t sizes[] = {0, 1, 127, 128, 255, 256, 300, 4000};
    static const uint8_t zero[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    static uint8_t buf[4200], content[4100];
    kvs__wr w, m;
    kvs__rd r, body;
    uint8_t tag;
    size_t i, at, mat;
    for (i = 0; i < sizeof content; i++)
        content[i] = (uint8_t)(i * 7 + 1);
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i], hl = n < 128 ? 2 : n < 256 ? 3 : 4;
        kvs__wr_init(&w, buf, sizeof buf);
        kvs__wr_init(&m, NULL, 0); /* measuring */
        kvs__wr_u8(&w, 0xee);
        kvs__wr_u8(&m, 0xee);
        at = kvs__crypto_der_open(&w, 0x30);
        mat = kvs__crypto_der_open(&m, 0x30);
        kvs__wr_bytes(&w, content, n);
        kvs__wr_bytes(&m, content, n);
        kvs__crypto_der_close(&w, at);
        kvs__crypto_der_close(&m, mat);
        CHECK_EQ(w.err, 0);
        CHECK_EQ(w.len, 1 + hl + n);
        CHECK_EQ(m.len, w.len); /* the measured size is the real size */
        kvs__rd_init(&r, buf + 1, w.len - 1);
        CHECK(kvs__crypto_der_next(&r, &tag, &body) && tag == 0x30);
        CHECK_EQ(kvs__rd_left(&body), n);
        CHECK(n == 0 || memcmp(body.p, content, n) == 0);
        CHECK_EQ(kvs__rd_left(&r), 0);
    }
    /* nested, and too small a buffer: the size is still right */
    kvs__wr_init(&w, buf, 10);
    at = kvs__crypto_der_open(&w, 0x30);
    mat = kvs__crypto_der_open(&w, 0x31);
    kvs__wr_bytes(&w, content, 200);
    kvs__crypto_der_close(&w, mat);
    kvs__crypto_der_close(&w, at);
    CHECK(w.err != 0);
    CHECK_EQ(w.len, 3 + 3 + 200);
    /* INTEGERs */
    {
        static const struct {
            const char *in, *out;
        } v[] = {{"00", "020100"},         {"0000", "020100"},     {"01", "020101"},
                 {"7f", "02017f"},         {"80", "02020080"},     {"000080", "02020080"},
                 {"0001ff", "020201ff"},   {"ffff", "020300ffff"}, {"40", "020140"}};
        for (i = 0; i < sizeof v / sizeof v[0]; i++) {
            uint8_t in[8], want[8];
            size_t inn = kvs_test_unhex(v[i].in, in, sizeof in);
            size_t wn = kvs_test_unhex(v[i].out, want, sizeof want);
            kvs__wr_init(&w, buf, sizeof buf);
            kvs__crypto_der_uint(&w, in, inn);
            CHECK_EQ(w.len, wn);
            CHECK_MEM(buf, want, wn);
        }
        kvs__wr_init(&w, buf, sizeof buf);
        kvs__crypto_der_uint(&w, zero, 0);
        CHECK(w.len == 3 && memcmp(buf, "\x02\x01\x00", 3) == 0);
    }
}

static void test_cert_der_reader(void) {
    static const struct {
        const char *hex;
        int ok;
        size_t len;
    } v[] = {
        {"3000", 1, 0},           {"0403616263", 1, 3}, {"307f", 0, 0}, /* truncated */
        {"3080", 0, 0},                                                  /* indefinite */
        {"308105", 0, 0},                                                /* not minimal */
        {"30820080", 0, 0},       {"3084000000010a", 0, 0},              /* 4 length bytes */
        {"1f0100", 0, 0},                                                /* high tag */
        {"30", 0, 0},             {"", 0, 0},
    };
    uint8_t buf[300], tag;
    kvs__rd r, body;
    size_t i, n;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        n = kvs_test_unhex(v[i].hex, buf, sizeof buf);
        kvs__rd_init(&r, buf, n);
        CHECK_EQ(kvs__crypto_der_next(&r, &tag, &body), v[i].ok);
        if (v[i].ok) {
            CHECK_EQ(kvs__rd_left(&body), v[i].len);
            CHECK_EQ(kvs__rd_left(&r), 0);
        } else {
            CHECK(!kvs__rd_ok(&r) && !kvs__rd_ok(&body) && tag == 0);
        }
    }
    /* the long forms at their boundaries */
    memset(buf, 0, sizeof buf);
    buf[0] = 0x04;
    buf[1] = 0x81;
    buf[2] = 0x80;
    kvs__rd_init(&r, buf, 3 + 128);
    CHECK(kvs__crypto_der_next(&r, &tag, &body) && kvs__rd_left(&body) == 128);
    buf[1] = 0x82;
    buf[2] = 0x01;
    buf[3] = 0x00;
    kvs__rd_init(&r, buf, 4 + 256);
    CHECK(kvs__crypto_der_next(&r, &tag, &body) && kvs__rd_left(&body) == 256);
    kvs__rd_init(&r, buf, 4 + 255);
    CHECK(!kvs__crypto_der_next(&r, &tag, &body));
    CHECK(!kvs__crypto_der_is_seq(buf, 4 + 256)); /* an OCTET STRING, not a SEQUENCE */
    /* the certificate slicer refuses what is not a certificate */
    {
        kvs__rd tbs, sig;
        CHECK_EQ(kvs__crypto_cert_split(buf, 0, &tbs, &sig), KVS_ERR_PARSE);
        CHECK_EQ(kvs__crypto_cert_split((const uint8_t *)"\x30\x00", 2, &tbs, &sig),
                 KVS_ERR_PARSE);
        CHECK_EQ(kvs__crypto_cert_split((const uint8_t *)"\x30\x06\x30\x00\x30\x00\x03\x00", 8,
                                        &tbs, &sig),
                 KVS_ERR_PARSE); /* an empty BIT STRING */
        CHECK_EQ(kvs__crypto_cert_split((const uint8_t *)"\x30\x07\x30\x00\x30\x00\x03\x01\x00", 9,
                                        &tbs, &sig),
                 KVS_OK);
        CHECK_EQ(kvs__rd_left(&tbs), 2);
        CHECK_EQ(kvs__rd_left(&sig), 0);
    }
}

/* kvs__crypto_cert_pubkey on the fixtures (the peer's certificate path) */
static void test_cert_peer_pubkey(void) {
    kvs_cert c;
    br_pem_decoder_context pc;
    kvs__crypto_pubkey pk;
    memset(&c, 0, sizeof c);
    CHECK_EQ(kvs__crypto_cert_load(&c, &pc, (const uint8_t *)kvs_tc_rsa_cert_pem,
                                   strlen(kvs_tc_rsa_cert_pem)),
             KVS_OK);
    CHECK_EQ(kvs__crypto_cert_pubkey(c.der, c.der_len, &pk), KVS_OK);
    CHECK_EQ(pk.type, KVS__CRYPTO_KEY_RSA);
    CHECK_EQ(pk.n_len, 256);
    CHECK_EQ(kvs__crypto_cert_load(&c, &pc, (const uint8_t *)kvs_tc_p384_cert_pem,
                                   strlen(kvs_tc_p384_cert_pem)),
             KVS_OK);
    CHECK_EQ(kvs__crypto_cert_pubkey(c.der, c.der_len, &pk), KVS_ERR_UNSUPPORTED);
    CHECK_EQ(kvs__crypto_cert_load(&c, &pc, (const uint8_t *)kvs_tc_ec_cert_pem,
                                   strlen(kvs_tc_ec_cert_pem)),
             KVS_OK);
    CHECK_EQ(kvs__crypto_cert_pubkey(c.der, c.der_len, &pk), KVS_OK);
    CHECK_EQ(pk.type, KVS__CRYPTO_KEY_EC);
    CHECK_EQ(kvs__crypto_cert_pubkey(c.der, c.der_len - 1, &pk), KVS_ERR_PARSE);
    CHECK_EQ(kvs__crypto_cert_pubkey(c.der, 0, &pk), KVS_ERR_PARSE);
}

static const kvs_test_case kvs_tests_cert[] = {
    {"generate_parse_back", test_cert_generate_parse_back},
    {"generate_profile", test_cert_generate_profile},
    {"generate_deterministic", test_cert_generate_deterministic},
    {"serial_rule", test_cert_serial_rule},
    {"time_encodings", test_cert_time_encodings},
    {"common_name", test_cert_common_name},
    {"generate_failures", test_cert_generate_failures},
    {"clear", test_cert_clear},
    {"fingerprint_str", test_cert_fingerprint_str},
    {"fingerprint_parse", test_cert_fingerprint_parse},
    {"import_forms", test_cert_import_forms},
    {"import_refusals", test_cert_import_refusals},
    {"scalar_range", test_cert_scalar_range},
    {"export_pem", test_cert_export_pem},
    {"der_writer", test_cert_der_writer},
    {"der_reader", test_cert_der_reader},
    {"peer_pubkey", test_cert_peer_pubkey},
};
