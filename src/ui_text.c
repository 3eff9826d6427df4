/* ui_text — safe wide text, widths, and shortening to fit (see ui_text.h). */
#include "pytop/ui_text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define REPLACEMENT 0xFFFDu
/* A name keeps at least this many columns before its location is dropped. */
#define NAME_MIN_COLS 12

/* One code point from s; returns the bytes it took (at least 1). */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
    static const uint32_t min_of_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    unsigned lead = s[0];
    size_t len = lead < 0x80 ? 1 : lead >= 0xC2 && lead < 0xE0 ? 2 : lead >= 0xE0 && lead < 0xF0 ? 3
               : lead >= 0xF0 && lead < 0xF5 ? 4 : 0;
    if (len == 0) {
        *cp = REPLACEMENT;
        return 1;
    }
    uint32_t v = len == 1 ? lead : lead & (0x7Fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) { /* truncated: resume at the byte that broke it */
            *cp = REPLACEMENT;
            return i;
        }
        v = v << 6 | (s[i] & 0x3Fu);
    }
    bool bad = v < min_of_len[len] || v > 0x10FFFF || (v >= 0xD800 && v < 0xE000);
    *cp = bad ? REPLACEMENT : v;
    return len;
}

/* Control characters would move the cursor; unprintable ones garble the line. */
static wchar_t printable(uint32_t cp)
{
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
        return L'?';
    return wcwidth((wchar_t)cp) < 0 ? L'?' : (wchar_t)cp;
}

size_t ui_text_decode(const char *s, wchar_t *out, size_t cap)
{
    if (cap == 0)
        return 0;
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p && n + 1 < cap) {
        uint32_t cp;
        p += utf8_next(p, &cp);
        out[n++] = printable(cp);
    }
    out[n] = L'\0';
    return n;
}

int ui_text_char_width(wchar_t c)
{
    int w = wcwidth(c);
    return w < 0 ? 1 : w > 2 ? 2 : w; /* decoded text has no unprintables; be safe anyway */
}

int ui_text_width(const wchar_t *s, size_t n)
{
    int w = 0;
    for (size_t i = 0; i < n; i++)
        w += ui_text_char_width(s[i]);
    return w;
}

wchar_t ui_text_ellipsis(void) { return wcwidth(L'\u2026') == 1 ? L'\u2026' : L'~'; }

size_t ui_text_cut(wchar_t *s, size_t n, int width)
{
    if (width <= 0)
        return 0;
    if (ui_text_width(s, n) <= width)
        return n;
    size_t k = 0;
    int w = 0;
    while (k < n && w + ui_text_char_width(s[k]) <= width - 1)
        w += ui_text_char_width(s[k++]);
    s[k++] = ui_text_ellipsis(); /* k < n: the whole text did not fit */
    if (k < n)
        s[k] = L'\0';
    return k;
}

size_t ui_text_fit(const char *utf8, int width, wchar_t *out, size_t cap)
{
    return ui_text_cut(out, ui_text_decode(utf8, out, cap), width);
}

/* ---- functions: "name (file:line)" ---------------------------------------- */

struct wbuf {
    wchar_t *s;
    size_t n, cap;
};

static void wb_add(struct wbuf *b, const wchar_t *s, size_t n)
{
    for (size_t i = 0; i < n && b->n + 1 < b->cap; i++)
        b->s[b->n++] = s[i];
    if (b->cap)
        b->s[b->n] = L'\0';
}

/* The pieces of a function's text, decoded once. */
struct fn_parts {
    wchar_t name[UI_TEXT_MAX], file[UI_TEXT_MAX], tail[32];
    size_t nname, nfile, ntail;
    int wname, wtail;
};

/* name + " (" + [ellipsis] + file[from..] + tail */
static size_t compose(const struct fn_parts *p, size_t from, bool elide, wchar_t *out, size_t cap)
{
    struct wbuf b = {out, 0, cap};
    wchar_t ell = ui_text_ellipsis();
    wb_add(&b, p->name, p->nname);
    wb_add(&b, L" (", 2);
    if (elide)
        wb_add(&b, &ell, 1);
    wb_add(&b, p->file + from, p->nfile - from);
    wb_add(&b, p->tail, p->ntail);
    return b.n;
}

static int composed_width(const struct fn_parts *p, size_t from, bool elide)
{
    return p->wname + 2 + (elide ? 1 : 0) + ui_text_width(p->file + from, p->nfile - from) + p->wtail;
}

static size_t last_slash_end(const struct fn_parts *p)
{
    size_t base = 0;
    for (size_t i = 0; i < p->nfile; i++)
        if (p->file[i] == L'/')
            base = i + 1;
    return base;
}

/* The whole path, then ".../tail" from each '/' left to right, then the bare file name. */
static bool fit_location(const struct fn_parts *p, int width, wchar_t *out, size_t cap, size_t *len)
{
    if (composed_width(p, 0, false) <= width) {
        *len = compose(p, 0, false, out, cap);
        return true;
    }
    for (size_t i = 1; i < p->nfile; i++)
        if (p->file[i] == L'/' && composed_width(p, i, true) <= width) {
            *len = compose(p, i, true, out, cap);
            return true;
        }
    size_t base = last_slash_end(p);
    if (composed_width(p, base, false) <= width) {
        *len = compose(p, base, false, out, cap);
        return true;
    }
    return false;
}

/* Nothing fits whole: cut the name, keeping " (file:line)" if the name keeps enough. */
static size_t cut_name(struct fn_parts *p, int width, wchar_t *out, size_t cap)
{
    size_t base = last_slash_end(p);
    int wloc = 2 + ui_text_width(p->file + base, p->nfile - base) + p->wtail;
    int room = width - wloc;
    if (room >= (p->wname < NAME_MIN_COLS ? p->wname : NAME_MIN_COLS)) {
        p->nname = ui_text_cut(p->name, p->nname, room);
        p->wname = ui_text_width(p->name, p->nname);
        return compose(p, base, false, out, cap);
    }
    return ui_text_cut(out, compose(p, base, false, out, cap), width);
}

size_t ui_text_function(const char *name, const char *file, int line, int width, wchar_t *out,
                        size_t cap)
{
    if (!file)
        return ui_text_fit(name, width, out, cap);
    struct fn_parts p; /* ~32 KiB on the stack; every field is set below */
    p.nname = ui_text_decode(name, p.name, UI_TEXT_MAX);
    p.nfile = ui_text_decode(file, p.file, UI_TEXT_MAX);
    char tail[32];
    if (line >= 0)
        snprintf(tail, sizeof tail, ":%d)", line);
    else
        snprintf(tail, sizeof tail, ")");
    p.ntail = ui_text_decode(tail, p.tail, sizeof p.tail / sizeof p.tail[0]);
    p.wname = ui_text_width(p.name, p.nname);
    p.wtail = ui_text_width(p.tail, p.ntail);
    size_t len;
    if (fit_location(&p, width, out, cap, &len))
        return len;
    return cut_name(&p, width, out, cap);
}
