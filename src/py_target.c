/* py_target — from a PID to a validated interpreter-list head. */
#include "pytop/py_target.h"

#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pytop/elf_image.h"
#include "pytop/proc_info.h"
#include "pytop/py_debugoffsets.h"

/* Candidate runtimes whose interpreter list is longer than this are junk. */
#define MAX_INTERPS 64
#define SCAN_MAX_BYTES (64u << 20)

/* ------------------------------------------------------------------------
 * Structural proof: the interpreter's thread states point back at it, and
 * (when PyCode_Type is known) some thread runs a real code object.
 */
#define PROOF_THREADS 16
#define PROOF_FRAMES 8

static uint64_t u64_at(const uint8_t *buf, int32_t off)
{
    uint64_t v;
    memcpy(&v, buf + off, sizeof v);
    return v;
}

enum pt_err pt_target_top_frame(const struct pt_target *t, const struct pt_mem *mem,
                                const uint8_t *ts, uint64_t *fp)
{
    const struct pt_layout *L = &t->ctx.lay;
    switch (t->ctx.facts->chain) {
    case PT_CHAIN_FRAMEOBJ:
        *fp = u64_at(ts, L->ts_frame);
        return PT_OK;
    case PT_CHAIN_CURRENT_FRAME:
        *fp = u64_at(ts, L->ts_current_frame);
        return PT_OK;
    case PT_CHAIN_CFRAME: {
        uint64_t cframe = u64_at(ts, L->ts_cframe);
        *fp = 0;
        if (!cframe)
            return PT_OK;
        return pt_mem_read_u64(mem, cframe + (uint64_t)L->cframe_current_frame, fp);
    }
    }
    return PT_EINVAL;
}

/* Does a frame among the first few of this chain hold a code object? */
static bool runs_code(const struct pt_target *t, uint64_t fp)
{
    const struct pt_layout *L = &t->ctx.lay;
    bool objs = t->ctx.facts->chain == PT_CHAIN_FRAMEOBJ;
    int32_t code_off = objs ? L->frame_code : L->iframe_code;
    int32_t back_off = objs ? L->frame_back : L->iframe_previous;
    for (int i = 0; i < PROOF_FRAMES && fp && !(fp & 7); i++) {
        uint64_t code, type;
        if (pt_mem_read_u64(&t->mem, fp + (uint64_t)code_off, &code) != PT_OK)
            return false;
        code &= ~t->ctx.facts->code_tag_mask;
        if (code && pt_mem_read_u64(&t->mem, code + (uint64_t)L->ob_type, &type) == PT_OK &&
            type == t->ctx.code_type)
            return true;
        if (pt_mem_read_u64(&t->mem, fp + (uint64_t)back_off, &fp) != PT_OK)
            return false;
    }
    return false;
}

/* strict: also require running code; used for scan candidates, where a
 * look-alike structure must be told apart, but not for symbols (an
 * embedded interpreter may have no Python frames at the moment). */
static bool interp_valid(const struct pt_target *t, uint64_t interp, bool strict)
{
    const struct pt_layout *L = &t->ctx.lay;
    if (!interp || (interp & 7) || !pt_maps_readable(&t->maps, interp, 8))
        return false;
    uint64_t ts, prev = 0;
    bool code_seen = !strict || !t->ctx.code_type;
    if (pt_mem_read_u64(&t->mem, interp + (uint64_t)L->interp_threads_head, &ts) != PT_OK || !ts)
        return false;
    for (int i = 0; ts && i < PROOF_THREADS; i++) {
        uint8_t buf[1024];
        size_t len = pt_layout_ts_span(L); /* every field read below, whatever the offsets */
        if ((ts & 7) || len > sizeof buf || pt_mem_read(&t->mem, ts, buf, len) != PT_OK ||
            u64_at(buf, L->ts_interp) != interp ||
            (L->ts_prev >= 0 && u64_at(buf, L->ts_prev) != prev))
            return false;
        uint64_t fp;
        if (!code_seen && pt_target_top_frame(t, &t->mem, buf, &fp) == PT_OK)
            code_seen = runs_code(t, fp);
        prev = ts;
        ts = u64_at(buf, L->ts_next);
    }
    return code_seen;
}

