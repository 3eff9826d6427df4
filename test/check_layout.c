/*
 * check_layout — the committed offset table against the interpreters here.
 *
 * 1. tools/gen-layouts --check re-measures every row it can from the
 *    headers on this machine (offsetof in each version's own headers) and
 *    compares with src/py_layout_table.c.
 * 2. CPython 3.13+ ships its own offsets (_Py_DebugOffsets at the start of
 *    _PyRuntime). Read from the real binaries' ELF files and overlaid onto
 *    the table row, they must agree with it field for field, except for
 *    the size a patch release grew (KNOWN_DRIFT).
 */
#include "harness.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pytop/elf_image.h"
#include "pytop/py_debugoffsets.h"
#include "pytop/py_layout.h"

START_TEST(test_gen_layouts_check)
{
    char tool[1024];
    snprintf(tool, sizeof tool, "%s/tools/gen-layouts", harness_root());
    char *argv[] = {tool, "--check", NULL}, *out = NULL, *err = NULL;
    int rc = harness_run(argv, &out, &err, 120);
    /* Show what could not be compared here, and why. */
    const char *texts[] = {out, err};
    for (size_t k = 0; k < 2; k++) {
        char *copy = texts[k] ? strdup(texts[k]) : NULL;
        for (char *save = NULL, *l = copy ? strtok_r(copy, "\n", &save) : NULL; l;
             l = strtok_r(NULL, "\n", &save))
            if (strstr(l, "skip") || strstr(l, "WARNING") || strstr(l, "rows compared"))
                printf("layout: gen-layouts: %s\n", l);
        free(copy);
    }
    fflush(stdout);
    ck_assert_msg(rc == 0, "tools/gen-layouts --check exited %d:\n%s%s", rc, out ? out : "",
                  err ? err : "");
    free(out);
    free(err);
}
END_TEST

/* ---- _Py_DebugOffsets ---- */

/* Fields a patch release may grow; they are allowed to differ from the
 * table (which keeps the smallest). PyThreadState gained a member in 3.13.x
 * (gh-142183), so a later 3.13 reports a bigger ts_size than 3.13.0. */
static bool known_drift(const char *field) { return strcmp(field, "ts_size") == 0; }

struct dbgsrc {
    const char *label; /* harness interpreter */
    bool libpython;    /* pyenv: the block lives in libpython, not the executable */
};

static const struct dbgsrc sources[] = {
    {"pyenv-3.13", true},
    {"debian-sid-3.13", false},
    {"debian-sid-3.14", false},
};
#define NSOURCES (sizeof sources / sizeof sources[0])

static const struct py_interp *find_interp(const char *label)
{
    const struct py_interp *all;
    size_t n = harness_interps(&all);
    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i].label, label) == 0)
            return &all[i];
    return NULL;
}

static bool elf_of(const struct dbgsrc *src, char *out, size_t cap)
{
    const struct py_interp *py = find_interp(src->label);
    if (!py || !py->path[0])
        return false;
    if (!src->libpython) {
        snprintf(out, cap, "%s", py->path);
        return true;
    }
    char prefix[512];
    snprintf(prefix, sizeof prefix, "%s", py->path);
    for (int up = 0; up < 2; up++) /* .../bin/python3.13 -> ... */
        *strrchr(prefix, '/') = '\0';
    snprintf(out, cap, "%s/lib/libpython%d.%d.so.1.0", prefix, py->major, py->minor);
    return access(out, R_OK) == 0;
}

/* The block as the file holds it (initialised data: no process needed). */
static size_t read_block(const char *path, int decl, uint8_t *block)
{
    struct pt_elf *elf = NULL;
    ck_assert_msg(pt_elf_open(path, &elf) == PT_OK, "cannot open %s", path);
    uint64_t rt = 0;
    ck_assert_msg(pt_elf_symbol(elf, "_PyRuntime", &rt, NULL), "%s: no _PyRuntime", path);
    size_t size = pt_debugoffsets_size(decl);
    ck_assert_msg(size > 0 && size <= PT_DEBUG_OFFSETS_MAX, "no declaration %d", decl);
    memset(block, 0, PT_DEBUG_OFFSETS_MAX);
    /* Read all we may (the next declaration's worth), to test misuse too. */
    size_t len = size;
    if (pt_elf_read_vaddr(elf, rt, block, PT_DEBUG_OFFSETS_MAX) == PT_OK)
        len = PT_DEBUG_OFFSETS_MAX;
    else
        ck_assert_int_eq(pt_elf_read_vaddr(elf, rt, block, size), PT_OK);
    pt_elf_close(elf);
    return len;
}

