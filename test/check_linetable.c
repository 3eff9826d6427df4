/*
 * check_linetable — pt_line_lookup against every interpreter's own answers.
 *
 * test/unit/linevectors.py, run by each interpreter present, compiles a set
 * of awkward functions and prints each code object's raw line table and the
 * line the interpreter reports at every offset (co_lines() on 3.10+,
 * dis.findlinestarts on older ones, and the C function PyCode_Addr2Line via
 * ctypes). We decode the same bytes and must agree at every offset. On 3.11+
 * the script also runs under -X no_debug_ranges, which makes the compiler
 * emit the column-less entry kind the default build never uses.
 */
#include "harness.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pytop/py_linetable.h"

/* The format pytop must use for a version (independent of src/py_facts.c,
 * so a wrong row there is caught here too). */
static enum pt_linefmt fmt_for(int major, int minor)
{
    if (major == 2)
        return PT_LINES_LNOTAB_U8;
    if (minor <= 9)
        return PT_LINES_LNOTAB_S8;
    return minor == 10 ? PT_LINES_PEP626 : PT_LINES_LOCATIONS;
}

static const char *fmt_hint(enum pt_linefmt f)
{
    static const char *const names[] = {"lnotab-u8", "lnotab-s8", "pep626", "locations"};
    return names[f];
}

/* One "code" record of the script's output. */
struct vec {
    char name[128];
    int first, step;
    uint8_t *tab;
    size_t tablen;
};

struct tally {
    size_t codes, offsets, addr2line, mismatches;
    char first_bad[512];
};

static uint8_t *unhex(const char *s, size_t *len)
{
    size_t n = strcmp(s, "-") == 0 ? 0 : strlen(s) / 2;
    uint8_t *b = malloc(n + 1);
    ck_assert_msg(b != NULL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        ck_assert_msg(sscanf(s + 2 * i, "%2x", &v) == 1, "bad hex in vectors: %s", s);
        b[i] = (uint8_t)v;
    }
    *len = n;
    return b;
}

static void note_bad(struct tally *t, const char *label, const char *what, const struct vec *v,
                     long off, int want, int got)
{
    if (t->mismatches++ == 0)
        snprintf(t->first_bad, sizeof t->first_bad,
                 "%s: %s of code %s (firstlineno %d): offset %ld: interpreter says %d, "
                 "pt_line_lookup says %d",
                 label, what, v->name, v->first, off, want, got);
}

/* Compare a comma-separated line list ("-" = no line) offset by offset. */
static void compare_lines(const char *label, const char *what, enum pt_linefmt f,
                          const struct vec *v, char *list, struct tally *t)
{
    long off = 0;
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save), off += v->step) {
        int want = strcmp(tok, "-") == 0 ? PT_NOLINE : atoi(tok);
        int got = pt_line_lookup(f, v->tab, v->tablen, v->first, off);
        t->offsets++;
        if (got != want)
            note_bad(t, label, what, v, off, want, got);
    }
}

static void on_code(const char *label, enum pt_linefmt f, char *rest, struct vec *v,
                    struct tally *t)
{
    char hex[65536];
    int used = 0;
    free(v->tab);
    v->tab = NULL;
    ck_assert_msg(sscanf(rest, "%127s %d %d %65535s %n", v->name, &v->first, &v->step, hex,
                         &used) == 4 && used > 0,
                  "%s: unparsable code record: %.200s", label, rest);
    v->tab = unhex(hex, &v->tablen);
    t->codes++;
    /* A frame that has not started (addrq -1) is on its first line. */
    int got = pt_line_lookup(f, v->tab, v->tablen, v->first, -1);
    if (got != v->first)
        note_bad(t, label, "not-started frame", v, -1, v->first, got);
    compare_lines(label, "co_lines/findlinestarts", f, v, rest + used, t);
}

static void on_addr2line(const char *label, enum pt_linefmt f, char *rest, const struct vec *v,
                         struct tally *t)
{
    char name[128];
    int at_minus1, used = 0;
    ck_assert_msg(sscanf(rest, "%127s %d %n", name, &at_minus1, &used) == 2 && used > 0 &&
                      v->tab && strcmp(name, v->name) == 0,
                  "%s: addr2line record does not follow its code record: %.200s", label, rest);
    int got = pt_line_lookup(f, v->tab, v->tablen, v->first, -1);
    if (got != at_minus1)
        note_bad(t, label, "PyCode_Addr2Line(-1)", v, -1, at_minus1, got);
    size_t before = t->offsets;
    compare_lines(label, "PyCode_Addr2Line", f, v, rest + used, t);
    t->addr2line += t->offsets - before;
    t->offsets = before;
}

