/*
 * check_codecache — a code object replaced at its address is never shown
 * under its predecessor's name.
 *
 * Unit: the code cache over a synthetic 3.12 code object whose name the
 * test changes in place (what a code object freed and replaced at the
 * same address looks like). While the target's code-object count holds,
 * an entry checked under it is used without a read; once the count moves,
 * or when it is unknown, the header is read and the new name decoded.
 *
 * Live: test/targets/codechurn.py compiles a function, calls it from one
 * of two lines, drops it and compiles the other (even, odd), so code
 * objects are replaced at the same addresses all the time. On every
 * interpreter present, pytop -b at 1 kHz writes --collapsed stacks; no
 * stack may show odd under the even line or even under the odd one, and
 * both must have been seen.
 */
#include "harness.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pytop/py_code.h"

/* ------------------------------------------------------------------------
 * Unit: the trust rule.
 */
#define CODE 0x7f3000001000ull
#define NAME_A 0x7f3000002000ull
#define NAME_B 0x7f3000003000ull
#define FILE_S 0x7f3000004000ull
#define LINES 0x7f3000005000ull
#define CODE_TYPE 0x7f30000a0000ull
#define STR_TYPE 0x7f30000a1000ull
#define OBJ 256

struct image {
    uint8_t code[OBJ], a[OBJ], b[OBJ], file[OBJ], lines[OBJ];
    struct pt_mem_span spans[5];
    struct pt_mem_image img;
    struct pt_mem inner, counting;
    unsigned reads;
    struct pt_pyctx ctx;
};

static enum pt_err counted_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    struct image *im = ctx;
    im->reads++;
    return pt_mem_read(&im->inner, addr, buf, len);
}

static void put(uint8_t *at, int32_t off, uint64_t v, size_t width)
{
    ck_assert_msg(off >= 0, "layout field missing");
    memcpy(at + off, &v, width);
}

/* A compact ASCII str (3.12: state kind 1, compact, ascii). */
static void ascii(const struct pt_layout *L, uint8_t *obj, const char *s)
{
    put(obj, L->ob_type, STR_TYPE, 8);
    put(obj, L->unicode_length, strlen(s), 8);
    put(obj, L->unicode_state, 1u << 2 | 1u << 5 | 1u << 6, 4);
    memcpy(obj + L->unicode_ascii_size, s, strlen(s) + 1);
}

static void image_init(struct image *im)
{
    memset(im, 0, sizeof *im);
    const struct pt_layout *L = pt_layout_find(3, 12);
    ck_assert(L != NULL);
    im->ctx.lay = *L;
    im->ctx.facts = pt_facts_find(3, 12);
    im->ctx.str_type = STR_TYPE;
    im->ctx.code_type = CODE_TYPE;
    ck_assert((size_t)L->code_size <= OBJ);
    put(im->code, L->ob_type, CODE_TYPE, 8);
    put(im->code, L->code_qualname, NAME_A, 8);
    put(im->code, L->code_name, NAME_A, 8);
    put(im->code, L->code_filename, FILE_S, 8);
    put(im->code, L->code_linetable, LINES, 8);
    put(im->code, L->code_firstlineno, 7, 4);
    ascii(L, im->a, "alpha");
    ascii(L, im->b, "beta");
    ascii(L, im->file, "/srv/app.py");
    put(im->lines, L->var_size, 0, 8); /* an empty line table */
    const uint64_t at[] = {CODE, NAME_A, NAME_B, FILE_S, LINES};
    uint8_t *objs[] = {im->code, im->a, im->b, im->file, im->lines};
    for (size_t i = 0; i < 5; i++)
        im->spans[i] = (struct pt_mem_span){at[i], objs[i], OBJ};
    im->img = (struct pt_mem_image){im->spans, 5};
    pt_mem_image_init(&im->inner, &im->img);
    im->counting = (struct pt_mem){.read = counted_read, .readv = NULL, .ctx = im};
    im->ctx.mem = &im->counting;
}

