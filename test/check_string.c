/*
 * check_string — str objects to UTF-8.
 *
 * Expected UTF-8 comes from the C compiler (u8"" literals encoding the
 * same text given as u""/U"" code units) or, in the live test, from each
 * interpreter's own str.encode('utf-8'); never from pytop's encoder.
 * Objects are built by the layout rows of the committed table into a
 * synthetic memory image, and then read from real interpreters, whose
 * layouts are the final word.
 */
#include "harness.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uchar.h>
#include <unistd.h>

#include "pytop/mem.h"
#include "pytop/py_facts.h"
#include "pytop/py_layout.h"
#include "pytop/py_string.h"

#define NCHARS(a) (sizeof(a) / sizeof((a)[0]) - 1) /* minus the literal's NUL */

static bool is_cont(unsigned char c) { return (c & 0xc0) == 0x80; }

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += !is_cont((unsigned char)*s);
    return n;
}

static void expect_encode(int kind, const void *data, size_t n, const char *want)
{
    char out[256];
    bool cut = true;
    size_t got = pt_str_encode(kind, data, n, out, sizeof out, &cut);
    ck_assert_msg(strcmp(out, want) == 0 && got == strlen(want) && !cut,
                  "kind %d: got \"%s\" (%zu bytes, cut %d), want \"%s\"", kind, out, got, cut,
                  want);
}

START_TEST(test_encode_kinds)
{
    static const char latin1[] = "caf\xe9 na\xefve \xff";
    expect_encode(1, latin1, NCHARS(latin1), u8"café naïve ÿ");
    static const char16_t ucs2[] = u"€uro ωμεγα ✓";
    expect_encode(2, ucs2, NCHARS(ucs2), u8"€uro ωμεγα ✓");
    static const char32_t ucs4[] = U"a𝄞 b😀 \U0010FFFF";
    expect_encode(4, ucs4, NCHARS(ucs4), u8"a𝄞 b😀 \U0010FFFF");
    expect_encode(4, ucs4, 0, "");
}
END_TEST

START_TEST(test_encode_surrogates)
{
    /* Lone surrogates cannot be encoded as UTF-8: U+FFFD stands in. */
    static const uint16_t u2[] = {'x', 0xd800, 'y', 0xdfff, 'z'};
    expect_encode(2, u2, 5, u8"x\uFFFDy\uFFFDz");
    static const uint32_t u4[] = {0xdbff, 'a', 0xdc00, 0x110000, 0xffffffffu};
    expect_encode(4, u4, 5, u8"\uFFFDa\uFFFD\uFFFD\uFFFD");
}
END_TEST

START_TEST(test_encode_controls)
{
    /* Unicode category Cc: C0, DEL and C1 (U+009B is an 8-bit CSI). */
    static const uint8_t u1[] = {'a', 0x1b, '[', '2', 'J', 0x07, 0x7f, 0x9b, 0x85, '\n', 'b', 0xa0};
    expect_encode(1, u1, sizeof u1, u8"a?[2J?????b\u00A0");
    static const uint16_t u2[] = {0x0d, 0x80, 0x9f, 0x2028};
    expect_encode(2, u2, 4, u8"???\u2028");
    static const uint32_t u4[] = {0x00, 0x1f, 0x20};
    expect_encode(4, u4, 3, "?? ");
}
END_TEST

/* For every buffer size: the output is the longest whole-character prefix
 * that fits with its NUL, and cut says whether anything was left out. */
START_TEST(test_encode_truncation)
{
    static const char32_t text[] = U"aé€😀b😀€é";
    const char *full = u8"aé€😀b😀€é";
    size_t flen = strlen(full);
    for (size_t cap = 0; cap <= flen + 2; cap++) {
        char out[64];
        memset(out, 'Z', sizeof out);
        bool cut = false;
        size_t n = pt_str_encode(4, text, NCHARS(text), out, cap, &cut);
        ck_assert_msg(cut == (n < flen), "cap %zu: %zu of %zu bytes, cut %d", cap, n, flen, cut);
        ck_assert_msg(out[cap] == 'Z', "cap %zu: wrote past the buffer", cap);
        if (cap == 0)
            continue;
        ck_assert_msg(n < cap && out[n] == '\0' && memcmp(out, full, n) == 0,
                      "cap %zu: not a NUL-terminated prefix (%zu bytes)", cap, n);
        ck_assert_msg(n == flen || !is_cont((unsigned char)full[n]),
                      "cap %zu: cut inside a character at %zu", cap, n);
        size_t next = n;
        while (next < flen && (next == n || is_cont((unsigned char)full[next])))
            next++;
        ck_assert_msg(n == flen || next + 1 > cap,
                      "cap %zu: stopped at %zu although the next character fits", cap, n);
    }
}
END_TEST

