/*
 * check_maps — /proc/PID/maps parsing and address queries.
 *
 * A hand-written map in the kernel's exact format (spaces in a path, a
 * replaced library, anonymous and [special] mappings, adjacent mappings and
 * gaps), then this test process's own map, checked against what the
 * kernel says elsewhere: /proc/self/exe and /proc/pid_max.
 */
#include "harness.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pytop/proc_maps.h"

/* The kernel pads the inode column to a fixed width before the path and
 * leaves a trailing space on anonymous lines; both are reproduced here. */
static const char sample[] =
    "55d0c0a00000-55d0c0a21000 r--p 00000000 08:01 1234567                    "
    "/usr/bin/python3.11\n"
    "55d0c0a21000-55d0c0c00000 r-xp 00021000 08:01 1234567                    "
    "/usr/bin/python3.11\n"
    "55d0c0c00000-55d0c0c40000 rw-p 00200000 08:01 1234567                    "
    "/usr/bin/python3.11\n"
    "55d0c1e00000-55d0c1f00000 rw-p 00000000 00:00 0                          [heap]\n"
    "7f0000000000-7f0000021000 rw-p 00000000 00:00 0 \n"
    "7f0000021000-7f0004000000 ---p 00000000 00:00 0 \n"
    "7f1000000000-7f1000010000 r--p 00000000 fd:00 42                         "
    "/opt/my app/lib dir/libpython3.12.so.1.0\n"
    "7f1000010000-7f1000020000 r-xp 00010000 fd:00 42                         "
    "/opt/my app/lib dir/libpython3.12.so.1.0\n"
    "7f1000020000-7f1000030000 r--p 00000000 fd:00 43                         "
    "/tmp/old (deleted) lib.so (deleted)\n"
    "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]\n"
    "7ffd001fc000-7ffd00200000 r--p 00000000 00:00 0                          [vvar]\n"
    "7ffd00200000-7ffd00202000 r-xp 00000000 00:00 0                          [vdso]\n"
    "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]";

struct want {
    uint64_t start, end, offset;
    const char *perms, *path;
    bool deleted;
};

static const struct want wanted[] = {
    {0x55d0c0a00000, 0x55d0c0a21000, 0, "r--p", "/usr/bin/python3.11", false},
    {0x55d0c0a21000, 0x55d0c0c00000, 0x21000, "r-xp", "/usr/bin/python3.11", false},
    {0x55d0c0c00000, 0x55d0c0c40000, 0x200000, "rw-p", "/usr/bin/python3.11", false},
    {0x55d0c1e00000, 0x55d0c1f00000, 0, "rw-p", "[heap]", false},
    {0x7f0000000000, 0x7f0000021000, 0, "rw-p", "", false},
    {0x7f0000021000, 0x7f0004000000, 0, "---p", "", false},
    {0x7f1000000000, 0x7f1000010000, 0, "r--p", "/opt/my app/lib dir/libpython3.12.so.1.0", false},
    {0x7f1000010000, 0x7f1000020000, 0x10000, "r-xp", "/opt/my app/lib dir/libpython3.12.so.1.0",
     false},
    {0x7f1000020000, 0x7f1000030000, 0, "r--p", "/tmp/old (deleted) lib.so", true},
    {0x7ffd00000000, 0x7ffd00021000, 0, "rw-p", "[stack]", false},
    {0x7ffd001fc000, 0x7ffd00200000, 0, "r--p", "[vvar]", false},
    {0x7ffd00200000, 0x7ffd00202000, 0, "r-xp", "[vdso]", false},
    {0xffffffffff600000, 0xffffffffff601000, 0, "--xp", "[vsyscall]", false},
};
#define NWANTED (sizeof wanted / sizeof wanted[0])

static struct pt_maps parsed(const char *text)
{
    struct pt_maps m;
    ck_assert_int_eq(pt_maps_parse(text, &m), PT_OK);
    return m;
}

