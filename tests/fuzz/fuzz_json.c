/* fuzz_json.c - libFuzzer target for >>json.
   Beyond crash freedom (build with ASan + UBSan: the input is an exact-size heap copy, so any read
   past p + n is caught) it checks invariants and aborts when one breaks:
   - kvs__json_validate and a token walk agree (same result code); every token lies inside the
     input, depths are within KVS_JSON_MAX_DEPTH, decoded strings are never longer than the raw
     text and compare equal to themselves through kvs__json_str_eq (exact and NOCASE); integer
     conversions agree with the literal.
   - An accepted document re-emitted through the writer (strings decoded and re-encoded, numbers
     copied as their literal) fits in the input's size, validates, and yields the identical token
     sequence (types, depths, decoded strings, number literals); re-emitting that output again
     gives the same bytes (the writer's form is a fixed point); a measuring writer agrees on size.
   - kvs__json_skip spans exactly one container; kvs__json_obj_get agrees with a manual count of
     the matching top-level keys, and fails on whatever validate refuses.
   - Inputs that start with 0xFF are also run as writer scripts against an independent model
     (see fj_script).
   Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
          tests/fuzz/fuzz_json.c -o fuzz_json -lbearssl          (or: make fuzz)
   Run:   ./fuzz_json -dict=tests/fuzz/json.dict <a copy of tests/fuzz/corpus/json> */
#define KVS_TESTING 1
#define KVSWEBRTC_IMPLEMENTATION
#include "../../kvswebrtc.h"
#include <stdio.h>
#include <stdlib.h>