/* A layout with every field set to a value no real offset has. */
static struct pt_layout poisoned(const struct pt_layout *row)
{
    struct pt_layout p = *row;
#define POISON(name) p.name = 0x7ead0000;
    PT_LAYOUT_FIELDS(POISON)
#undef POISON
    return p;
}

/* Compare the overlaid layout with the table row; names the differences. */
static int compare_rows(const struct pt_layout *row, const struct pt_layout *got,
                        const char *label, int *overlaid, int *ndiff, char *drift, size_t cap)
{
    int bad = 0;
    *overlaid = *ndiff = 0;
    drift[0] = '\0';
#define CMP(name)                                                                        \
    if (got->name != 0x7ead0000) {                                                       \
        (*overlaid)++;                                                                   \
        if (got->name != row->name) {                                                    \
            (*ndiff)++;                                                                  \
            size_t at = strlen(drift);                                                   \
            snprintf(drift + at, cap - at, " %s (table %d, block %d)", #name, row->name, \
                     got->name);                                                         \
            if (!known_drift(#name)) {                                                   \
                bad++;                                                                   \
                fprintf(stderr, "%s: %s: table %d, _Py_DebugOffsets %d\n", label, #name, \
                        row->name, got->name);                                           \
            }                                                                            \
        }                                                                                \
    }
    PT_LAYOUT_FIELDS(CMP)
#undef CMP
    return bad;
}

START_TEST(test_debug_offsets_match_table)
{
    const struct dbgsrc *src = &sources[_i];
    char path[600];
    if (!elf_of(src, path, sizeof path)) {
        printf("skipped: %s (_Py_DebugOffsets)\n", src->label);
        fflush(stdout);
        return;
    }
    const struct py_interp *py = find_interp(src->label);
    int decl = 300 + py->minor;
    const struct pt_layout *row = pt_layout_find(py->major, py->minor);
    ck_assert_msg(row != NULL, "no table row for %d.%d", py->major, py->minor);
    uint8_t block[PT_DEBUG_OFFSETS_MAX];
    size_t len = read_block(path, decl, block);

    /* Onto the table row: only known drift may differ. */
    struct pt_layout lay = *row;
    int differs = -1;
    ck_assert_int_eq(pt_debugoffsets_apply(block, len, decl, &lay, &differs), PT_OK);
    /* Onto poison: shows which fields the block carries, and their values. */
    struct pt_layout p = poisoned(row);
    int pdiffers = -1, overlaid, ndiff;
    ck_assert_int_eq(pt_debugoffsets_apply(block, len, decl, &p, &pdiffers), PT_OK);
    char drift[512];
    int bad = compare_rows(row, &p, src->label, &overlaid, &ndiff, drift, sizeof drift);
    printf("layout: %s: _Py_DebugOffsets overlays %d fields, %d differ from the table:%s\n",
           src->label, overlaid, differs, drift[0] ? drift : " none");
    fflush(stdout);
    ck_assert_msg(bad == 0, "%s: %d fields of _Py_DebugOffsets differ from the table:%s",
                  src->label, bad, drift);
    ck_assert_msg(overlaid >= 30 && pdiffers == overlaid,
                  "%s: only %d fields overlaid (differs %d)", src->label, overlaid, pdiffers);
    ck_assert_msg(differs == ndiff, "%s: apply reported %d differences, there are %d:%s",
                  src->label, differs, ndiff, drift);
}
END_TEST

/* The first block present, for the misuse tests. */
static int any_block(uint8_t *block, size_t *len)
{
    for (size_t i = 0; i < NSOURCES; i++) {
        char path[600];
        if (elf_of(&sources[i], path, sizeof path)) {
            int decl = 300 + find_interp(sources[i].label)->minor;
            *len = read_block(path, decl, block);
            return decl;
        }
    }
    return 0;
}

/* What the decoders rely on whatever a block says: the fields they read
 * out of fixed-size copies of a frame, a code header and a str header lie
 * inside those copies. */
static bool copies_hold(const struct pt_layout *L)
{
    const int32_t frame[][2] = {{L->iframe_previous, 8}, {L->iframe_code, 8},
                                {L->iframe_instr, 8},    {L->iframe_owner, 1}};
    const int32_t code[][2] = {{L->code_filename, 8}, {L->code_name, 8}, {L->code_qualname, 8},
                               {L->code_linetable, 8}, {L->code_firstlineno, 4}, {L->ob_type, 8}};
    const int32_t str[][2] = {{L->unicode_state, 4}, {L->unicode_length, 8}, {L->ob_type, 8}};
    for (size_t i = 0; i < sizeof frame / sizeof frame[0]; i++)
        if (frame[i][0] + frame[i][1] > L->iframe_size)
            return false;
    for (size_t i = 0; i < sizeof code / sizeof code[0]; i++)
        if (code[i][0] + code[i][1] > L->code_size)
            return false;
    for (size_t i = 0; i < sizeof str / sizeof str[0]; i++)
        if (str[i][0] + str[i][1] > L->unicode_ascii_size)
            return false;
    return true;
}

START_TEST(test_debug_offsets_refused)
{
    uint8_t block[PT_DEBUG_OFFSETS_MAX], bad[PT_DEBUG_OFFSETS_MAX];
    size_t len;
    int decl = any_block(block, &len);
    if (!decl) {
        printf("skipped: _Py_DebugOffsets misuse (no 3.13+ interpreter)\n");
        return;
    }
    const struct pt_layout *row = pt_layout_find(3, decl - 300);
    struct pt_layout lay = *row;
    size_t size = pt_debugoffsets_size(decl);
    int other = decl == 313 ? 314 : 313;

    memcpy(bad, block, len);
    bad[3] ^= 0x20; /* "xdeBugpy" */
    ck_assert_int_eq(pt_debugoffsets_apply(bad, len, decl, &lay, NULL), PT_EINVAL);

    memcpy(bad, block, len);
    uint64_t one = 1; /* free_threaded follows cookie[8] and version */
    memcpy(bad + 16, &one, sizeof one);
    ck_assert_int_eq(pt_debugoffsets_apply(bad, len, decl, &lay, NULL), PT_EUNSUPPORTED);

    ck_assert_int_eq(pt_debugoffsets_apply(block, size - 1, decl, &lay, NULL), PT_EINVAL);
    if (len >= pt_debugoffsets_size(other)) /* another minor's block */
        ck_assert_int_eq(pt_debugoffsets_apply(block, len, other, &lay, NULL), PT_EINVAL);
    ck_assert_uint_eq(pt_debugoffsets_size(312), 0);
    ck_assert_int_eq(pt_debugoffsets_apply(block, len, 312, &lay, NULL), PT_EINVAL);

    memcpy(bad, block, len);
    memset(bad + 24, 0xff, size - 24); /* every offset absurd */
    ck_assert_int_eq(pt_debugoffsets_apply(bad, len, decl, &lay, NULL), PT_EINVAL);

    /* Found by fuzzing: a block whose frame, code or str size is smaller
     * than the offsets it gives moved reads past the decoders' copies.
     * Every word set to a small value: refused, or still consistent. */
    int refused = 0;
    for (size_t at = 24; at + 8 <= size; at += 8) { /* past cookie, version, free_threaded */
        const uint64_t small[] = {0, 1, 8};
        for (size_t k = 0; k < sizeof small / sizeof small[0]; k++) {
            lay = *row;
            memcpy(bad, block, len);
            memcpy(bad + at, &small[k], sizeof small[k]);
            enum pt_err err = pt_debugoffsets_apply(bad, len, decl, &lay, NULL);
            ck_assert_msg(err == PT_EINVAL || (err == PT_OK && copies_hold(&lay)),
                          "word at %zu = %llu: %s", at, (unsigned long long)small[k], pt_err_name(err));
            refused += err == PT_EINVAL;
        }
    }
    ck_assert_int_gt(refused, 0);
}
END_TEST

Suite *suite_layout(void)
{
    Suite *s = suite_create("layout");
    TCase *gen = tcase_create("gen-layouts");
    tcase_set_timeout(gen, 180);
    tcase_add_test(gen, test_gen_layouts_check);
    suite_add_tcase(s, gen);
    TCase *dbg = tcase_create("debug-offsets");
    tcase_set_timeout(dbg, 60);
    tcase_add_loop_test(dbg, test_debug_offsets_match_table, 0, (int)NSOURCES);
    tcase_add_test(dbg, test_debug_offsets_refused);
    suite_add_tcase(s, dbg);
    return s;
}
