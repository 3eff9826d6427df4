/* ui_dump — the view as text (d) or as an SVG flame graph (F), to a new file. */
#include "pytop/ui_dump.h"

#include <stdio.h>

#include "pytop/flamegraph.h"
#include "pytop/report.h"
#include "pytop/safefile.h"

static const char *dump_dir(const struct ui_state *u)
{
    return u->opt && u->opt->dump_dir ? u->opt->dump_dir : ".";
}

void ui_dump_stem(const char *what, time_t when, char *buf, size_t cap)
{
    struct tm tm;
    localtime_r(&when, &tm);
    snprintf(buf, cap, "pytop-%s-%04d%02d%02d-%02d%02d%02d", what, tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void ui_dump_render(const struct ui_state *u, struct pt_sb *out)
{
    struct pt_report_header h = u->head;
    h.state = u->state_text[0] ? u->state_text : NULL;
    h.drill = u->depth ? &u->drillv : NULL;
    pt_report_text(&h, u->agg, &u->view, &u->table, out);
}

/* data into a new file of the dump series; the status line says where or why not. */
static void publish(struct ui_state *u, const struct pt_sb *data, const char *ext, const char *what)
{
    char pid[16], stem[64];
    snprintf(pid, sizeof pid, "%d", u->head.pid);
    ui_dump_stem(pid, time(NULL), stem, sizeof stem);
    struct pt_sb path, why;
    pt_sb_init(&path);
    pt_sb_init(&why);
    enum pt_err err = pt_sb_failed(data) ? PT_ENOMEM
                      : pt_safefile_write_new(dump_dir(u), stem, ext, data->s ? data->s : "", data->len,
                                              &path, &why);
    if (err == PT_OK)
        ui_status(u, false, "%s written to %s", what, path.s);
    else
        ui_status(u, true, "%s not written: %s", what, why.len ? why.s : pt_err_text(err));
    pt_sb_free(&path);
    pt_sb_free(&why);
}

void ui_dump_text(struct ui_state *u)
{
    struct pt_sb out;
    pt_sb_init(&out);
    ui_dump_render(u, &out);
    char what[64];
    size_t rows = u->depth ? 2 + u->drillv.ncallers + u->drillv.ncallees : u->table.n;
    snprintf(what, sizeof what, "view (%zu %s)", rows, u->depth ? "lines" : rows == 1 ? "row" : "rows");
    publish(u, &out, ".txt", what);
    pt_sb_free(&out);
}

void ui_dump_flame(struct ui_state *u)
{
    struct pt_sb out;
    pt_sb_init(&out);
    uint32_t through = u->depth ? u->drill[u->depth - 1].key : PT_NOID;
    enum pt_err err = pt_flamegraph_render_through(u->agg, &u->view, through, &out);
    if (err == PT_OK)
        publish(u, &out, ".svg", "flame graph");
    else
        ui_status(u, true, "flame graph not written: %s", pt_err_text(err));
    pt_sb_free(&out);
}

enum pt_err ui_dump_child_log(const char *dir, struct pt_sb *path, struct pt_sb *why)
{
    char stem[64];
    ui_dump_stem("output", time(NULL), stem, sizeof stem);
    return pt_safefile_create_new(dir ? dir : ".", stem, ".log", path, why);
}