/* ---- synthetic objects, laid out by the committed table ---- */

#define OBJ_ADDR 0x7f1200001000ull
#define DATA_ADDR 0x7f1200800000ull
#define STR_TYPE 0x7f12000a0040ull
#define BIG (4 * 5000 + 256)

/* One object and, for legacy strings, its separate character buffer. */
struct fake {
    uint8_t obj[BIG], buf[BIG];
    struct pt_mem_span spans[2];
    struct pt_mem_image img;
    struct pt_mem mem;
    struct pt_pyctx ctx;
};

static void put(uint8_t *at, int32_t off, uint64_t v, size_t width)
{
    ck_assert_msg(off >= 0, "layout field missing");
    memcpy(at + off, &v, width); /* little-endian host, as the targets */
}

static struct fake *fake_new(int major, int minor)
{
    struct fake *f = calloc(1, sizeof *f);
    const struct pt_layout *lay = pt_layout_find(major, minor);
    const struct pt_pyfacts *facts = pt_facts_find(major, minor);
    ck_assert_msg(f && lay && facts, "no layout/facts for %d.%d", major, minor);
    f->ctx.lay = *lay;
    f->ctx.facts = facts;
    f->ctx.mem = &f->mem;
    f->ctx.str_type = STR_TYPE;
    put(f->obj, lay->ob_type, STR_TYPE, 8);
    f->spans[0] = (struct pt_mem_span){OBJ_ADDR, f->obj, 0};
    f->spans[1] = (struct pt_mem_span){DATA_ADDR, f->buf, 0};
    f->img = (struct pt_mem_image){f->spans, 2};
    pt_mem_image_init(&f->mem, &f->img);
    return f;
}

/* A PEP 393 str of n code units of width kind. The spans end exactly where
 * the object (and its characters + NUL) end, so any overread fails. */
static void fake_pep393(struct fake *f, int kind, const void *data, size_t n, bool compact)
{
    const struct pt_layout *L = &f->ctx.lay;
    bool ascii = kind == 1;
    for (size_t i = 0; ascii && i < n; i++)
        ascii = ((const uint8_t *)data)[i] < 0x80;
    /* state: interned:2 kind:3 compact:1 ascii:1, then 'ready' up to 3.11 */
    uint32_t state = 1u | (uint32_t)kind << 2 | (uint32_t)compact << 5 | (uint32_t)ascii << 6 |
                     (f->ctx.lay.minor <= 11 ? 1u << 7 : 0);
    put(f->obj, L->unicode_length, n, 8);
    put(f->obj, L->unicode_state, state, 4);
    size_t hdr = (size_t)(ascii ? L->unicode_ascii_size : L->unicode_compact_size);
    size_t bytes = n * (size_t)kind;
    ck_assert(hdr + bytes + (size_t)kind <= BIG);
    if (compact) {
        memcpy(f->obj + hdr, data, bytes);
        f->spans[0].len = hdr + bytes + (size_t)kind;
    } else {
        put(f->obj, L->unicode_data, DATA_ADDR, 8);
        memcpy(f->buf, data, bytes);
        f->spans[0].len = (size_t)L->unicode_data + 8;
        f->spans[1].len = bytes + (size_t)kind;
    }
}

/* A 2.7 PyStringObject: ob_size, then the bytes and a NUL. */
static void fake_bytes27(struct fake *f, const char *s, size_t n)
{
    const struct pt_layout *L = &f->ctx.lay;
    put(f->obj, L->var_size, n, 8);
    memcpy(f->obj + L->bytes_sval, s, n);
    f->spans[0].len = (size_t)L->bytes_sval + n + 1;
}