#define USER_SPACE_END (1ull << 47) /* x86-64, 4-level page tables */

bool pt_target_ptr_plausible(const struct pt_target *t, uint64_t p)
{
    (void)t;
    return p && !(p & 7) && p < USER_SPACE_END;
}

enum pt_err pt_target_first_interp(const struct pt_target *t, const struct pt_mem *mem,
                                   uint64_t *interp)
{
    enum pt_err err = pt_mem_read_u64(mem, t->interp_head, interp);
    if (err != PT_OK)
        return err;
    return *interp ? PT_OK : PT_ENOINTERP;
}

/* Threads starting and ending while the list is read can fail the proof
 * for a moment (a link read half-way through a change). A known location
 * (a symbol or section: not strict) gets a few tries before it is
 * rejected; scan candidates (strict) are many, and get one. */
#define PROOF_TRIES 8

static bool head_valid(const struct pt_target *t, uint64_t head_addr, bool strict)
{
    for (int i = 0; i < (strict ? 1 : PROOF_TRIES); i++) {
        uint64_t interp;
        if (pt_mem_read_u64(&t->mem, head_addr, &interp) == PT_OK && interp_valid(t, interp, strict))
            return true;
    }
    return false;
}

bool pt_target_head_valid(const struct pt_target *t, uint64_t head_addr, bool strict)
{
    return head_valid(t, head_addr, strict);
}

/* ------------------------------------------------------------------------
 * Which mapped file holds the interpreter.
 */
static bool looks_like_python(const struct pt_elf *elf)
{
    uint64_t v;
    return pt_elf_symbol(elf, "PyInterpreterState_Head", &v, NULL) ||
           pt_elf_symbol(elf, "_PyRuntime", &v, NULL) || pt_elf_symbol(elf, "Py_Version", &v, NULL);
}

/* Open path as the target sees it. Through /proc/PID/root so containers
 * work; through map_files when the file was deleted or replaced. */
static enum pt_err open_mapped(const struct pt_target *t, const struct pt_map *m,
                               struct pt_elf **elf)
{
    char path[PATH_MAX + 64];
    if (m->deleted)
        snprintf(path, sizeof path, "/proc/%d/map_files/%llx-%llx", (int)t->pid,
                 (unsigned long long)m->start, (unsigned long long)m->end);
    else
        pt_proc_root_path(t->pid, m->path, path, sizeof path);
    return pt_elf_open(path, elf);
}

static bool basename_has(const char *path, const char *what)
{
    const char *b = strrchr(path, '/');
    return strstr(b ? b + 1 : path, what) != NULL;
}

/* Rank: libpython first, then files named python*, then anything else. */
static int rank_of(const struct pt_map *m)
{
    if (m->path[0] != '/')
        return -1;
    if (basename_has(m->path, "libpython"))
        return 0;
    if (basename_has(m->path, "python"))
        return 1;
    return 2;
}

/* A deleted (or replaced) interpreter file is read through map_files,
 * which the kernel opens only for root: say so rather than "no Python". */
static enum pt_err denied_deleted(const struct pt_target *t, const struct pt_map *m,
                                  struct pt_sb *why)
{
    pt_sb_printf(why, "%s was deleted or replaced after process %d started; pytop reads the "
                 "original through /proc/%d/map_files, which only root (CAP_SYS_ADMIN, or "
                 "CAP_CHECKPOINT_RESTORE) may open: run pytop as root",
                 m->path, (int)t->pid, (int)t->pid);
    return PT_EPERM;
}