START_TEST(test_parse_sample)
{
    struct pt_maps m = parsed(sample);
    ck_assert_uint_eq(m.n, NWANTED);
    for (size_t i = 0; i < NWANTED; i++) {
        const struct pt_map *g = &m.v[i];
        const struct want *w = &wanted[i];
        ck_assert_msg(g->start == w->start && g->end == w->end && g->offset == w->offset,
                      "line %zu: %#llx-%#llx off %#llx", i, (unsigned long long)g->start,
                      (unsigned long long)g->end, (unsigned long long)g->offset);
        ck_assert_msg(strcmp(g->perms, w->perms) == 0, "line %zu: perms \"%s\"", i, g->perms);
        ck_assert_msg(strcmp(g->path, w->path) == 0, "line %zu: path \"%s\" want \"%s\"", i,
                      g->path, w->path);
        ck_assert_msg(g->deleted == w->deleted, "line %zu: deleted %d", i, g->deleted);
    }
    pt_maps_free(&m);
    ck_assert_uint_eq(m.n, 0);
}
END_TEST

START_TEST(test_parse_junk)
{
    /* Lines that are not mappings are skipped, not fatal; an empty
     * mapping (end <= start) is not a mapping. */
    struct pt_maps m = parsed("\n"
                              "garbage\n"
                              "1000-1000 r--p 00000000 00:00 0 \n"
                              "2000-1000 r--p 00000000 00:00 0 \n"
                              "3000-4000 r--p 00000000 00:00 0    /x\n"
                              "\n");
    ck_assert_uint_eq(m.n, 1);
    ck_assert_str_eq(m.v[0].path, "/x");
    pt_maps_free(&m);
    m = parsed("");
    ck_assert_uint_eq(m.n, 0);
    pt_maps_free(&m);
}
END_TEST

START_TEST(test_find_boundaries)
{
    struct pt_maps m = parsed(sample);
    for (size_t i = 0; i < NWANTED; i++) {
        const struct want *w = &wanted[i];
        const struct pt_map *f = pt_maps_find(&m, w->start);
        ck_assert_msg(f == &m.v[i], "start of line %zu not found there", i);
        ck_assert_msg(pt_maps_find(&m, w->end - 1) == &m.v[i], "last byte of line %zu", i);
        /* end is exclusive: the next mapping if adjacent, else nothing */
        bool adjacent = i + 1 < NWANTED && wanted[i + 1].start == w->end;
        const struct pt_map *after = pt_maps_find(&m, w->end);
        ck_assert_msg(after == (adjacent ? &m.v[i + 1] : NULL), "end of line %zu", i);
        bool touches = i > 0 && wanted[i - 1].end == w->start;
        const struct pt_map *before = pt_maps_find(&m, w->start - 1);
        ck_assert_msg(before == (touches ? &m.v[i - 1] : NULL), "byte before line %zu", i);
    }
    ck_assert_ptr_null(pt_maps_find(&m, 0));
    ck_assert_ptr_null(pt_maps_find(&m, 0x60000000000));
    pt_maps_free(&m);
}
END_TEST

START_TEST(test_readable)
{
    struct pt_maps m = parsed(sample);
    /* across the r--p / r-xp / rw-p boundaries of one file */
    ck_assert(pt_maps_readable(&m, 0x55d0c0a20ff0, 0x20));
    ck_assert(pt_maps_readable(&m, 0x55d0c0a00000, 0x240000));
    ck_assert(!pt_maps_readable(&m, 0x55d0c0a00000, 0x240001)); /* runs into a gap */
    ck_assert(!pt_maps_readable(&m, 0x55d0c0c3fff8, 16));
    /* a readable mapping followed by a PROT_NONE guard */
    ck_assert(pt_maps_readable(&m, 0x7f0000020ff8, 8));
    ck_assert(!pt_maps_readable(&m, 0x7f0000020ff8, 9));
    ck_assert(!pt_maps_readable(&m, 0x7f0000021000, 1));
    /* execute-only is not readable; nor is unmapped memory */
    ck_assert(!pt_maps_readable(&m, 0xffffffffff600000, 8));
    ck_assert(!pt_maps_readable(&m, 0x1000, 8));
    ck_assert(pt_maps_readable(&m, 0x7ffd001fc000, 0x6000)); /* [vvar] then [vdso] */
    /* ranges that wrap around the address space */
    ck_assert(!pt_maps_readable(&m, 0x7ffd00000000, SIZE_MAX));
    ck_assert(!pt_maps_readable(&m, UINT64_MAX - 4, 16));
    pt_maps_free(&m);
}
END_TEST