static void expect_read(struct fake *f, size_t cap, const char *want, const char *what)
{
    char out[4 * BIG];
    ck_assert(cap <= sizeof out);
    enum pt_err err = pt_str_read(&f->ctx, OBJ_ADDR, out, cap);
    ck_assert_msg(err == PT_OK, "%d.%d %s: %s", f->ctx.lay.major, f->ctx.lay.minor, what,
                  pt_err_name(err));
    ck_assert_msg(strcmp(out, want) == 0, "%d.%d %s: got \"%.80s\" want \"%.80s\"",
                  f->ctx.lay.major, f->ctx.lay.minor, what, out, want);
}

static const int pep393_versions[][2] = {{3, 11}, {3, 12}, {3, 14}};

START_TEST(test_read_pep393)
{
    static const char ascii[] = "hello world";
    static const char latin1[] = "caf\xe9";
    static const char16_t ucs2[] = u"€ω";
    static const char32_t ucs4[] = U"a😀";
    const int *v = pep393_versions[_i];
    for (int compact = 1; compact >= 0; compact--) {
        const char *how = compact ? "compact" : "legacy (data pointer)";
        struct fake *f = fake_new(v[0], v[1]);
        fake_pep393(f, 1, ascii, NCHARS(ascii), compact);
        expect_read(f, 64, "hello world", how);
        fake_pep393(f, 1, latin1, NCHARS(latin1), compact);
        expect_read(f, 64, u8"café", how);
        fake_pep393(f, 2, ucs2, NCHARS(ucs2), compact);
        expect_read(f, 64, u8"€ω", how);
        fake_pep393(f, 4, ucs4, NCHARS(ucs4), compact);
        expect_read(f, 64, u8"a😀", how);
        expect_read(f, 4, u8"a", "UCS4 cut at a character boundary");
        free(f);
    }
}
END_TEST

START_TEST(test_read_long)
{
    /* Longer than PT_STR_MAX_CHARS: pytop reads that many characters. */
    static char32_t text[5000];
    for (size_t i = 0; i < 5000; i++)
        text[i] = i % 2 ? U'é' : U'€';
    const int *v = pep393_versions[_i];
    struct fake *f = fake_new(v[0], v[1]);
    fake_pep393(f, 4, text, 5000, true);
    char *out = malloc(4 * BIG);
    ck_assert(out != NULL);
    ck_assert_int_eq(pt_str_read(&f->ctx, OBJ_ADDR, out, 4 * BIG), PT_OK);
    ck_assert_msg(utf8_chars(out) == PT_STR_MAX_CHARS, "%zu characters read", utf8_chars(out));
    free(out);
    free(f);
}
END_TEST

START_TEST(test_read_rejects)
{
    const int *v = pep393_versions[_i];
    struct fake *f = fake_new(v[0], v[1]);
    static const char s[] = "abc";
    fake_pep393(f, 1, s, 3, true);
    char out[32] = "junk";
    /* Another type at ob_type: not a str, not read. */
    put(f->obj, f->ctx.lay.ob_type, STR_TYPE + 0x400, 8);
    ck_assert_int_eq(pt_str_read(&f->ctx, OBJ_ADDR, out, sizeof out), PT_EINVAL);
    ck_assert_str_eq(out, "");
    f->ctx.str_type = 0; /* type unknown: no check */
    expect_read(f, sizeof out, "abc", "unchecked type");
    /* Kind 3 does not exist; a negative length is garbage. */
    uint32_t state;
    memcpy(&state, f->obj + f->ctx.lay.unicode_state, 4);
    put(f->obj, f->ctx.lay.unicode_state, (state & ~0x1cu) | 3u << 2, 4);
    ck_assert_int_eq(pt_str_read(&f->ctx, OBJ_ADDR, out, sizeof out), PT_EINVAL);
    fake_pep393(f, 1, s, 3, true);
    put(f->obj, f->ctx.lay.unicode_length, (uint64_t)-5, 8);
    ck_assert_int_eq(pt_str_read(&f->ctx, OBJ_ADDR, out, sizeof out), PT_EINVAL);
    /* A legacy string whose buffer is not mapped. */
    fake_pep393(f, 1, s, 3, false);
    f->spans[1].len = 0;
    ck_assert_int_ne(pt_str_read(&f->ctx, OBJ_ADDR, out, sizeof out), PT_OK);
    ck_assert_int_eq(pt_str_read(&f->ctx, OBJ_ADDR, out, 0), PT_EINVAL);
    free(f);
}
END_TEST

