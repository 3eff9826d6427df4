/* py_version — version detection from symbols, debug offsets, file names
 * and string literals; never by running the interpreter. */
#include "pytop/py_version.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool pt_version_from_libname(const char *path, int *major, int *minor, char *flags, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    int ma, mi, used = 0;
    if (sscanf(base, "libpython%d.%d%n", &ma, &mi, &used) != 2)
        return false;
    const char *p = base + used;
    size_t n = 0;
    while (*p && *p != '.' && n + 1 < cap)
        flags[n++] = *p++;
    if (cap)
        flags[n] = '\0';
    if (strncmp(p, ".so", 3) != 0)
        return false;
    *major = ma;
    *minor = mi;
    return true;
}

static void set_hex(struct pt_pyversion *v, uint32_t hex, const char *source)
{
    v->major = (int)(hex >> 24);
    v->minor = (int)((hex >> 16) & 0xff);
    v->micro = (int)((hex >> 8) & 0xff);
    v->source = source;
}

struct strscan {
    int major, minor; /* wanted, or -1 for any */
    int found_major, found_minor, found_micro;
    int hits;
};

/* Parse "X.Y.Z" plus an optional release suffix ("rc1", "+") spanning
 * exactly to the end of s. */
static bool parse_full_version(const char *s, int *ma, int *mi, int *mc)
{
    int used = 0;
    if (!isdigit((unsigned char)s[0]) || sscanf(s, "%d.%d.%d%n", ma, mi, mc, &used) != 3)
        return false;
    for (const char *p = s + used; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '+')
            return false;
    return *ma == 2 || *ma == 3;
}

/* The PY_VERSION literal ("3.9.18"). The linker merges string tails, so
 * it may end another string ("/opt/py/3.9.18"): try every word start. */
static bool scan_version(const char *s, size_t len, void *arg)
{
    struct strscan *sc = arg;
    int ma, mi, mc;
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '.'))
            continue;
        if (len - i > 16 || !parse_full_version(s + i, &ma, &mi, &mc))
            continue;
        if (sc->major >= 0 && (ma != sc->major || mi != sc->minor))
            continue;
        if (sc->hits && (ma != sc->found_major || mi != sc->found_minor))
            sc->hits = -1000; /* two different versions: ambiguous */
        sc->found_major = ma;
        sc->found_minor = mi;
        sc->found_micro = mc;
        sc->hits++;
        return sc->major >= 0; /* a match for the wanted minor is enough */
    }
    return false;
}

static bool debug_offsets_version(const struct pt_elf *elf, uint64_t runtime, uint32_t *hex,
                                  bool *ft)
{
    struct {
        char cookie[8];
        uint64_t version, free_threaded;
    } h;
    if (!runtime || pt_elf_read_vaddr(elf, runtime, &h, sizeof h) != PT_OK ||
        memcmp(h.cookie, "xdebugpy", 8) != 0)
        return false;
    *hex = (uint32_t)h.version;
    *ft = h.free_threaded != 0;
    return true;
}

static bool has_sym(const struct pt_elf *elf, const char *name)
{
    uint64_t v;
    return pt_elf_symbol(elf, name, &v, NULL);
}

enum pt_err pt_version_detect(const struct pt_elf *elf, const char *path, uint64_t runtime_vaddr,
                              struct pt_pyversion *out)
{
    memset(out, 0, sizeof *out);
    out->micro = -1;
    int lmaj = -1, lmin = -1;
    char flags[8] = "";
    bool named = pt_version_from_libname(path, &lmaj, &lmin, flags, sizeof flags);
    uint32_t hex;
    uint64_t sym;
    bool ft = false;
    if (debug_offsets_version(elf, runtime_vaddr, &hex, &ft)) {
        set_hex(out, hex, "_Py_DebugOffsets");
        out->free_threaded = ft;
    } else if (pt_elf_symbol(elf, "Py_Version", &sym, NULL) &&
               pt_elf_read_vaddr(elf, sym, &hex, sizeof hex) == PT_OK && (hex >> 24) == 3) {
        set_hex(out, hex, "Py_Version");
    } else {
        struct strscan sc = {named ? lmaj : -1, named ? lmin : -1, 0, 0, 0, 0};
        pt_elf_each_string(elf, ".rodata", 5, scan_version, &sc);
        if (sc.hits > 0) {
            out->major = sc.found_major;
            out->minor = sc.found_minor;
            out->micro = sc.found_micro;
            out->source = "version string";
        } else if (named) {
            out->major = lmaj;
            out->minor = lmin;
            out->source = "library name";
        } else {
            return PT_ENOTPY;
        }
    }
    if (named && (lmaj != out->major || lmin != out->minor))
        return PT_EINVAL; /* the file name and the contents disagree */
    out->debug = strchr(flags, 'd') != NULL || has_sym(elf, "_Py_NegativeRefcount") ||
                 has_sym(elf, "_Py_RefTotal");
    out->free_threaded = out->free_threaded || strchr(flags, 't') != NULL ||
                         has_sym(elf, "_Py_MergeZeroLocalRefcount");
    if (out->micro >= 0)
        snprintf(out->text, sizeof out->text, "%d.%d.%d", out->major, out->minor, out->micro);
    else
        snprintf(out->text, sizeof out->text, "%d.%d", out->major, out->minor);
    return PT_OK;
}
