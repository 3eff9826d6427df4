/* ui_model — table or drill view, as lines, with a stable selection. */
#include "pytop/ui_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- ordering of drill links ---------------------------------------------- */

static const char *str_of(const struct pt_intern *in, uint32_t id)
{
    return id == PT_NOID ? "" : pt_intern_str(in, id);
}

static int by_name(const struct pt_drill_link *x, const struct pt_drill_link *y, const struct pt_intern *in)
{
    int c = strcmp(str_of(in, x->name), str_of(in, y->name));
    if (c == 0)
        c = strcmp(str_of(in, x->file), str_of(in, y->file));
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int link_cmp(const void *pa, const void *pb, void *arg)
{
    const struct ui_state *u = arg;
    const struct pt_drill_link *x = pa, *y = pb;
    int name = by_name(x, y, u->intern);
    if (u->view.sort == PT_SORT_NAME)
        return u->view.reverse ? -name : name;
    int count = (x->count < y->count) - (x->count > y->count); /* largest first */
    /* ties stay in name order either way, so lines never jump */
    return count ? (u->view.reverse ? -count : count) : name;
}

static void sort_links(struct ui_state *u, struct pt_drill_link *l, size_t n)
{
    if (n > 1)
        qsort_r(l, n, sizeof *l, link_cmp, u);
}

/* ---- lines ------------------------------------------------------------------ */

static enum pt_err add_line(struct ui_state *u, enum ui_line_kind kind, size_t index)
{
    if (u->nlines == u->lines_cap) {
        size_t cap = u->lines_cap ? u->lines_cap * 2 : 64;
        struct ui_line *l = realloc(u->lines, cap * sizeof *l);
        if (!l)
            return PT_ENOMEM;
        u->lines = l;
        u->lines_cap = cap;
    }
    u->lines[u->nlines++] = (struct ui_line){kind, index};
    return PT_OK;
}

static enum pt_err add_lines(struct ui_state *u, enum ui_line_kind kind, size_t n)
{
    enum pt_err err = PT_OK;
    for (size_t i = 0; i < n && err == PT_OK; i++)
        err = add_line(u, kind, i);
    return err;
}

static enum pt_err lay_out(struct ui_state *u)
{
    u->nlines = 0;
    if (u->depth == 0)
        return add_lines(u, UI_LINE_ROW, u->table.n);
    const struct pt_drill *d = &u->drillv;
    enum pt_err err = add_line(u, UI_LINE_FUNCTION, 0);
    if (err == PT_OK)
        err = add_line(u, UI_LINE_SECTION, 0);
    if (err == PT_OK)
        err = add_lines(u, UI_LINE_CALLER, d->ncallers);
    if (err == PT_OK)
        err = add_line(u, UI_LINE_SECTION, 1);
    if (err == PT_OK)
        err = add_line(u, UI_LINE_SELF, 0);
    if (err == PT_OK)
        err = add_lines(u, UI_LINE_CALLEE, d->ncallees);
    return err;
}

uint32_t ui_model_key(const struct ui_state *u, size_t line)
{
    if (line >= u->nlines)
        return PT_NOID;
    const struct ui_line *l = &u->lines[line];
    switch (l->kind) {
    case UI_LINE_ROW:
        return u->table.rows[l->index].key;
    case UI_LINE_FUNCTION:
        return u->drillv.row.key;
    case UI_LINE_CALLER:
        return u->drillv.callers[l->index].key;
    case UI_LINE_CALLEE:
        return u->drillv.callees[l->index].key;
    case UI_LINE_SECTION:
    case UI_LINE_SELF:
        break;
    }
    return PT_NOID;
}

bool ui_model_selectable(const struct ui_state *u, size_t line)
{
    return line < u->nlines && u->lines[line].kind != UI_LINE_SECTION;
}

bool ui_model_crumb(const struct ui_state *u, size_t line, struct ui_crumb *out)
{
    if (line >= u->nlines)
        return false;
    const struct ui_line *l = &u->lines[line];
    const struct pt_drill_link *k = l->kind == UI_LINE_CALLER   ? &u->drillv.callers[l->index]
                                    : l->kind == UI_LINE_CALLEE ? &u->drillv.callees[l->index]
                                                                : NULL;
    if (l->kind == UI_LINE_ROW) {
        const struct pt_row *r = &u->table.rows[l->index];
        *out = (struct ui_crumb){r->key, r->name, r->line};
        return true;
    }
    if (!k || k->key == PT_NOID || k->pruned)
        return false; /* (root) and (pruned) are no functions to drill into */
    *out = (struct ui_crumb){k->key, k->name, k->line};
    return true;
}

/* ---- selection ---------------------------------------------------------------- */

/* From line i, the nearest selectable line going in dir (then the other way). */
static size_t settle(const struct ui_state *u, size_t i, int dir)
{
    for (int pass = 0; pass < 2; pass++, dir = -dir)
        for (size_t j = i; j < u->nlines; j = dir > 0 ? j + 1 : j - 1)
            if (ui_model_selectable(u, j))
                return j;
    return 0;
}

static void select_line(struct ui_state *u, size_t i, int dir)
{
    if (u->nlines == 0) {
        u->sel = 0;
        return;
    }
    u->sel = settle(u, i < u->nlines ? i : u->nlines - 1, dir);
    u->sel_key = ui_model_key(u, u->sel);
}

void ui_model_move(struct ui_state *u, long delta)
{
    long target = (long)u->sel;
    int dir = delta < 0 ? -1 : 1;
    /* count selectable steps so a section title costs no key press */
    for (long step = 0; step < labs(delta); step++) {
        long next = target + dir;
        while (next >= 0 && (size_t)next < u->nlines && !ui_model_selectable(u, (size_t)next))
            next += dir;
        if (next < 0 || (size_t)next >= u->nlines)
            break;
        target = next;
    }
    select_line(u, (size_t)target, dir);
}

void ui_model_select_end(struct ui_state *u, bool last)
{
    select_line(u, last && u->nlines ? u->nlines - 1 : 0, last ? -1 : 1);
}

/* After a rebuild: the line with the same key, else the same place. */
static void reselect(struct ui_state *u)
{
    for (size_t i = 0; u->sel_key != PT_NOID && i < u->nlines; i++)
        if (ui_model_selectable(u, i) && ui_model_key(u, i) == u->sel_key) {
            u->sel = i;
            return;
        }
    select_line(u, u->sel, 1);
}

/* ---- texts ------------------------------------------------------------------------ */

void ui_model_drill_path(const struct ui_state *u, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap)
        buf[0] = '\0';
    for (size_t i = 0; i < u->depth && n + 1 < cap; i++) {
        const struct ui_crumb *c = &u->drill[i];
        const char *name = str_of(u->intern, c->name);
        int w = u->view.mode == PT_KEY_LINE && c->line >= 0
                    ? snprintf(buf + n, cap - n, "%s%s:%d", i ? " > " : "", name, (int)c->line)
                    : snprintf(buf + n, cap - n, "%s%s", i ? " > " : "", name);
        n = w < 0 ? n : n + (size_t)w < cap ? n + (size_t)w : cap - 1;
    }
}