/* The name the cache gives for CODE, and how many reads that took. */
static const char *lookup(struct pt_codecache *cc, struct image *im, const struct pt_code_epoch *ep,
                          unsigned *reads)
{
    uint64_t addrs[1] = {CODE};
    uint32_t map[1];
    struct pt_code *out[1];
    enum pt_err errs[1];
    unsigned before = im->reads;
    ck_assert_int_eq(pt_code_get_many(cc, &im->ctx, ep, addrs, 1, map, out, errs), PT_OK);
    ck_assert_int_eq(errs[map[0]], PT_OK);
    *reads = im->reads - before;
    return out[map[0]]->name;
}

/* What the target's replacing the code object at CODE looks like. */
static void replace(struct image *im)
{
    put(im->code, im->ctx.lay.code_qualname, NAME_B, 8);
    put(im->code, im->ctx.lay.code_name, NAME_B, 8);
}

START_TEST(trusted_while_the_count_holds)
{
    struct image im;
    image_init(&im);
    struct pt_codecache cc;
    pt_codecache_init(&cc);
    unsigned reads;
    const struct pt_code_epoch held = {5, 5, true, true};
    ck_assert_str_eq(lookup(&cc, &im, &held, &reads), "alpha");
    ck_assert_uint_gt(reads, 0);
    /* the count has not moved: no read, whatever the memory says now */
    ck_assert_str_eq(lookup(&cc, &im, &held, &reads), "alpha");
    ck_assert_uint_eq(reads, 0);
    /* the count moved (a code object was made or freed): read, decode anew */
    replace(&im);
    const struct pt_code_epoch moved = {6, 6, true, true};
    ck_assert_str_eq(lookup(&cc, &im, &moved, &reads), "beta");
    ck_assert_uint_gt(reads, 0);
    ck_assert_str_eq(lookup(&cc, &im, &moved, &reads), "beta");
    ck_assert_uint_eq(reads, 0);
    pt_codecache_free(&cc);
}
END_TEST

START_TEST(read_when_the_count_is_unknown)
{
    struct image im;
    image_init(&im);
    struct pt_codecache cc;
    pt_codecache_init(&cc);
    unsigned reads;
    /* no count at all (<= 3.11, a stripped 3.12): every use reads */
    ck_assert_str_eq(lookup(&cc, &im, NULL, &reads), "alpha");
    replace(&im);
    ck_assert_str_eq(lookup(&cc, &im, NULL, &reads), "beta");
    ck_assert_uint_gt(reads, 0);
    /* a count read now but no stamp from before this walk's reads: the
     * entry is checked, and not trusted next time */
    const struct pt_code_epoch unstamped = {9, 0, true, false};
    ck_assert_str_eq(lookup(&cc, &im, &unstamped, &reads), "beta");
    ck_assert_uint_gt(reads, 0);
    ck_assert_str_eq(lookup(&cc, &im, &unstamped, &reads), "beta");
    ck_assert_uint_gt(reads, 0);
    /* a stamp but the count after the frames could not be read */
    const struct pt_code_epoch stamped = {9, 9, true, true}, lost = {9, 9, false, true};
    ck_assert_str_eq(lookup(&cc, &im, &stamped, &reads), "beta");
    ck_assert_str_eq(lookup(&cc, &im, &lost, &reads), "beta");
    ck_assert_uint_gt(reads, 0);
    pt_codecache_free(&cc);
}
END_TEST

/* ------------------------------------------------------------------------
 * Live: codechurn.py on every interpreter.
 */

/* The line numbers of the two calls, found by their markers. */
static void marker_lines(const char *script, int *even, int *odd)
{
    char *text = harness_read_file(script);
    ck_assert_msg(text != NULL, "cannot read %s", script);
    *even = *odd = 0;
    int line = 1;
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            line++;
            continue;
        }
        if (!strncmp(p, "# EVEN", 6))
            *even = line;
        if (!strncmp(p, "# ODD", 5))
            *odd = line;
    }
    free(text);
    ck_assert_msg(*even && *odd, "no # EVEN / # ODD markers in %s", script);
}