START_TEST(test_base)
{
    struct pt_maps m = parsed(sample);
    ck_assert_uint_eq(pt_maps_base(&m, "/usr/bin/python3.11"), 0x55d0c0a00000);
    ck_assert_uint_eq(pt_maps_base(&m, "/opt/my app/lib dir/libpython3.12.so.1.0"), 0x7f1000000000);
    ck_assert_uint_eq(pt_maps_base(&m, "/tmp/old (deleted) lib.so"), 0x7f1000020000);
    ck_assert_uint_eq(pt_maps_base(&m, "/usr/bin/python3"), 0);
    ck_assert_uint_eq(pt_maps_base(&m, "/opt/my app/lib dir"), 0);
    pt_maps_free(&m);
}
END_TEST

/* Our own map: the mapping holding one of our functions is our executable
 * (as /proc/self/exe names it), executable, and the lowest mapping of that
 * file is at or below it. */
START_TEST(test_read_self)
{
    struct pt_maps m;
    ck_assert_int_eq(pt_maps_read(getpid(), &m), PT_OK);
    ck_assert_uint_gt(m.n, 5);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    ck_assert(n > 0);
    exe[n] = '\0';
    /* rebuilt while running: the kernel names both the link and the mapping
     * "... (deleted)"; the parser strips it and flags the mapping instead */
    bool replaced = n > 10 && strcmp(exe + n - 10, " (deleted)") == 0;
    if (replaced)
        exe[n - 10] = '\0';
    uint64_t fn = (uint64_t)(uintptr_t)&pt_maps_find; /* code linked into us */
    const struct pt_map *own = pt_maps_find(&m, fn);
    ck_assert_msg(own != NULL, "no mapping holds %#llx", (unsigned long long)fn);
    ck_assert_msg(strcmp(own->path, exe) == 0, "function in \"%s\", exe is \"%s\"", own->path, exe);
    ck_assert_msg(own->perms[2] == 'x' && own->deleted == replaced, "perms %s deleted %d", own->perms,
                  own->deleted);
    uint64_t base = pt_maps_base(&m, exe);
    ck_assert(base != 0 && base <= own->start);
    ck_assert(pt_maps_readable(&m, fn, 16));
    int local = 0;
    const struct pt_map *stack = pt_maps_find(&m, (uint64_t)(uintptr_t)&local);
    ck_assert_msg(stack && strcmp(stack->path, "[stack]") == 0, "local variable in \"%s\"",
                  stack ? stack->path : "(nothing)");
    for (size_t i = 1; i < m.n; i++)
        ck_assert_msg(m.v[i - 1].end <= m.v[i].start, "maps not sorted at %zu", i);
    pt_maps_free(&m);
}
END_TEST

START_TEST(test_read_missing)
{
    /* One past the kernel's largest PID never exists. */
    FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
    long pid_max = 0;
    ck_assert(f && fscanf(f, "%ld", &pid_max) == 1);
    fclose(f);
    struct pt_maps m = {0};
    enum pt_err err = pt_maps_read((pid_t)(pid_max + 1), &m);
    ck_assert_msg(err == PT_ENOPROC, "maps of PID %ld: %s", pid_max + 1, pt_err_name(err));
}
END_TEST

Suite *suite_maps(void)
{
    Suite *s = suite_create("maps");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_parse_sample);
    tcase_add_test(tc, test_parse_junk);
    tcase_add_test(tc, test_find_boundaries);
    tcase_add_test(tc, test_readable);
    tcase_add_test(tc, test_base);
    suite_add_tcase(s, tc);
    TCase *self = tcase_create("self");
    tcase_add_test(self, test_read_self);
    tcase_add_test(self, test_read_missing);
    suite_add_tcase(s, self);
    return s;
}
