/*
 * check_elf — ELF lookups and version detection on the real interpreters.
 *
 * For each interpreter present, the ELF object holding it (pyenv: its
 * libpython next to bin/; Debian: the executable, which links libpython
 * statically) is opened with pytop and compared with binutils run at test
 * time: every defined dynamic symbol (nm -D), a sample of local .symtab
 * symbols (nm), every section header (readelf -SW), the load segments
 * (readelf -lW), the file type (readelf -h). Initialised data read through
 * pt_elf_read_vaddr is compared with the file's bytes, and the version
 * pytop detects with what the interpreter reports about itself.
 */
#include "harness.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pytop/elf_image.h"
#include "pytop/py_version.h"

/* ---- running tools ---- */

static char *run_tool(char *const argv[])
{
    char *out = NULL, *err = NULL;
    int rc = harness_run(argv, &out, &err, 60);
    ck_assert_msg(rc >= 0 && out, "%s could not run: %s", argv[0], err ? err : "");
    free(err);
    return out;
}

/* What the interpreter says about itself. */
struct selfreport {
    uint32_t hexversion;
    int major, minor, micro;
    char abiflags[16];
};

static struct selfreport ask_interpreter(const struct py_interp *py)
{
    char *argv[] = {(char *)py->path, "-c",
                    "import sys; sys.stdout.write('%d %d %d %d %s\\n' % ((sys.hexversion,) + "
                    "tuple(sys.version_info[:3]) + (getattr(sys, 'abiflags', '') or '-',)))",
                    NULL};
    char *out = run_tool(argv);
    struct selfreport r;
    ck_assert_msg(sscanf(out, "%" SCNu32 " %d %d %d %15s", &r.hexversion, &r.major, &r.minor,
                         &r.micro, r.abiflags) == 5,
                  "%s: unexpected self report: %s", py->label, out);
    if (strcmp(r.abiflags, "-") == 0)
        r.abiflags[0] = '\0';
    free(out);
    return r;
}

/* The ELF file holding the interpreter. */
static void interp_elf(const struct py_interp *py, char *out, size_t cap)
{
    if (strncmp(py->label, "pyenv-", 6) != 0) {
        snprintf(out, cap, "%s", py->path);
        return;
    }
    char prefix[512];
    snprintf(prefix, sizeof prefix, "%s", py->path);
    for (int up = 0; up < 2; up++) /* .../bin/pythonX.Y -> ... */
        *strrchr(prefix, '/') = '\0';
    static const char *const flags[] = {"", "m"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(out, cap, "%s/lib/libpython%d.%d%s.so.1.0", prefix, py->major, py->minor,
                 flags[i]);
        if (access(out, R_OK) == 0)
            return;
    }
    ck_abort_msg("%s: no libpython under %s/lib", py->label, prefix);
}

/* ---- nm ---- */

struct sym {
    char name[256];
    char type;
    uint64_t value, size;
    bool has_size;
};

struct symlist {
    struct sym *v;
    size_t n;
};

static bool parse_nm_line(const char *line, struct sym *s)
{
    char a[32], b[32], c[256], d[256];
    int k = sscanf(line, "%31s %31s %255s %255s", a, b, c, d);
    s->has_size = k == 4;
    if (k == 4) {
        s->value = strtoull(a, NULL, 16);
        s->size = strtoull(b, NULL, 16);
        s->type = c[0];
        snprintf(s->name, sizeof s->name, "%s", d);
    } else if (k == 3) {
        s->value = strtoull(a, NULL, 16);
        s->type = b[0];
        snprintf(s->name, sizeof s->name, "%s", c);
    }
    s->name[strcspn(s->name, "@")] = '\0'; /* "sym@VERSION": the ELF name is "sym" */
    return k >= 3;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct sym *)a)->name, ((const struct sym *)b)->name);
}