static void state_text(struct ui_state *u)
{
    char path[UI_STATE_MAX - 32];
    ui_model_drill_path(u, path, sizeof path);
    const char *frozen = u->frozen ? "FROZEN" : "";
    const char *sep = u->frozen && u->depth ? "; " : "";
    snprintf(u->state_text, sizeof u->state_text, "%s%s%s%s", frozen, sep, u->depth ? "drill: " : "", path);
}

/* ---- build ------------------------------------------------------------------------- */

enum pt_err ui_model_build(struct ui_state *u)
{
    u->view.filter = u->filter[0] ? u->filter : NULL;
    enum pt_err err = pt_agg_table(u->agg, &u->view, &u->table);
    if (err == PT_OK && u->depth > 0) {
        err = pt_agg_drill(u->agg, &u->view, u->drill[u->depth - 1].key, &u->drillv);
        sort_links(u, u->drillv.callers, u->drillv.ncallers);
        sort_links(u, u->drillv.callees, u->drillv.ncallees);
    }
    if (err == PT_OK)
        err = lay_out(u);
    if (err != PT_OK) {
        u->nlines = 0;
        return err;
    }
    reselect(u);
    state_text(u);
    return PT_OK;
}

void ui_model_snapshot(struct ui_state *u)
{
    if (!u->session)
        return;
    pt_session_header(u->session, u->opt, &u->head, u->mode_text, sizeof u->mode_text);
    u->head.dropped = u->head.dropped >= u->dropped_base ? u->head.dropped - u->dropped_base : 0;
}