static enum pt_err find_elf(struct pt_target *t, struct pt_elf **out, struct pt_sb *why)
{
    const struct pt_map *denied = NULL;
    for (int rank = 0; rank <= 2; rank++) {
        const char *tried = NULL;
        for (size_t i = 0; i < t->maps.n; i++) {
            const struct pt_map *m = &t->maps.v[i];
            if (rank_of(m) != rank || m->offset != 0 || (tried && !strcmp(tried, m->path)))
                continue;
            tried = m->path;
            struct pt_elf *elf;
            enum pt_err err = open_mapped(t, m, &elf);
            if (err == PT_EPERM && m->deleted && rank <= 1 && !denied)
                denied = m;
            if (err != PT_OK)
                continue;
            if (looks_like_python(elf)) {
                snprintf(t->elf_path, sizeof t->elf_path, "%s", m->path);
                t->bias = pt_elf_is_dyn(elf) ? pt_maps_base(&t->maps, m->path) - pt_elf_min_vaddr(elf)
                                             : 0;
                *out = elf;
                return PT_OK;
            }
            pt_elf_close(elf);
        }
    }
    return denied ? denied_deleted(t, denied, why) : PT_ENOTPY;
}

/* ------------------------------------------------------------------------
 * Entry points.
 */

/* `mov disp32(%rip),%rax; ret` — the body of PyInterpreterState_Head. */
static bool disasm_head(const struct pt_elf *elf, uint64_t *var)
{
    uint64_t fn;
    uint8_t code[7];
    if (!pt_elf_symbol(elf, "PyInterpreterState_Head", &fn, NULL) ||
        pt_elf_read_vaddr(elf, fn, code, sizeof code) != PT_OK || code[0] != 0x48 ||
        code[1] != 0x8b || code[2] != 0x05)
        return false;
    int32_t disp;
    memcpy(&disp, code + 3, sizeof disp);
    *var = fn + 7 + (uint64_t)(int64_t)disp;
    return true;
}

/* In every _PyRuntime (3.7+) interpreters.main follows interpreters.head,
 * and with one interpreter both hold the same pointer: a cheap filter
 * that rejects globals which merely point at the interpreter. */
static bool main_matches(const uint8_t *buf, size_t len, uint64_t off, int32_t head_off)
{
    if (head_off == 0)
        return true;
    uint64_t head, main;
    if (off + (uint64_t)head_off + 16 > len)
        return false;
    memcpy(&head, buf + off + head_off, 8);
    memcpy(&main, buf + off + head_off + 8, 8);
    return head == main;
}

/* Scan the live .data and .bss for a word that is a valid head. For 3.7+
 * the candidate is _PyRuntime itself (head at a fixed offset). */
static bool scan_for_head(struct pt_target *t, const struct pt_elf *elf, int32_t head_off)
{
    static const char *const sections[] = {".data", ".bss", ".PyRuntime"};
    for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
        struct pt_elf_section sec;
        if (!pt_elf_section(elf, sections[s], &sec) || sec.size > SCAN_MAX_BYTES)
            continue;
        uint64_t start = t->bias + sec.addr;
        uint8_t *buf = malloc(sec.size);
        if (!buf || pt_mem_read(&t->mem, start, buf, sec.size) != PT_OK) {
            free(buf);
            continue;
        }
        for (uint64_t off = 0; off + (uint64_t)head_off + 8 <= sec.size; off += 8) {
            uint64_t v;
            memcpy(&v, buf + off + head_off, 8);
            if (v && !(v & 7) && pt_maps_find(&t->maps, v) && main_matches(buf, sec.size, off, head_off) &&
                head_valid(t, start + off + (uint64_t)head_off, true)) {
                t->interp_head = start + off + (uint64_t)head_off;
                if (head_off)
                    t->runtime = start + off;
                free(buf);
                return true;
            }
        }
        free(buf);
    }
    return false;
}