START_TEST(test_read_bytes27)
{
    struct fake *f = fake_new(2, 7);
    static const char s[] = "caf\xc3\xa9\x1b[0m\x7f";
    fake_bytes27(f, s, NCHARS(s));
    expect_read(f, 64, u8"café?[0m?", "PyStringObject");
    /* cut to the buffer, never inside a UTF-8 sequence */
    expect_read(f, 5, u8"caf", "PyStringObject cut");
    put(f->obj, f->ctx.lay.ob_type, STR_TYPE + 8, 8);
    char out[8];
    ck_assert_int_eq(pt_str_read(&f->ctx, OBJ_ADDR, out, sizeof out), PT_EINVAL);
    free(f);
}
END_TEST

START_TEST(test_read_bytes27_long)
{
    struct fake *f = fake_new(2, 7);
    char *s = malloc(5000);
    ck_assert(s != NULL);
    memset(s, 'x', 5000);
    fake_bytes27(f, s, 5000);
    char *out = malloc(4 * BIG);
    ck_assert(out != NULL);
    enum pt_err err = pt_str_read(&f->ctx, OBJ_ADDR, out, 4 * BIG);
    ck_assert_msg(err == PT_OK && strlen(out) == PT_STR_MAX_CHARS,
                  "a 5000-byte 2.7 str: %s, %zu bytes", pt_err_name(err), strlen(out));
    free(out);
    free(s);
    free(f);
}
END_TEST

/* ---- live: strings held by each interpreter ---- */

struct live_str {
    char label[32];
    uint64_t addr, type;
    char *want;
};

static char *unhex(const char *h)
{
    size_t n = strlen(h) / 2;
    char *s = malloc(n + 1);
    ck_assert(s != NULL);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        ck_assert(sscanf(h + 2 * i, "%2x", &v) == 1);
        s[i] = (char)v;
    }
    s[n] = '\0';
    return s;
}

static size_t load_live(const char *path, struct live_str *v, size_t cap)
{
    FILE *fp = fopen(path, "r");
    ck_assert_msg(fp != NULL, "target wrote no %s", path);
    char *line = NULL;
    size_t lcap = 0, n = 0;
    static char hex[1 << 16];
    while (n < cap && getline(&line, &lcap, fp) > 0) {
        hex[0] = '\0';
        if (sscanf(line, "%31s %" SCNx64 " %" SCNx64 " %65535s", v[n].label, &v[n].addr,
                   &v[n].type, hex) < 3)
            continue;
        v[n++].want = unhex(hex);
    }
    free(line);
    fclose(fp);
    return n;
}

/* got must equal want, or, where want does not fit (PT_STR_MAX_CHARS),
 * be its first PT_STR_MAX_CHARS characters. */
static void check_live_one(const char *label, const struct live_str *s, const char *got)
{
    size_t wchars = utf8_chars(s->want);
    if (wchars <= PT_STR_MAX_CHARS) {
        ck_assert_msg(strcmp(got, s->want) == 0, "%s %s: got \"%.80s\", interpreter: \"%.80s\"",
                      label, s->label, got, s->want);
        return;
    }
    size_t n = strlen(got);
    ck_assert_msg(utf8_chars(got) == PT_STR_MAX_CHARS && strncmp(got, s->want, n) == 0,
                  "%s %s: long string: %zu characters, or not a prefix", label, s->label,
                  utf8_chars(got));
}

static void live_read_all(const struct py_interp *py, pid_t pid, struct live_str *v, size_t n)
{
    struct pt_mem mem;
    struct pt_mem_proc proc;
    pt_mem_proc_init(&mem, &proc, pid);
    struct pt_pyctx ctx = {.mem = &mem, .facts = pt_facts_find(py->major, py->minor)};
    const struct pt_layout *lay = pt_layout_find(py->major, py->minor);
    ck_assert_msg(lay && ctx.facts, "%s: no layout/facts", py->label);
    ctx.lay = *lay;
    static char out[4 * PT_STR_MAX_CHARS + 64];
    for (size_t i = 0; i < n; i++) {
        ctx.str_type = v[i].type;
        enum pt_err err = pt_str_read(&ctx, v[i].addr, out, sizeof out);
        ck_assert_msg(err == PT_OK, "%s %s: %s", py->label, v[i].label, pt_err_name(err));
        check_live_one(py->label, &v[i], out);
    }
    /* The first object is a plain str; claim it should be the subclass. */
    uint64_t other = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].type != v[0].type)
            other = v[i].type;
    ck_assert_msg(other != 0, "%s: no subclass object", py->label);
    ctx.str_type = other;
    ck_assert_int_eq(pt_str_read(&ctx, v[0].addr, out, sizeof out), PT_EINVAL);
}