/* The "version" header: the interpreter must be the one the harness says. */
static void on_version(const struct py_interp *py, enum pt_linefmt f, const char *rest)
{
    int ma, mi, mc;
    char hint[32];
    ck_assert_msg(sscanf(rest, "%d %d %d %31s", &ma, &mi, &mc, hint) == 4,
                  "%s: bad version record: %s", py->label, rest);
    ck_assert_msg(ma == py->major && mi == py->minor, "%s: interpreter reports %d.%d.%d",
                  py->label, ma, mi, mc);
    ck_assert_msg(strcmp(hint, fmt_hint(f)) == 0, "%s: script says format %s, test expects %s",
                  py->label, hint, fmt_hint(f));
}

static void check_output(const struct py_interp *py, const char *label, char *out,
                         struct tally *t)
{
    enum pt_linefmt f = fmt_for(py->major, py->minor);
    struct vec v = {.tab = NULL};
    bool versioned = false;
    for (char *save = NULL, *line = strtok_r(out, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *sp = strchr(line, ' ');
        ck_assert_msg(sp != NULL, "%s: unexpected output line: %.200s", label, line);
        *sp = '\0';
        if (strcmp(line, "version") == 0) {
            on_version(py, f, sp + 1);
            versioned = true;
        } else if (strcmp(line, "code") == 0) {
            on_code(label, f, sp + 1, &v, t);
        } else if (strcmp(line, "addr2line") == 0) {
            on_addr2line(label, f, sp + 1, &v, t);
        }
    }
    free(v.tab);
    ck_assert_msg(versioned, "%s: no version record", label);
}

static void run_vectors(const struct py_interp *py, bool no_ranges)
{
    char script[1024], label[128];
    snprintf(script, sizeof script, "%s/test/unit/linevectors.py", harness_root());
    snprintf(label, sizeof label, "%s%s", py->label, no_ranges ? " -X no_debug_ranges" : "");
    char *argv[] = {(char *)py->path, "-X", "no_debug_ranges", script, NULL};
    if (!no_ranges) {
        argv[1] = script;
        argv[2] = NULL;
    }
    char *out = NULL, *err = NULL;
    int rc = harness_run(argv, &out, &err, 60);
    ck_assert_msg(rc == 0 && out, "%s: linevectors.py failed (exit %d): %.500s", label, rc,
                  err ? err : "");
    struct tally t = {0};
    check_output(py, label, out, &t);
    free(out);
    free(err);
    printf("linetable: %s: %zu code objects, %zu offsets match the interpreter, "
           "%zu also via PyCode_Addr2Line\n",
           label, t.codes, t.offsets, t.addr2line);
    fflush(stdout);
    ck_assert_msg(t.codes >= 10 && t.offsets >= 300, "%s: too few vectors (%zu codes, %zu offsets)",
                  label, t.codes, t.offsets);
    ck_assert_msg(t.mismatches == 0, "%zu mismatches; first: %s", t.mismatches, t.first_bad);
}

START_TEST(test_interpreter_vectors)
{
    const struct py_interp *all;
    size_t n = harness_interps(&all);
    ck_assert((size_t)_i < n);
    const struct py_interp *py = &all[_i];
    if (!py->path[0]) {
        printf("skipped: %s (linetable vectors)\n", py->label);
        fflush(stdout);
        return;
    }
    run_vectors(py, false);
    if (py->major == 3 && py->minor >= 11)
        run_vectors(py, true);
}
END_TEST

/* Cut tables (a copy racing a rewrite, a bad pointer) must never read past
 * their end nor invent a line for an offset they no longer cover. Uses the
 * vectors of the first interpreter present of each format. */
static void check_prefixes(enum pt_linefmt f, const uint8_t *tab, size_t len, int first,
                           size_t code_len)
{
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut + 1); /* exact size: ASan sees any overrun */
        ck_assert(copy != NULL);
        memcpy(copy, tab, cut);
        for (int64_t off = 0; off < (int64_t)code_len + 8; off += 2)
            (void)pt_line_lookup(f, copy, cut, first, off);
        if (cut == 0 && f != PT_LINES_LNOTAB_U8 && f != PT_LINES_LNOTAB_S8)
            ck_assert_msg(pt_line_lookup(f, copy, 0, first, 0) == PT_NOLINE,
                          "%s: an empty table gave a line", fmt_hint(f));
        free(copy);
    }
}