static enum pt_err find_head_static(struct pt_target *t, const struct pt_elf *elf,
                                    const struct pt_attach_opts *o)
{
    uint64_t v;
    if (pt_elf_symbol(elf, "_PyThreadState_Current", &v, NULL))
        t->tstate_current = t->bias + v;
    if (!o->no_symbols && pt_elf_symbol(elf, "interp_head", &v, NULL) && head_valid(t, t->bias + v, false)) {
        t->interp_head = t->bias + v;
        t->entry_how = "symbol interp_head";
        return PT_OK;
    }
    if (!o->no_disasm && disasm_head(elf, &v) && head_valid(t, t->bias + v, false)) {
        t->interp_head = t->bias + v;
        t->entry_how = "PyInterpreterState_Head code";
        return PT_OK;
    }
    if (scan_for_head(t, elf, 0)) {
        t->entry_how = "scan of .data/.bss";
        return PT_OK;
    }
    return PT_ENOINTERP;
}

static enum pt_err apply_debug_offsets(struct pt_target *t)
{
    int decl = t->ctx.facts->debug_offsets;
    if (!decl)
        return PT_OK;
    uint8_t block[PT_DEBUG_OFFSETS_MAX];
    size_t len = pt_debugoffsets_size(decl);
    enum pt_err err = pt_mem_read(&t->mem, t->runtime, block, len);
    if (err != PT_OK)
        return err;
    const struct pt_layout before = t->ctx.lay;
    err = pt_debugoffsets_apply(block, len, decl, &t->ctx.lay, &t->debug_offsets_differ);
    /* 3.13's block names no code counter: the headers' offset of it holds
     * only while the block agrees with them on the interpreter's layout */
    const struct pt_layout *L = &t->ctx.lay;
    if (decl == 313 && (L->interp_next != before.interp_next ||
                        L->interp_threads_head != before.interp_threads_head ||
                        L->interp_modules != before.interp_modules ||
                        L->interp_ceval_gil != before.interp_ceval_gil))
        t->ctx.lay.interp_code_counter = PT_NOFIELD;
    return err;
}

static enum pt_err find_head_runtime(struct pt_target *t, const struct pt_elf *elf,
                                     const struct pt_attach_opts *o)
{
    uint64_t v;
    struct pt_elf_section sec;
    int32_t off = t->ctx.lay.runtime_interpreters_head;
    if (!o->no_symbols && pt_elf_symbol(elf, "_PyRuntime", &v, NULL)) {
        t->runtime = t->bias + v;
        t->entry_how = "symbol _PyRuntime";
    } else if (!o->no_section && pt_elf_section(elf, ".PyRuntime", &sec)) {
        t->runtime = t->bias + sec.addr;
        t->entry_how = ".PyRuntime section";
    } else if (scan_for_head(t, elf, off)) {
        t->entry_how = "scan of .data/.bss";
    } else {
        return PT_ENOINTERP;
    }
    enum pt_err err = apply_debug_offsets(t);
    if (err != PT_OK)
        return err;
    t->interp_head = t->runtime + (uint64_t)t->ctx.lay.runtime_interpreters_head;
    return head_valid(t, t->interp_head, false) ? PT_OK : PT_ENOINTERP;
}

/* ------------------------------------------------------------------------
 * Attach.
 */
static enum pt_err check_supported(struct pt_target *t, struct pt_sb *why)
{
    const struct pt_pyversion *v = &t->ver;
    t->ctx.facts = pt_facts_find(v->major, v->minor);
    const struct pt_layout *lay = pt_layout_find(v->major, v->minor);
    if (v->debug || v->free_threaded || !t->ctx.facts || !lay) {
        pt_sb_printf(why, "CPython %s%s in %s: pytop supports release (non-debug, "
                     "GIL) builds of CPython %s", v->text,
                     v->debug ? " (debug build)" : v->free_threaded ? " (free-threaded build)" : "",
                     t->elf_path, pt_facts_supported_range());
        return PT_EUNSUPPORTED;
    }
    t->ctx.lay = *lay;
    return PT_OK;
}