static struct symlist nm(const char *path, bool dynamic)
{
    char *dyn[] = {"nm", "-D", "--defined-only", "-S", (char *)path, NULL};
    char *all[] = {"nm", "--defined-only", "-S", (char *)path, NULL};
    char *out = run_tool(dynamic ? dyn : all);
    struct symlist l = {NULL, 0};
    size_t cap = 0;
    for (char *save = NULL, *line = strtok_r(out, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (l.n == cap) {
            l.v = realloc(l.v, (cap = cap ? 2 * cap : 1024) * sizeof *l.v);
            ck_assert(l.v != NULL);
        }
        if (parse_nm_line(line, &l.v[l.n]))
            l.n++;
    }
    free(out);
    if (l.n) /* a stripped file has no .symtab: nm lists nothing */
        qsort(l.v, l.n, sizeof *l.v, by_name);
    return l;
}

static bool unique(const struct symlist *l, size_t i)
{
    return (i == 0 || strcmp(l->v[i - 1].name, l->v[i].name) != 0) &&
           (i + 1 == l->n || strcmp(l->v[i + 1].name, l->v[i].name) != 0);
}

static const struct sym *nm_find(const struct symlist *l, const char *name)
{
    struct sym key;
    snprintf(key.name, sizeof key.name, "%s", name);
    if (!l->n)
        return NULL;
    return bsearch(&key, l->v, l->n, sizeof *l->v, by_name);
}

static void expect_symbol(const char *label, const struct pt_elf *elf, const struct sym *s)
{
    uint64_t value = 0, size = 0;
    ck_assert_msg(pt_elf_symbol(elf, s->name, &value, &size), "%s: symbol %s not found", label,
                  s->name);
    ck_assert_msg(value == s->value && (!s->has_size || size == s->size),
                  "%s: %s = %#" PRIx64 " size %" PRIu64 ", nm says %#" PRIx64 " size %" PRIu64,
                  label, s->name, value, size, s->value, s->size);
}

/* Every defined dynamic symbol that has one definition. */
static size_t check_dynsym(const char *label, const struct pt_elf *elf, const struct symlist *d)
{
    size_t checked = 0;
    for (size_t i = 0; i < d->n; i++)
        if (unique(d, i)) {
            expect_symbol(label, elf, &d->v[i]);
            checked++;
        }
    ck_assert_msg(checked > 500, "%s: only %zu dynamic symbols", label, checked);
    return checked;
}

/* Local (.symtab only) symbols: interp_head, which 2.7 and 3.6 need, and
 * every 53rd other one. Stripped files have none. */
static size_t check_symtab(const char *label, const struct pt_elf *elf, const char *path,
                           int major, int minor)
{
    struct symlist s = nm(path, false);
    size_t checked = 0;
    for (size_t i = 0; i < s.n; i++) {
        bool local = s.v[i].type >= 'a' && s.v[i].type <= 'z';
        if (local && unique(&s, i) &&
            (strcmp(s.v[i].name, "interp_head") == 0 || i % 53 == 0)) {
            expect_symbol(label, elf, &s.v[i]);
            checked++;
        }
    }
    if (s.n > 0 && (major == 2 || minor == 6))
        ck_assert_msg(nm_find(&s, "interp_head"), "%s: nm lists no interp_head", label);
    free(s.v);
    return checked;
}

/* ---- readelf ---- */

/* readelf -hlSW: file header, program headers and section headers at once
 * (tools are slow to start on a loaded machine; run each once). */
static char *readelf_all(const char *path)
{
    char *argv[] = {"readelf", "-hlSW", (char *)path, NULL};
    return run_tool(argv);
}

static size_t check_sections(const char *label, const struct pt_elf *elf, const char *text)
{
    char *out = strdup(text);
    size_t checked = 0;
    for (char *save = NULL, *line = strtok_r(out, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *lb = strchr(line, '['), *rb = strchr(line, ']');
        char name[128], type[32];
        uint64_t addr, off, size;
        if (!lb || !rb || atoi(lb + 1) == 0 ||
            sscanf(rb + 1, "%127s %31s %" SCNx64 " %" SCNx64 " %" SCNx64, name, type, &addr, &off,
                   &size) != 5)
            continue; /* headings, the unnamed section 0, the key to flags */
        struct pt_elf_section sec;
        ck_assert_msg(pt_elf_section(elf, name, &sec), "%s: section %s not found", label, name);
        ck_assert_msg(sec.addr == addr && sec.offset == off && sec.size == size &&
                          sec.nobits == (strcmp(type, "NOBITS") == 0),
                      "%s: section %s: %#" PRIx64 "/%#" PRIx64 "/%#" PRIx64 ", readelf: %s",
                      label, name, sec.addr, sec.offset, sec.size, rb + 1);
        checked++;
    }
    free(out);
    struct pt_elf_section none;
    ck_assert(!pt_elf_section(elf, ".no-such-section", &none));
    ck_assert_msg(checked > 20, "%s: only %zu sections", label, checked);
    return checked;
}

static void check_headers(const char *label, const struct pt_elf *elf, const char *text)
{
    bool dyn = strstr(text, "DYN (") != NULL, exec = strstr(text, "EXEC (") != NULL;
    ck_assert_msg(dyn != exec && pt_elf_is_dyn(elf) == dyn, "%s: readelf -h says %s", label,
                  dyn ? "DYN" : "EXEC");
    char *out = strdup(text);
    uint64_t min = UINT64_MAX;
    for (char *save = NULL, *line = strtok_r(out, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        uint64_t off, vaddr;
        if (sscanf(line, " LOAD %" SCNx64 " %" SCNx64, &off, &vaddr) == 2 && vaddr < min)
            min = vaddr;
    }
    free(out);
    ck_assert_msg(min != UINT64_MAX && pt_elf_min_vaddr(elf) == (min & ~(uint64_t)0xfff),
                  "%s: min vaddr %#" PRIx64 ", readelf lowest LOAD %#" PRIx64, label,
                  pt_elf_min_vaddr(elf), min);
}

/* Bytes at a section's address, read through the program headers, must be
 * the file's bytes at the section's offset (or zeros for NOBITS). */
static void check_read_section(const char *label, const struct pt_elf *elf, const char *path,
                               const char *name)
{
    struct pt_elf_section sec;
    if (!pt_elf_section(elf, name, &sec) || sec.size < 16)
        return;
    uint8_t got[256], want[256] = {0};
    size_t len = sec.size < sizeof got ? (size_t)sec.size : sizeof got;
    uint64_t at[2] = {0, sec.size - len}; /* its start and its end */
    int fd = open(path, O_RDONLY);
    ck_assert(fd >= 0);
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(pt_elf_read_vaddr(elf, sec.addr + at[k], got, len), PT_OK);
        if (!sec.nobits)
            ck_assert(pread(fd, want, len, (off_t)(sec.offset + at[k])) == (ssize_t)len);
        ck_assert_msg(memcmp(got, want, len) == 0, "%s: %s+%#" PRIx64 ": bytes differ", label,
                      name, at[k]);
    }
    close(fd);
}

static void check_read_vaddr(const char *label, const struct pt_elf *elf, const char *path)
{
    static const char *const names[] = {".rodata", ".data", ".bss", ".PyRuntime"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        check_read_section(label, elf, path, names[i]);
    uint8_t b[8];
    ck_assert_int_eq(pt_elf_read_vaddr(elf, 0x7fff00000000ull, b, sizeof b), PT_EREAD);
}

/* ---- versions ---- */

static void check_runtime(const char *label, const struct pt_elf *elf, const struct symlist *d,
                          const struct selfreport *r, const char *readelf)
{
    const struct sym *rt = nm_find(d, "_PyRuntime");
    if (r->major == 3 && r->minor >= 7)
        ck_assert_msg(rt != NULL, "%s: nm -D lists no _PyRuntime", label);
    struct pt_elf_section sec;
    bool listed = strstr(readelf, "] .PyRuntime ") != NULL;
    if (r->major == 3 && r->minor >= 10)
        ck_assert_msg(listed, "%s: readelf lists no .PyRuntime", label);
    if (listed)
        ck_assert_msg(pt_elf_section(elf, ".PyRuntime", &sec) && rt && sec.addr == rt->value,
                      "%s: .PyRuntime section is not at _PyRuntime", label);
    const struct sym *pv = nm_find(d, "Py_Version");
    if (r->major == 3 && r->minor >= 11) {
        uint32_t hex = 0;
        ck_assert_msg(pv && pt_elf_read_vaddr(elf, pv->value, &hex, 4) == PT_OK &&
                          hex == r->hexversion,
                      "%s: Py_Version %#x, sys.hexversion %#x", label, hex, r->hexversion);
    }
    if (r->major == 3 && r->minor >= 13) {
        struct { char cookie[8]; uint64_t version; } h;
        ck_assert_int_eq(pt_elf_read_vaddr(elf, rt->value, &h, sizeof h), PT_OK);
        ck_assert_msg(memcmp(h.cookie, "xdebugpy", 8) == 0 && h.version == r->hexversion,
                      "%s: _Py_DebugOffsets header: version %#" PRIx64, label, h.version);
    }
}

static void expect_version(const char *label, const struct pt_elf *elf, const char *path,
                           uint64_t runtime, const struct selfreport *r)
{
    struct pt_pyversion v;
    enum pt_err err = pt_version_detect(elf, path, runtime, &v);
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", r->major, r->minor, r->micro);
    ck_assert_msg(err == PT_OK && v.major == r->major && v.minor == r->minor &&
                      v.micro == r->micro && strcmp(v.text, want) == 0,
                  "%s (runtime %#" PRIx64 "): %s, detected %s via %s; the interpreter is %s",
                  label, runtime, pt_err_name(err), v.text, v.source ? v.source : "?", want);
    ck_assert_msg(!v.debug && !v.free_threaded, "%s: detected a debug/free-threaded build",
                  label);
}

static const char *check_version(const char *label, const struct pt_elf *elf, const char *path,
                                 const struct symlist *d, const struct selfreport *r)
{
    const struct sym *rt = nm_find(d, "_PyRuntime");
    expect_version(label, elf, path, rt ? rt->value : 0, r);
    expect_version(label, elf, path, 0, r); /* without the runtime's address */
    struct pt_pyversion v;
    pt_version_detect(elf, path, rt ? rt->value : 0, &v);
    /* A file named for another version than it holds is refused, where
     * the contents carry a version number (Py_Version, 3.11+). Older ones
     * are searched for the named version's string and fall back to the
     * name, by design. */
    if (r->major == 2 || r->minor < 11)
        return v.source;
    char liar[600];
    snprintf(liar, sizeof liar, "/x/libpython%d.%d.so.1.0", r->major, r->minor == 9 ? 8 : 9);
    struct pt_pyversion w;
    ck_assert_msg(pt_version_detect(elf, liar, rt ? rt->value : 0, &w) == PT_EINVAL,
                  "%s: named %s but accepted", label, liar);
    return v.source;
}

START_TEST(test_interpreter_elf)
{
    const struct py_interp *all;
    size_t count = harness_interps(&all);
    ck_assert((size_t)_i < count);
    const struct py_interp *py = &all[_i];
    if (!py->path[0]) {
        printf("skipped: %s (elf)\n", py->label);
        fflush(stdout);
        return;
    }
    char path[600];
    interp_elf(py, path, sizeof path);
    struct selfreport r = ask_interpreter(py);
    ck_assert_msg(r.major == py->major && r.minor == py->minor, "%s reports %d.%d", py->label,
                  r.major, r.minor);
    struct pt_elf *elf = NULL;
    ck_assert_msg(pt_elf_open(path, &elf) == PT_OK, "%s: cannot open %s", py->label, path);
    struct symlist d = nm(path, true);
    size_t ndyn = check_dynsym(py->label, elf, &d);
    size_t nloc = check_symtab(py->label, elf, path, r.major, r.minor);
    char *re = readelf_all(path);
    size_t nsec = check_sections(py->label, elf, re);
    check_headers(py->label, elf, re);
    check_read_vaddr(py->label, elf, path);
    check_runtime(py->label, elf, &d, &r, re);
    free(re);
    const char *how = check_version(py->label, elf, path, &d, &r);
    if (strncmp(py->label, "pyenv-", 6) == 0) {
        int ma, mi;
        char flags[8];
        ck_assert(pt_version_from_libname(path, &ma, &mi, flags, sizeof flags));
        ck_assert_msg(ma == r.major && mi == r.minor && strcmp(flags, r.abiflags) == 0,
                      "%s: %s -> %d.%d '%s', sys.abiflags '%s'", py->label, path, ma, mi, flags,
                      r.abiflags);
    }
    printf("elf: %s: %s: %zu dynamic + %zu local symbols, %zu sections match binutils; "
           "version %d.%d.%d (%s)\n",
           py->label, strrchr(path, '/') + 1, ndyn, nloc, nsec, r.major, r.minor, r.micro, how);
    fflush(stdout);
    free(d.v);
    pt_elf_close(elf);
}
END_TEST

START_TEST(test_open_errors)
{
    struct pt_elf *elf = NULL;
    ck_assert_int_eq(pt_elf_open("/nonexistent/libpython3.12.so", &elf), PT_EIO);
    char script[1024];
    snprintf(script, sizeof script, "%s/test/unit/linevectors.py", harness_root());
    ck_assert_int_eq(pt_elf_open(script, &elf), PT_ENOTPY);
}
END_TEST

START_TEST(test_libname)
{
    static const struct {
        const char *name;
        bool ok;
        int major, minor;
        const char *flags;
    } cases[] = {
        {"libpython3.7m.so.1.0", true, 3, 7, "m"},
        {"/usr/lib/x86_64-linux-gnu/libpython3.13t.so.1.0", true, 3, 13, "t"},
        {"libpython3.9d.so", true, 3, 9, "d"},
        {"/opt/py/lib/libpython2.7.so.1.0", true, 2, 7, ""},
        {"libpython3.14.so.1.0", true, 3, 14, ""},
        {"libpython3.13td.so.1.0", true, 3, 13, "td"},
        {"libpython3.so", false, 0, 0, ""},
        {"libpython3.12.a", false, 0, 0, ""},
        {"/usr/bin/python3.11", false, 0, 0, ""},
        {"/usr/lib/libpython3.12.so.1.0/../libfoo.so", false, 0, 0, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int ma = -1, mi = -1;
        char flags[8] = "?";
        bool ok = pt_version_from_libname(cases[i].name, &ma, &mi, flags, sizeof flags);
        ck_assert_msg(ok == cases[i].ok, "%s: %s", cases[i].name, ok ? "accepted" : "refused");
        if (ok)
            ck_assert_msg(ma == cases[i].major && mi == cases[i].minor &&
                              strcmp(flags, cases[i].flags) == 0,
                          "%s: %d.%d '%s'", cases[i].name, ma, mi, flags);
    }
}
END_TEST

Suite *suite_elf(void)
{
    Suite *s = suite_create("elf");
    const struct py_interp *all;
    TCase *tc = tcase_create("interpreters");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_interpreter_elf, 0, (int)harness_interps(&all));
    suite_add_tcase(s, tc);
    TCase *unit = tcase_create("unit");
    tcase_add_test(unit, test_open_errors);
    tcase_add_test(unit, test_libname);
    suite_add_tcase(s, unit);
    return s;
}