/* Samples of the stacks whose text holds needle, in a --collapsed file. */
static unsigned long long count_stacks(const char *folded, const char *needle)
{
    unsigned long long n = 0;
    for (const char *line = folded; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *hit = strstr(line, needle);
        const char *sp = memrchr(line, ' ', len);
        if (hit && hit < line + len && sp)
            n += strtoull(sp + 1, NULL, 10);
        line = end ? end + 1 : NULL;
    }
    return n;
}

struct churn {
    char script[PATH_MAX], dir[64];
    int even, odd;
};

static bool churn_one(const struct churn *c, const struct py_interp *py, char *why, size_t cap)
{
    char *args[] = {(char *)c->script, NULL};
    pid_t pid = harness_start_target(py->path, args, 30);
    if (pid <= 0)
        return harness_why(why, cap, "%s: codechurn.py did not start", py->label);
    char pidstr[16], path[128];
    snprintf(pidstr, sizeof pidstr, "%d", (int)pid);
    snprintf(path, sizeof path, "%s/%s.folded", c->dir, py->label);
    char *argv[] = {(char *)harness_pytop(), "-b", "-l", "-r", "1000", "-t", "1", "-d", "1", "--collapsed", path,
                    pidstr, NULL};
    int st = harness_run(argv, NULL, NULL, 30);
    harness_stop_target(pid);
    char *folded = harness_read_file(path);
    if (st != 0 || !folded) {
        free(folded);
        return harness_why(why, cap, "%s: pytop exited %d, folded stacks %s", py->label, st,
                           folded ? "written" : "missing");
    }
    char pat[4][PATH_MAX + 64];
    const char *leaf[] = {";even (", ";odd (", ";odd (", ";even ("};
    const int line[] = {c->even, c->odd, c->even, c->odd};
    unsigned long long n[4];
    for (int i = 0; i < 4; i++) {
        snprintf(pat[i], sizeof pat[i], "driver (%s:%d)%s", c->script, line[i], leaf[i]);
        n[i] = count_stacks(folded, pat[i]);
    }
    free(folded);
    printf("codecache: %s: even under its line %llu, odd under its line %llu; crossed %llu + %llu\n",
           py->label, n[0], n[1], n[2], n[3]);
    fflush(stdout);
    if (n[2] || n[3])
        return harness_why(why, cap, "%s: a replaced code object named by its predecessor: %llu "
                           "samples of odd under the even line, %llu of even under the odd line",
                           py->label, n[2], n[3]);
    if (n[0] < 10 || n[1] < 10)
        return harness_why(why, cap, "%s: too few samples to tell (even %llu, odd %llu)", py->label, n[0],
                           n[1]);
    return true;
}

START_TEST(replaced_code_objects_named_right)
{
    struct churn c;
    snprintf(c.script, sizeof c.script, "%s/test/targets/codechurn.py", harness_root());
    marker_lines(c.script, &c.even, &c.odd);
    snprintf(c.dir, sizeof c.dir, "/tmp/pytop-codecache.XXXXXX");
    ck_assert_msg(mkdtemp(c.dir) != NULL, "no scratch dir");
    const struct py_interp *py;
    size_t n = harness_interps(&py), tried = 0;
    char why[512] = "";
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        if (!py[i].path[0])
            continue;
        ok = churn_one(&c, &py[i], why, sizeof why);
        tried++;
    }
    harness_remove_dir(c.dir);
    ck_assert_msg(ok, "%s", why);
    if (!tried)
        printf("codecache: skipped the live test (no interpreter installed)\n");
}
END_TEST

Suite *suite_codecache(void)
{
    Suite *s = suite_create("codecache");
    TCase *unit = tcase_create("trust");
    tcase_add_test(unit, trusted_while_the_count_holds);
    tcase_add_test(unit, read_when_the_count_is_unknown);
    suite_add_tcase(s, unit);
    TCase *live = tcase_create("live");
    tcase_set_timeout(live, 120);
    tcase_add_test(live, replaced_code_objects_named_right);
    suite_add_tcase(s, live);
    return s;
}