START_TEST(test_truncated_tables)
{
    const struct py_interp *all;
    size_t n = harness_interps(&all);
    bool seen[4] = {false};
    char script[1024];
    snprintf(script, sizeof script, "%s/test/unit/linevectors.py", harness_root());
    for (size_t i = 0; i < n; i++) {
        enum pt_linefmt f = fmt_for(all[i].major, all[i].minor);
        if (!all[i].path[0] || seen[f])
            continue;
        seen[f] = true;
        char *argv[] = {(char *)all[i].path, script, NULL}, *out = NULL;
        ck_assert_msg(harness_run(argv, &out, NULL, 60) == 0 && out, "%s: script failed",
                      all[i].label);
        char *save = NULL;
        for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            char name[128], hex[65536], lines[65536];
            int first, step;
            if (sscanf(line, "code %127s %d %d %65535s %65535s", name, &first, &step, hex,
                       lines) != 5)
                continue;
            size_t len;
            uint8_t *tab = unhex(hex, &len);
            size_t offsets = 1;
            for (const char *c = lines; *c; c++)
                offsets += *c == ',';
            check_prefixes(f, tab, len, first, offsets * (size_t)step);
            free(tab);
        }
        free(out);
    }
}
END_TEST

/* Found by inspection while fuzzing: deltas summed past INT_MAX (a first
 * line near it, or 3.11+ long entries of +2**30 each) overflowed an int.
 * Such a sum is no line; below it the table still answers. */
START_TEST(test_line_overflow)
{
    const uint8_t lnotab[] = {0, 1, 2, 1};
    ck_assert_int_eq(pt_line_lookup(PT_LINES_LNOTAB_U8, lnotab, 4, INT32_MAX - 1, 1), INT32_MAX);
    ck_assert_int_eq(pt_line_lookup(PT_LINES_LNOTAB_U8, lnotab, 4, INT32_MAX - 1, 2), PT_NOLINE);
    ck_assert_int_eq(pt_line_lookup(PT_LINES_LNOTAB_S8, lnotab, 4, INT32_MAX, 0), PT_NOLINE);
    const uint8_t pep626[] = {2, 127, 2, 1};
    ck_assert_int_eq(pt_line_lookup(PT_LINES_PEP626, pep626, 4, INT32_MAX - 127, 0), INT32_MAX);
    ck_assert_int_eq(pt_line_lookup(PT_LINES_PEP626, pep626, 4, INT32_MAX - 127, 2), PT_NOLINE);
    /* three long entries (code 14), one code unit each, line delta +2**30:
     * svarint 2**31 in 6-bit groups */
    uint8_t loc[32];
    size_t n = 0;
    for (int e = 0; e < 3; e++) {
        loc[n++] = 0x80 | 14 << 3;
        for (uint32_t v = 1u << 31; v; v >>= 6)
            loc[n++] = (uint8_t)((v & 63) | (v >> 6 ? 64 : 0));
    }
    ck_assert_int_eq(pt_line_lookup(PT_LINES_LOCATIONS, loc, n, 0, 0), 1 << 30);
    ck_assert_int_eq(pt_line_lookup(PT_LINES_LOCATIONS, loc, n, 0, 2), PT_NOLINE);
}
END_TEST

Suite *suite_linetable(void)
{
    Suite *s = suite_create("linetable");
    const struct py_interp *all;
    size_t n = harness_interps(&all);
    TCase *tc = tcase_create("interpreters");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_interpreter_vectors, 0, (int)n);
    suite_add_tcase(s, tc);
    TCase *tr = tcase_create("robustness");
    tcase_set_timeout(tr, 120);
    tcase_add_test(tr, test_truncated_tables);
    tcase_add_test(tr, test_line_overflow);
    suite_add_tcase(s, tr);
    return s;
}
