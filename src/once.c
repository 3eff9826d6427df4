/* once — one snapshot of all stacks, printed. */
#include "pytop/once.h"

#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <unistd.h>

#include "pytop/proc_info.h"
#include "pytop/py_threadnames.h"

static void render_frame(const struct pt_frame *f, struct pt_sb *out)
{
    if (f->err != PT_OK) {
        pt_sb_printf(out, "    <unreadable frame: code object at 0x%llx: %s>\n",
                     (unsigned long long)f->code, pt_err_name(f->err));
        return;
    }
    if (f->line >= 0)
        pt_sb_printf(out, "    %s (%s:%d)\n", f->name, f->file, f->line);
    else
        pt_sb_printf(out, "    %s (%s:?)\n", f->name, f->file);
}

static void render_thread(const struct pt_thread *th, struct pt_sb *out)
{
    if (th->tid)
        pt_sb_printf(out, "Thread %d", (int)th->tid);
    else
        pt_sb_printf(out, "Thread ? (ident 0x%llx)", (unsigned long long)th->ident);
    if (th->name[0])
        pt_sb_printf(out, " \"%s\"", th->name);
    const char *state = !th->running_known ? "unknown" : th->running ? "active" : "idle";
    pt_sb_printf(out, " (%s%s)\n", state, th->gil ? ", gil" : "");
    for (size_t i = 0; i < th->nframes; i++)
        render_frame(&th->frames[i], out);
    if (th->err != PT_OK)
        pt_sb_printf(out, "    <stack cut short: %s>\n", pt_err_text(th->err));
    else if (th->nframes == 0)
        pt_sb_puts(out, "    (no Python frames)\n");
}

static int by_tid(const void *a, const void *b)
{
    const struct pt_thread *x = a, *y = b;
    /* unknown ids (0) last, then ascending: the main thread comes first */
    unsigned ux = (unsigned)x->tid - 1, uy = (unsigned)y->tid - 1;
    return (ux > uy) - (ux < uy);
}

void pt_once_render(const struct pt_target *t, const char *cmdline, const struct pt_stacks *s,
                    struct pt_sb *out)
{
    pt_sb_printf(out, "Process %d: %s\n", (int)t->pid, cmdline);
    pt_sb_printf(out, "Python %s (%s)\n", t->ver.text, t->elf_path);
    for (size_t i = 0; i < s->n; i++) {
        pt_sb_puts(out, "\n");
        render_thread(&s->threads[i], out);
    }
}

enum pt_err pt_once_run(pid_t pid, struct pt_sb *why)
{
    struct pt_target t;
    enum pt_err err = pt_target_attach(pid, &t, why);
    if (err != PT_OK)
        return err;
    struct pt_walker w;
    pt_walker_init(&w, &t);
    struct pt_stacks s = {0};
    err = pt_stacks_read(&w, &s);
    if (err == PT_OK && pt_ident_check(&t.ident) != PT_OK)
        err = PT_EGONE; /* it exited: what was read may be another process's */
    struct pt_sb cmd, out;
    pt_sb_init(&cmd);
    pt_sb_init(&out);
    if (err == PT_OK) {
        struct pt_threadnames names;
        pt_threadnames_init(&names);
        pt_threadnames_fill(&names, &t, &s);
        pt_threadnames_free(&names);
        qsort(s.threads, s.n, sizeof *s.threads, by_tid);
        if (pt_proc_cmdline(pid, &cmd) != PT_OK)
            pt_sb_puts(&cmd, "?");
        pt_once_render(&t, cmd.s ? cmd.s : "", &s, &out);
        if (pt_sb_failed(&out))
            err = PT_ENOMEM;
        else if (fwrite(out.s, 1, out.len, stdout) != out.len || fflush(stdout) != 0)
            err = PT_EIO;
    } else if (err != PT_EGONE && pt_proc_probe(pid, NULL) != PT_OK) {
        /* exited (zombies included) while we read it: say so, whatever failed */
        err = PT_EGONE;
    }
    pt_sb_free(&cmd);
    pt_sb_free(&out);
    pt_stacks_free(&s);
    pt_walker_free(&w);
    pt_target_detach(&t);
    return err;
}