#define FJ_CHECK(c)                                                                              \
    do {                                                                                         \
        if (!(c)) {                                                                              \
            fprintf(stderr, "fuzz_json.c:%d: invariant failed: %s\n", __LINE__, #c);             \
            abort();                                                                             \
        }                                                                                        \
    } while (0)

static int fj_in(const uint8_t *base, size_t n, const char *p, size_t len) {
    const uint8_t *q = (const uint8_t *)p;
    return q >= base && q <= base + n && len <= (size_t)(base + n - q);
}

/* Decode a KEY/STRING token into buf (cap >= t->n); returns the length. */
static size_t fj_decode(const kvs__json_tok *t, uint8_t *buf, size_t cap) {
    kvs__wr w;
    kvs__wr_init(&w, buf, cap);
    FJ_CHECK(kvs__json_str(t, &w) == KVS_OK);
    FJ_CHECK(w.len <= t->n);
    return w.len;
}

/* Integer conversions against the literal. */
static void fj_number(const kvs__json_tok *t) {
    int64_t v;
    uint64_t u;
    char lit[32];
    kvs_result ri = kvs__json_i64(t, &v), ru = kvs__json_u64(t, &u);
    int is_int = 1;
    size_t i;
    for (i = 0; i < t->n; i++)
        if (t->p[i] == '.' || t->p[i] == 'e' || t->p[i] == 'E')
            is_int = 0;
    if (!is_int) {
        FJ_CHECK(ri == KVS_ERR_PARSE && ru == KVS_ERR_PARSE);
        return;
    }
    FJ_CHECK(ri == KVS_OK || ri == KVS_ERR_LIMIT);
    FJ_CHECK(ru == KVS_OK || ru == KVS_ERR_LIMIT);
    if (ri == KVS_OK) {
        snprintf(lit, sizeof lit, "%lld", (long long)v);
        FJ_CHECK((t->n == 2 && memcmp(t->p, "-0", 2) == 0) ||
                 (strlen(lit) == t->n && memcmp(lit, t->p, t->n) == 0));
        FJ_CHECK((ru == KVS_OK) == (v >= 0));
    }
    if (ru == KVS_OK) {
        snprintf(lit, sizeof lit, "%llu", (unsigned long long)u);
        FJ_CHECK((t->n == 2 && memcmp(t->p, "-0", 2) == 0) ||
                 (strlen(lit) == t->n && memcmp(lit, t->p, t->n) == 0));
    }
}

/* Walk in[0..n) and re-emit every token through j (and a measuring writer m). Returns the
   reader's result (KVS_OK after END). Checks the per-token invariants on the way. */
static kvs_result fj_emit(const uint8_t *in, size_t n, kvs__json_wr *j, kvs__json_wr *m,
                          uint8_t *dec, size_t *ntok) {
    kvs__json_rd r;
    kvs__json_tok t;
    kvs_result res;
    size_t len, k = 0;
    int lim = 0;
    kvs__json_rd_init(&r, (const char *)in, n);
    for (;;) {
        res = kvs__json_next(&r, &t);
        if (res != KVS_OK) {
            FJ_CHECK(res == KVS_ERR_PARSE || res == KVS_ERR_LIMIT);
            FJ_CHECK(t.type == KVS__JSON_NONE);
            FJ_CHECK(r.err == res && r.err_off <= n);
            FJ_CHECK(kvs__json_next(&r, &t) == res); /* sticky */
            break;
        }
        FJ_CHECK(++k <= n + 1); /* progress: at most one token per byte, plus END */
        FJ_CHECK(fj_in(in, n, t.p, t.n));
        FJ_CHECK(t.depth >= 0 && t.depth <= KVS_JSON_MAX_DEPTH);
        if (t.type == KVS__JSON_END) {
            FJ_CHECK(t.depth == 0 && t.n == 0);
            FJ_CHECK(kvs__json_next(&r, &t) == KVS_OK && t.type == KVS__JSON_END);
            break;
        }
        switch (t.type) {
        case KVS__JSON_OBJ_BEGIN:
            FJ_CHECK(t.n == 1 && t.p[0] == '{');
            kvs__json_obj_begin(j);
            kvs__json_obj_begin(m);
            break;
        case KVS__JSON_OBJ_END:
            FJ_CHECK(t.n == 1 && t.p[0] == '}');
            kvs__json_obj_end(j);
            kvs__json_obj_end(m);
            break;
        case KVS__JSON_ARR_BEGIN:
            FJ_CHECK(t.n == 1 && t.p[0] == '[');
            kvs__json_arr_begin(j);
            kvs__json_arr_begin(m);
            break;
        case KVS__JSON_ARR_END:
            FJ_CHECK(t.n == 1 && t.p[0] == ']');
            kvs__json_arr_end(j);
            kvs__json_arr_end(m);
            break;
        case KVS__JSON_KEY:
        case KVS__JSON_STRING:
            FJ_CHECK(t.p[-1] == '"' && t.p[t.n] == '"');
            len = fj_decode(&t, dec, n);
            FJ_CHECK(kvs__json_str_eq(&t, (const char *)dec, len, 0) == 1);
            FJ_CHECK(kvs__json_str_eq(&t, (const char *)dec, len, KVS__JSON_NOCASE) == 1);
            if (len > 0)
                FJ_CHECK(kvs__json_str_eq(&t, (const char *)dec, len - 1, 0) == 0);
            FJ_CHECK((memchr(t.p, '\\', t.n) != NULL) == (t.escaped != 0));
            if (t.type == KVS__JSON_KEY) {
                kvs__json_key(j, (const char *)dec, len);
                kvs__json_key(m, (const char *)dec, len);
            } else {
                kvs__json_string(j, (const char *)dec, len);
                kvs__json_string(m, (const char *)dec, len);
            }
            break;
        case KVS__JSON_NUMBER:
            fj_number(&t);
            kvs__json_raw_number(j, t.p, t.n);
            kvs__json_raw_number(m, t.p, t.n);
            break;
        case KVS__JSON_TRUE:
        case KVS__JSON_FALSE:
            FJ_CHECK(t.n == (t.type == KVS__JSON_TRUE ? 4u : 5u));
            kvs__json_bool(j, t.type == KVS__JSON_TRUE);
            kvs__json_bool(m, t.type == KVS__JSON_TRUE);
            break;
        case KVS__JSON_NULL:
            FJ_CHECK(t.n == 4);
            kvs__json_null(j);
            kvs__json_null(m);
            break;
        default:
            FJ_CHECK(0);
        }
        lim = lim || j->err != KVS_OK;
        FJ_CHECK(!lim); /* everything the reader delivers, the writer takes */
    }
    *ntok = k;
    return res;
}

/* Compare the token streams of a and b (both valid documents). */
static void fj_same_tokens(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, uint8_t *da,
                           uint8_t *db) {
    kvs__json_rd ra, rb;
    kvs__json_tok ta, tb;
    size_t la, lb;
    kvs__json_rd_init(&ra, (const char *)a, na);
    kvs__json_rd_init(&rb, (const char *)b, nb);
    for (;;) {
        FJ_CHECK(kvs__json_next(&ra, &ta) == KVS_OK);
        FJ_CHECK(kvs__json_next(&rb, &tb) == KVS_OK);
        FJ_CHECK(ta.type == tb.type && ta.depth == tb.depth);
        if (ta.type == KVS__JSON_END)
            break;
        if (ta.type == KVS__JSON_KEY || ta.type == KVS__JSON_STRING) {
            la = fj_decode(&ta, da, na);
            lb = fj_decode(&tb, db, nb);
            FJ_CHECK(la == lb && (la == 0 || memcmp(da, db, la) == 0));
        } else if (ta.type != KVS__JSON_OBJ_BEGIN && ta.type != KVS__JSON_ARR_BEGIN) {
            FJ_CHECK(ta.n == tb.n && memcmp(ta.p, tb.p, ta.n) == 0);
        }
    }
}

/* Skip every container at depth 1 (and the top one in a second pass). */
static void fj_skip(const uint8_t *in, size_t n, kvs_result want) {
    kvs__json_rd r;
    kvs__json_tok t;
    kvs_result res;
    int pass;
    for (pass = 0; pass < 2; pass++) {
        kvs__json_rd_init(&r, (const char *)in, n);
        for (;;) {
            res = kvs__json_next(&r, &t);
            if (res != KVS_OK || t.type == KVS__JSON_END)
                break;
            if ((t.type == KVS__JSON_OBJ_BEGIN || t.type == KVS__JSON_ARR_BEGIN) &&
                t.depth == (pass == 0 ? 1 : 0)) {
                res = kvs__json_skip(&r, &t);
                if (res != KVS_OK)
                    break;
                FJ_CHECK(fj_in(in, n, t.p, t.n) && t.n >= 2);
                FJ_CHECK(t.p[t.n - 1] == (t.type == KVS__JSON_OBJ_BEGIN ? '}' : ']'));
                FJ_CHECK(kvs__json_validate(t.p, t.n) == KVS_OK);
                FJ_CHECK(r.depth == t.depth);
            } else if (t.type == KVS__JSON_KEY || t.type == KVS__JSON_OBJ_END ||
                       t.type == KVS__JSON_ARR_END) {
                FJ_CHECK(kvs__json_skip(&r, &t) == KVS_ERR_INVALID_ARG);
            } else if (t.type != KVS__JSON_OBJ_BEGIN && t.type != KVS__JSON_ARR_BEGIN) {
                FJ_CHECK(kvs__json_skip(&r, &t) == KVS_OK); /* scalars: a no-op */
            }
        }
        FJ_CHECK(res == want);
    }
}

/* kvs__json_obj_get against a manual count of the matching top-level keys. */
static void fj_obj_get(const uint8_t *in, size_t n, kvs_result valid, const char *key, int flags) {
    kvs__json_rd r;
    kvs__json_tok t, v;
    kvs_result res = kvs__json_obj_get((const char *)in, n, key, flags, &v);
    int hits = 0, is_obj;
    kvs__json_rd_init(&r, (const char *)in, n);
    if (kvs__json_next(&r, &t) != KVS_OK) {
        FJ_CHECK(res == valid);
        return;
    }
    is_obj = t.type == KVS__JSON_OBJ_BEGIN;
    if (valid != KVS_OK) {
        /* an object reports the reader's first error; anything else is "not an object" */
        FJ_CHECK(res == (is_obj ? valid : KVS_ERR_PARSE));
        return;
    }
    while (kvs__json_next(&r, &t) == KVS_OK && t.type != KVS__JSON_END)
        if (t.type == KVS__JSON_KEY && t.depth == 1 &&
            kvs__json_str_eq(&t, key, strlen(key), flags))
            hits++;
    if (!is_obj)
        FJ_CHECK(res == KVS_ERR_PARSE);
    else if (hits == 0)
        FJ_CHECK(res == KVS_ERR_NOT_FOUND);
    else if (hits > 1)
        FJ_CHECK(res == KVS_ERR_PARSE);
    else {
        FJ_CHECK(res == KVS_OK);
        FJ_CHECK(fj_in(in, n, v.p, v.n) && v.depth == 1);
        FJ_CHECK(v.type != KVS__JSON_KEY && v.type != KVS__JSON_END && v.type != KVS__JSON_NONE &&
                 v.type != KVS__JSON_OBJ_END && v.type != KVS__JSON_ARR_END);
        if (v.type == KVS__JSON_STRING) /* the text between the quotes */
            FJ_CHECK(v.p[-1] == '"' && v.p[v.n] == '"' &&
                     kvs__json_validate(v.p - 1, v.n + 2) == KVS_OK);
        else
            FJ_CHECK(kvs__json_validate(v.p, v.n) == KVS_OK);
    }
}

/* --- writer scripts ------------------------------------------------------------------------------
   An input whose first byte is 0xFF (never JSON) is also a script of writer calls. A model written
   independently of the writer (its own stack, its own code-point based UTF-8 check) predicts the
   first misuse; a clean script's output must validate and read back as the same tokens. */

/* 1 when s[0..n) is well-formed UTF-8, decoding code points (not the writer's range table). */
static int fj_utf8_ok(const uint8_t *s, size_t n) {
    size_t i = 0, k, len;
    uint32_t cp, min;
    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        if ((s[i] & 0xe0) == 0xc0) {
            len = 2, cp = s[i] & 0x1fu, min = 0x80;
        } else if ((s[i] & 0xf0) == 0xe0) {
            len = 3, cp = s[i] & 0x0fu, min = 0x800;
        } else if ((s[i] & 0xf8) == 0xf0) {
            len = 4, cp = s[i] & 0x07u, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i < len)
            return 0;
        for (k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += len;
    }
    return 1;
}

typedef struct fj_model {
    uint8_t obj[KVS_JSON_MAX_DEPTH + 1];
    int depth, key_due, top_done;
    kvs_result err;
    /* the expected tokens */
    kvs__json_type *type;
    int *tdepth;
    const uint8_t **tp; /* KEY/STRING: the raw bytes; NUMBER: the literal */
    size_t *tn;
    char (*lit)[24];
    size_t ntok;
} fj_model;

static void fj_model_tok(fj_model *m, kvs__json_type type, int depth, const uint8_t *p, size_t n) {
    m->type[m->ntok] = type;
    m->tdepth[m->ntok] = depth;
    m->tp[m->ntok] = p;
    m->tn[m->ntok] = n;
    m->ntok++;
}

/* A value is about to be written: 1 when allowed (and its depth in *d). */
static int fj_model_value(fj_model *m, int *d) {
    if (m->err != KVS_OK)
        return 0;
    if (m->depth == 0 ? m->top_done : (m->obj[m->depth - 1] && !m->key_due)) {
        m->err = KVS_ERR_STATE;
        return 0;
    }
    m->key_due = 0;
    *d = m->depth;
    return 1;
}

static void fj_model_done(fj_model *m) {
    if (m->depth == 0)
        m->top_done = 1;
}

static const char *const fj_nums[] = {"0", "-0", "1.5", "1e308", "-12.5e-3", "1E+2",
                                      "123456789012345678901234567890",
                                      /* invalid: */ "", "01", "1.", ".5", "+1", "1e", "-", "NaN"};
#define FJ_NUMS_VALID 7

/* Run the script data[1..size) on j and mw, and on the model m (reset first). */
static void fj_script_run(const uint8_t *data, size_t size, kvs__json_wr *jw, kvs__json_wr *mwp,
                          fj_model *m) {
    size_t i = 1, k, len;
    uint8_t op, tmp[17];
    int d, is_obj;
    int64_t v;
    uint64_t u;
    m->depth = m->key_due = m->top_done = 0;
    m->err = KVS_OK;
    m->ntok = 0;
    while (i < size) {
        op = data[i++];
        switch (op % 12u) {
        case 0: /* obj_begin / arr_begin */
        case 1:
            is_obj = op % 12u == 0;
            if (is_obj) {
                kvs__json_obj_begin(jw);
                kvs__json_obj_begin(mwp);
            } else {
                kvs__json_arr_begin(jw);
                kvs__json_arr_begin(mwp);
            }
            if (fj_model_value(m, &d)) {
                if (m->depth >= KVS_JSON_MAX_DEPTH) {
                    m->err = KVS_ERR_STATE;
                } else {
                    m->obj[m->depth++] = (uint8_t)is_obj;
                    fj_model_tok(m, is_obj ? KVS__JSON_OBJ_BEGIN : KVS__JSON_ARR_BEGIN, d, NULL,
                                 0);
                }
            }
            break;
        case 2: /* obj_end / arr_end */
        case 3:
            is_obj = op % 12u == 2;
            if (is_obj) {
                kvs__json_obj_end(jw);
                kvs__json_obj_end(mwp);
            } else {
                kvs__json_arr_end(jw);
                kvs__json_arr_end(mwp);
            }
            if (m->err != KVS_OK)
                break;
            if (m->depth == 0 || m->obj[m->depth - 1] != is_obj || m->key_due) {
                m->err = KVS_ERR_STATE;
                break;
            }
            m->depth--;
            fj_model_tok(m, is_obj ? KVS__JSON_OBJ_END : KVS__JSON_ARR_END, m->depth, NULL, 0);
            fj_model_done(m);
            break;
        case 4: /* key / string: a length byte, then the bytes */
        case 5:
            len = i < size ? data[i++] % 16u : 0;
            len = len < size - i ? len : size - i;
            if (op % 12u == 4) {
                kvs__json_key(jw, (const char *)data + i, len);
                kvs__json_key(mwp, (const char *)data + i, len);
                if (m->err == KVS_OK) {
                    if (m->depth == 0 || !m->obj[m->depth - 1] || m->key_due)
                        m->err = KVS_ERR_STATE;
                    else if (!fj_utf8_ok(data + i, len))
                        m->err = KVS_ERR_INVALID_ARG;
                    else {
                        m->key_due = 1;
                        fj_model_tok(m, KVS__JSON_KEY, m->depth, data + i, len);
                    }
                }
            } else {
                kvs__json_string(jw, (const char *)data + i, len);
                kvs__json_string(mwp, (const char *)data + i, len);
                if (fj_model_value(m, &d)) {
                    if (!fj_utf8_ok(data + i, len))
                        m->err = KVS_ERR_INVALID_ARG;
                    else {
                        fj_model_tok(m, KVS__JSON_STRING, d, data + i, len);
                        fj_model_done(m);
                    }
                }
            }
            i += len;
            break;
        case 6: /* i64 / u64 from the next 8 bytes */
        case 7:
            u = 0;
            for (k = 0; k < 8; k++)
                u = (u << 8) | (i < size ? data[i++] : 0u);
            if (op % 12u == 6) {
                v = (int64_t)u;
                kvs__json_i64v(jw, v);
                kvs__json_i64v(mwp, v);
                snprintf(m->lit[m->ntok], sizeof m->lit[0], "%lld", (long long)v);
            } else {
                kvs__json_u64v(jw, u);
                kvs__json_u64v(mwp, u);
                snprintf(m->lit[m->ntok], sizeof m->lit[0], "%llu", (unsigned long long)u);
            }
            if (fj_model_value(m, &d)) {
                fj_model_tok(m, KVS__JSON_NUMBER, d, (const uint8_t *)m->lit[m->ntok],
                             strlen(m->lit[m->ntok]));
                fj_model_done(m);
            }
            break;
        case 8: /* a raw number from the list */
            k = (i < size ? data[i++] : 0u) % (sizeof fj_nums / sizeof fj_nums[0]);
            kvs__json_raw_number(jw, fj_nums[k], strlen(fj_nums[k]));
            kvs__json_raw_number(mwp, fj_nums[k], strlen(fj_nums[k]));
            if (m->err != KVS_OK)
                break;
            if (k >= FJ_NUMS_VALID) {
                m->err = KVS_ERR_INVALID_ARG;
                break;
            }
            if (fj_model_value(m, &d)) {
                fj_model_tok(m, KVS__JSON_NUMBER, d, (const uint8_t *)fj_nums[k],
                             strlen(fj_nums[k]));
                fj_model_done(m);
            }
            break;
        case 9: /* bool */
            k = (i < size ? data[i++] : 0u) & 1u;
            kvs__json_bool(jw, (int)k);
            kvs__json_bool(mwp, (int)k);
            if (fj_model_value(m, &d)) {
                fj_model_tok(m, k ? KVS__JSON_TRUE : KVS__JSON_FALSE, d, NULL, 0);
                fj_model_done(m);
            }
            break;
        case 10:
            kvs__json_null(jw);
            kvs__json_null(mwp);
            if (fj_model_value(m, &d)) {
                fj_model_tok(m, KVS__JSON_NULL, d, NULL, 0);
                fj_model_done(m);
            }
            break;
        default: /* cstr: up to 16 bytes, stopping at a NUL */
            k = i; /* where the bytes start in the input */
            for (len = 0; len < 16 && i < size && data[i] != 0; len++)
                tmp[len] = data[i++];
            tmp[len] = 0;
            if (i < size && data[i] == 0)
                i++; /* the terminator */
            kvs__json_cstr(jw, (const char *)tmp);
            kvs__json_cstr(mwp, (const char *)tmp);
            if (fj_model_value(m, &d)) {
                if (!fj_utf8_ok(tmp, len))
                    m->err = KVS_ERR_INVALID_ARG;
                else {
                    fj_model_tok(m, KVS__JSON_STRING, d, data + k, len); /* same bytes */
                    fj_model_done(m);
                }
            }
            break;
        }
    }
}

static void fj_script(const uint8_t *data, size_t size) {
    kvs__json_wr j, mw, sw, smw;
    fj_model m;
    size_t k, len, cap = 64 + 8 * size, n = 0, need = 0, sn = 0;
    uint8_t *out = (uint8_t *)malloc(cap), *dec = (uint8_t *)malloc(cap), *small;
    kvs_result want, got;
    kvs__json_rd r;
    kvs__json_tok t;
    memset(&m, 0, sizeof m);
    m.type = (kvs__json_type *)malloc(sizeof *m.type * (size + 1));
    m.tdepth = (int *)malloc(sizeof *m.tdepth * (size + 1));
    m.tp = (const uint8_t **)malloc(sizeof *m.tp * (size + 1));
    m.tn = (size_t *)malloc(sizeof *m.tn * (size + 1));
    m.lit = (char(*)[24])malloc(sizeof *m.lit * (size + 1));
    FJ_CHECK(out && dec && m.type && m.tdepth && m.tp && m.tn && m.lit);
    kvs__json_wr_init(&j, out, cap);
    kvs__json_wr_init(&mw, NULL, 0);
    fj_script_run(data, size, &j, &mw, &m);
    want = m.err != KVS_OK ? m.err
           : (m.depth != 0 || !m.top_done) ? KVS_ERR_STATE
                                           : KVS_OK;
    got = kvs__json_wr_finish(&j, &n);
    FJ_CHECK(got == want);
    if (want == KVS_OK) {
        FJ_CHECK(kvs__json_wr_finish(&mw, &need) == KVS_ERR_BUFFER_TOO_SMALL && need == n);
        FJ_CHECK(kvs__json_validate((const char *)out, n) == KVS_OK);
        /* replayed into a buffer one byte short: too small, same size, a clean prefix stored */
        small = (uint8_t *)malloc(n);
        FJ_CHECK(small != NULL);
        kvs__json_wr_init(&sw, small, n - 1);
        kvs__json_wr_init(&smw, NULL, 0);
        fj_script_run(data, size, &sw, &smw, &m);
        FJ_CHECK(kvs__json_wr_finish(&sw, &sn) == KVS_ERR_BUFFER_TOO_SMALL && sn == n);
        FJ_CHECK(memcmp(small, out, n - 1) == 0);
        free(small);
        kvs__json_rd_init(&r, (const char *)out, n);
        for (k = 0; k < m.ntok; k++) {
            FJ_CHECK(kvs__json_next(&r, &t) == KVS_OK);
            FJ_CHECK(t.type == m.type[k] && t.depth == m.tdepth[k]);
            if (t.type == KVS__JSON_KEY || t.type == KVS__JSON_STRING) {
                len = fj_decode(&t, dec, cap);
                FJ_CHECK(len == m.tn[k] && (len == 0 || memcmp(dec, m.tp[k], len) == 0));
            } else if (t.type == KVS__JSON_NUMBER) {
                FJ_CHECK(t.n == m.tn[k] && memcmp(t.p, m.tp[k], t.n) == 0);
            }
        }
        FJ_CHECK(kvs__json_next(&r, &t) == KVS_OK && t.type == KVS__JSON_END);
    } else {
        FJ_CHECK(n == 0);
        FJ_CHECK(kvs__json_wr_finish(&mw, &need) == want);
    }
    free(out);
    free(dec);
    free(m.type);
    free(m.tdepth);
    free(m.tp);
    free(m.tn);
    free(m.lit);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    kvs__json_wr j, m, j2, m2;
    size_t cap = size + 16, n1 = 0, n2 = 0, need = 0, ntok = 0, ntok2 = 0;
    uint8_t *out1 = (uint8_t *)malloc(cap), *out2 = (uint8_t *)malloc(cap);
    uint8_t *dec1 = (uint8_t *)malloc(cap), *dec2 = (uint8_t *)malloc(cap);
    kvs_result valid, walk;
    FJ_CHECK(out1 && out2 && dec1 && dec2);

    valid = kvs__json_validate((const char *)data, size);
    FJ_CHECK(valid == KVS_OK || valid == KVS_ERR_PARSE || valid == KVS_ERR_LIMIT);

    kvs__json_wr_init(&j, out1, cap);
    kvs__json_wr_init(&m, NULL, 0);
    walk = fj_emit(data, size, &j, &m, dec1, &ntok);
    FJ_CHECK(walk == valid);
    if (valid == KVS_OK) {
        FJ_CHECK(kvs__json_wr_finish(&j, &n1) == KVS_OK);
        FJ_CHECK(n1 <= size); /* re-encoding never grows: whitespace gone, escapes minimal */
        FJ_CHECK(kvs__json_wr_finish(&m, &need) == (n1 ? KVS_ERR_BUFFER_TOO_SMALL : KVS_OK));
        FJ_CHECK(need == n1);
        FJ_CHECK(kvs__json_validate((const char *)out1, n1) == KVS_OK);
        fj_same_tokens(data, size, out1, n1, dec1, dec2);
        /* the writer's form is a fixed point */
        kvs__json_wr_init(&j2, out2, cap);
        kvs__json_wr_init(&m2, NULL, 0);
        FJ_CHECK(fj_emit(out1, n1, &j2, &m2, dec1, &ntok2) == KVS_OK);
        FJ_CHECK(ntok2 == ntok);
        FJ_CHECK(kvs__json_wr_finish(&j2, &n2) == KVS_OK);
        FJ_CHECK(n2 == n1 && memcmp(out1, out2, n1) == 0);
        /* a buffer one byte short */
        if (n1 > 0) {
            kvs__json_wr_init(&j2, out2, n1 - 1);
            kvs__json_wr_init(&m2, NULL, 0);
            FJ_CHECK(fj_emit(out1, n1, &j2, &m2, dec1, &ntok2) == KVS_OK);
            FJ_CHECK(kvs__json_wr_finish(&j2, &n2) == KVS_ERR_BUFFER_TOO_SMALL && n2 == n1);
            FJ_CHECK(memcmp(out1, out2, n1 - 1) == 0);
        }
    }

    fj_skip(data, size, valid);
    fj_obj_get(data, size, valid, "action", 0);
    fj_obj_get(data, size, valid, "messagePayload", 0);
    fj_obj_get(data, size, valid, "IceServerList", 0);
    fj_obj_get(data, size, valid, "type", KVS__JSON_NOCASE);
    fj_obj_get(data, size, valid, "a", 0);
    fj_obj_get(data, size, valid, "", 0);

    if (size > 0 && data[0] == 0xff)
        fj_script(data, size);

    free(out1);
    free(out2);
    free(dec1);
    free(dec2);
    return 0;
}
