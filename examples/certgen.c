/* certgen - make the self-signed ECDSA P-256 certificate a WebRTC endpoint presents in DTLS.

   Usage: certgen [--cn NAME] [--days N] CERT.pem KEY.pem

   Writes the certificate (PEM) and its private key (unencrypted PKCS#8 PEM, created with mode
   0600) and prints the SDP line that carries the certificate's fingerprint:

       a=fingerprint:sha-256 AB:CD:...:EF

   A program can keep using the same identity by loading the two files with kvs_cert_import
   instead of generating a new certificate at every start. --cn sets the common name (default
   "kvswebrtc"), --days the validity (default 30, at most 3650).

   Build: cc -std=c99 -O2 examples/certgen.c -o certgen -lbearssl                             */
#define KVS_PLATFORM_POSIX 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../kvswebrtc.h" /* first: it selects the POSIX feature macros it needs */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int usage(void) {
    fprintf(stderr, "usage: certgen [--cn NAME] [--days N] CERT.pem KEY.pem\n");
    return 2;
}

/* Write n bytes to path, creating it with `mode` (and forcing that mode on an existing file). */
static int write_file(const char *path, const char *text, size_t n, mode_t mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    size_t done = 0;
    if (fd < 0) {
        fprintf(stderr, "certgen: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (fchmod(fd, mode) != 0) {
        fprintf(stderr, "certgen: chmod %s: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    while (done < n) {
        ssize_t w = write(fd, text + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "certgen: write %s: %s\n", path, strerror(errno));
            close(fd);
            return -1;
        }
        done += (size_t)w;
    }
    if (close(fd) != 0) {
        fprintf(stderr, "certgen: close %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *cn = NULL, *cert_path = NULL, *key_path = NULL;
    int days = 0, i, status = 1;
    static kvs_cert cert; /* holds the private key: cleared before exit */
    static char cert_pem[KVS_CERT_PEM_MAX], key_pem[KVS_CERT_KEY_PEM_MAX];
    char fp[KVS_FINGERPRINT_STRLEN];
    size_t cert_len = 0, key_len = 0;
    kvs_posix posix;
    kvs_platform pf;
    kvs_result r;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--cn") == 0 && i + 1 < argc) {
            cn = argv[++i];
        } else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc) {
            char *end;
            long v;
            errno = 0;
            v = strtol(argv[++i], &end, 10);
            if (errno || *end || end == argv[i] || v < 1 || v > 3650) {
                fprintf(stderr, "certgen: --days takes 1..3650\n");
                return 2;
            }
            days = (int)v;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage();
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != 0) {
            return usage();
        } else if (!cert_path) {
            cert_path = argv[i];
        } else if (!key_path) {
            key_path = argv[i];
        } else {
            return usage();
        }
    }
    if (!cert_path || !key_path)
        return usage();

    kvs_posix_init(&posix);
    kvs_posix_platform(&posix, &pf); /* randomness from getrandom, the clock from the system */
    r = kvs_cert_generate(&cert, &pf, cn, days);
    if (r != KVS_OK) {
        fprintf(stderr, "certgen: %s%s\n", kvs_result_str(r),
                r == KVS_ERR_INVALID_ARG ? " (check --cn: 1..64 printable UTF-8 characters)" : "");
        goto done;
    }
    if (kvs_cert_export_pem(&cert, cert_pem, sizeof cert_pem, &cert_len) != KVS_OK ||
        kvs_cert_export_key_pem(&cert, key_pem, sizeof key_pem, &key_len) != KVS_OK ||
        kvs_cert_fingerprint_str(&cert, fp, sizeof fp, NULL) != KVS_OK) {
        fprintf(stderr, "certgen: cannot encode the certificate\n");
        goto done;
    }
    if (write_file(key_path, key_pem, key_len, 0600) != 0 ||
        write_file(cert_path, cert_pem, cert_len, 0644) != 0)
        goto done;
    printf("a=fingerprint:%s\n", fp);
    status = 0;
done:
    kvs_cert_clear(&cert);
    memset(key_pem, 0, sizeof key_pem);
    kvs_posix_deinit(&posix);
    return status;
}