static void find_types(struct pt_target *t, const struct pt_elf *elf)
{
    uint64_t v;
    const char *str = t->ctx.facts->str == PT_STR_BYTES27 ? "PyString_Type" : "PyUnicode_Type";
    t->ctx.str_type = pt_elf_symbol(elf, str, &v, NULL) ? t->bias + v : 0;
    t->ctx.code_type = pt_elf_symbol(elf, "PyCode_Type", &v, NULL) ? t->bias + v : 0;
    /* a local symbol: stripped binaries lose it, and then every code
     * header is read on every use, as on <= 3.11 */
    if (t->ctx.facts->codecount == PT_CODECOUNT_GLOBAL32 &&
        pt_elf_symbol(elf, "_Py_next_func_version", &v, NULL))
        t->code_counter = t->bias + v;
}

static enum pt_err attach_elf(struct pt_target *t, const struct pt_elf *elf,
                              const struct pt_attach_opts *o, struct pt_sb *why)
{
    uint64_t rt = 0;
    struct pt_elf_section sec;
    if (!pt_elf_symbol(elf, "_PyRuntime", &rt, NULL) && pt_elf_section(elf, ".PyRuntime", &sec))
        rt = sec.addr;
    enum pt_err err = pt_version_detect(elf, t->elf_path, rt, &t->ver);
    if (err != PT_OK) {
        pt_sb_printf(why, "could not tell the CPython version of %s", t->elf_path);
        return err == PT_EINVAL ? PT_ENOTPY : err;
    }
    if ((err = check_supported(t, why)) != PT_OK)
        return err;
    find_types(t, elf);
    if (t->ctx.facts->entry == PT_ENTRY_INTERP_HEAD)
        err = find_head_static(t, elf, o);
    else
        err = find_head_runtime(t, elf, o);
    if (err == PT_EUNSUPPORTED)
        pt_sb_printf(why, "CPython %s in %s is a free-threaded build; pytop supports "
                     "GIL builds only", t->ver.text, t->elf_path);
    else if (err == PT_ENOINTERP)
        pt_sb_printf(why, "CPython %s found in %s, but no initialised interpreter "
                     "(is it still starting up, or finalising?)", t->ver.text, t->elf_path);
    return err;
}

enum pt_err pt_target_attach(pid_t pid, struct pt_target *t, struct pt_sb *why)
{
    static const struct pt_attach_opts defaults;
    return pt_target_attach_with(pid, &defaults, t, why);
}

enum pt_err pt_target_attach_with(pid_t pid, const struct pt_attach_opts *opts,
                                  struct pt_target *t, struct pt_sb *why)
{
    memset(t, 0, sizeof *t);
    t->pid = pid;
    enum pt_err err = pt_proc_probe(pid, why);
    if (err != PT_OK)
        return err;
    /* the process the PID names now; it must still be the one at the end */
    if (pt_ident_capture(pid, &t->ident) != PT_OK)
        return PT_EGONE;
    pt_mem_proc_init(&t->mem, &t->memproc, pid);
    t->ctx.mem = &t->mem;
    if ((err = pt_maps_read(pid, &t->maps)) != PT_OK) {
        pt_target_detach(t);
        return err == PT_ENOPROC ? PT_EGONE : err;
    }
    struct pt_elf *elf;
    /* maps read while the process exits can be empty: no libpython */
    if ((err = find_elf(t, &elf, why)) == PT_OK) {
        err = attach_elf(t, elf, opts, why);
        pt_elf_close(elf);
    }
    if (err != PT_OK) {
        /* a process that vanished mid-attach is "gone", whatever failed;
         * an exiting or zombie process still answers kill(pid, 0) */
        if (err != PT_EPERM &&
            (pt_ident_check(&t->ident) != PT_OK || pt_proc_probe(pid, NULL) != PT_OK)) {
            err = PT_EGONE;
            pt_sb_clear(why); /* the detail of what failed no longer applies */
        }
        pt_target_detach(t);
    } else if (pt_ident_check(&t->ident) != PT_OK) {
        /* gone meanwhile: what was read may be another process's under its PID */
        pt_target_detach(t);
        err = PT_EGONE;
    }
    return err;
}

void pt_target_detach(struct pt_target *t)
{
    pt_maps_free(&t->maps);
    pt_ident_close(&t->ident);
}