START_TEST(test_live_strings)
{
    const struct py_interp *all;
    size_t count = harness_interps(&all);
    ck_assert((size_t)_i < count);
    const struct py_interp *py = &all[_i];
    if (!py->path[0]) {
        printf("skipped: %s (live strings)\n", py->label);
        fflush(stdout);
        return;
    }
    char tmp[] = "/tmp/pytop-strXXXXXX", script[1024];
    int fd = mkstemp(tmp);
    ck_assert(fd >= 0);
    close(fd);
    snprintf(script, sizeof script, "%s/test/unit/strtarget.py", harness_root());
    char *args[] = {script, tmp, NULL};
    pid_t pid = harness_start_target(py->path, args, 30);
    ck_assert_msg(pid > 0, "%s: strtarget.py did not start", py->label);
    struct live_str v[32];
    size_t n = load_live(tmp, v, 32);
    unlink(tmp);
    ck_assert_msg(n >= 5, "%s: only %zu objects listed", py->label, n);
    live_read_all(py, pid, v, n);
    harness_stop_target(pid);
    printf("string: %s: %zu live str objects read as the interpreter encodes them\n", py->label, n);
    fflush(stdout);
    for (size_t i = 0; i < n; i++)
        free(v[i].want);
}
END_TEST

/* 2.7 names are raw bytes: only valid UTF-8 without controls survives. */
START_TEST(test_sanitize_utf8)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain.py", "plain.py"},
        {u8"caf\u00e9 \u51fd \U00020000", u8"caf\u00e9 \u51fd \U00020000"},
        {"a\xff" "b", "a?b"},                 /* not UTF-8 at all */
        {"\xc0\xaf" "x", "??" "x"},              /* overlong '/' */
        {"\xed\xa0\x80!", "??" "?!"},         /* encoded surrogate */
        {"\xf4\x90\x80\x80", "??" "??"},      /* past U+10FFFF */
        {"x\xc2\x9b" "[31m", "x??" "[31m"},       /* U+009B: 8-bit CSI */
        {"tab\there\x7f", "tab?here?"},
        {"cut\xe5\x87", "cut??" ""},          /* truncated sequence */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s", cases[i].in);
        pt_str_sanitize_utf8(buf, strlen(buf));
        ck_assert_msg(strcmp(buf, cases[i].out) == 0, "case %zu: got \"%s\"", i, buf);
    }
}
END_TEST

Suite *suite_string(void)
{
    Suite *s = suite_create("string");
    TCase *enc = tcase_create("encode");
    tcase_add_test(enc, test_encode_kinds);
    tcase_add_test(enc, test_encode_surrogates);
    tcase_add_test(enc, test_encode_controls);
    tcase_add_test(enc, test_encode_truncation);
    tcase_add_test(enc, test_sanitize_utf8);
    suite_add_tcase(s, enc);

    TCase *syn = tcase_create("synthetic");
    int nv = (int)(sizeof pep393_versions / sizeof pep393_versions[0]);
    tcase_add_loop_test(syn, test_read_pep393, 0, nv);
    tcase_add_loop_test(syn, test_read_long, 0, nv);
    tcase_add_loop_test(syn, test_read_rejects, 0, nv);
    tcase_add_test(syn, test_read_bytes27);
    tcase_add_test(syn, test_read_bytes27_long);
    suite_add_tcase(s, syn);

    const struct py_interp *all;
    TCase *live = tcase_create("live");
    tcase_set_timeout(live, 60);
    tcase_add_loop_test(live, test_live_strings, 0, (int)harness_interps(&all));
    suite_add_tcase(s, live);
    return s;
}
