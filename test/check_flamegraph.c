/* check_flamegraph — the SVG flame graph from hand-made samples: a
 * well-formed document (checked by a real XML parser, with the geometry
 * read back: every frame sits on its parent, width proportional to its
 * samples), the right counts and shares in the titles, escaping of any
 * name, the narrow-frame cut, deep stacks, and the empty graph. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "pytop/aggregate.h"
#include "pytop/flamegraph.h"
#include "pytop/flamegraph_js.h"
#include "pytop/intern.h"
#include "pytop/util.h"

/* Parses the SVG and checks its shape; prints the number of frames.
 * Geometry: width 1200, 10px margins, 16px levels, root at the bottom;
 * each frame's rect x/width match its fg:x/fg:w sample offsets, each
 * non-root frame lies within a frame one level below, frames of one
 * level never overlap, and a label is the name or a prefix plus "..". */
static const char checker[] =
    "import sys, re, xml.dom.minidom as M\n"
    "FG = 'urn:pytop:flamegraph'\n"
    "svg = M.parse(sys.argv[1]).documentElement\n"
    "assert svg.tagName == 'svg' and svg.getAttribute('xmlns') == 'http://www.w3.org/2000/svg'\n"
    "assert svg.getAttribute('version') == '1.1' and svg.getAttribute('width') == '1200'\n"
    "assert svg.getAttribute('viewBox') == '0 0 1200 ' + svg.getAttribute('height')\n"
    "fr = []\n"
    "for g in svg.getElementsByTagName('g'):\n"
    "    if g.getAttribute('class') != 'f': continue\n"
    "    t = g.getElementsByTagName('title')[0].firstChild.data\n"
    "    r = g.getElementsByTagName('rect')[0]\n"
    "    x = g.getElementsByTagName('text')[0]\n"
    "    lab = x.firstChild.data if x.firstChild else ''\n"
    "    fr.append((int(r.getAttribute('y')), int(r.getAttributeNS(FG, 'x')), int(r.getAttributeNS(FG, 'w')),\n"
    "               float(r.getAttribute('x')), float(r.getAttribute('width')), t, lab))\n"
    "if fr:\n"
    "    total = max(f[2] for f in fr)\n"
    "    bottom = max(f[0] for f in fr)\n"
    "    level = {}\n"
    "    for f in fr: level.setdefault(f[0], []).append(f)\n"
    "    for y, x, w, px, pw, t, lab in fr:\n"
    "        assert abs(pw - w * 1180 / total) < 0.006, (t, pw, w)\n"
    "        assert abs(px - 10 - x * 1180 / total) < 0.006, (t, px, x)\n"
    "        name = re.sub(' \\u2014 [0-9]+ samples? \\\\([0-9.]+%\\\\)$', '', t)\n"
    "        assert name != t, t\n"
    "        assert lab == '' or lab == name or (lab.endswith('..') and name.startswith(lab[:-2])), (lab, name)\n"
    "        if y == bottom:\n"
    "            assert x == 0 and w == total and name == 'all'\n"
    "            continue\n"
    "        assert any(p[1] <= x and x + w <= p[1] + p[2] for p in level.get(y + 16, [])), t\n"
    "    for row in level.values():\n"
    "        row.sort(key=lambda f: f[1])\n"
    "        for a, b in zip(row, row[1:]): assert a[1] + a[2] <= b[1]\n"
    "print(len(fr))\n";

struct fix {
    struct pt_intern *in;
    struct pt_agg *a;
    uint64_t t_ns;
};

static void fix_init(struct fix *f)
{
    f->in = calloc(1, sizeof *f->in);
    ck_assert_ptr_nonnull(f->in);
    ck_assert_int_eq(pt_intern_init(f->in), PT_OK);
    ck_assert_int_eq(pt_agg_new(f->in, &f->a), PT_OK);
    f->t_ns = 1000000000ull;
}

static void fix_free(struct fix *f)
{
    pt_agg_free(f->a);
    pt_intern_free(f->in);
    free(f->in);
}

static uint32_t frame(struct fix *f, const char *name, const char *file, int line, int firstline)
{
    struct pt_frameinfo fi = {pt_intern_string(f->in, name), pt_intern_string(f->in, file), line, firstline};
    uint32_t id = pt_intern_frame(f->in, &fi);
    ck_assert_uint_ne(id, PT_NOID);
    return id;
}

/* count samples of one stack (frames leaf first) on thread 1, GIL held. */
static void add(struct fix *f, const uint32_t *frames, uint32_t depth, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        f->t_ns += 10000000;
        struct pt_sample s = {.tid = 1, .pid = 1, .flags = PT_SAMPLE_GIL, .tick = i, .t_ns = f->t_ns,
                              .weight_us = 10000, .depth = depth, .frames = frames};
        ck_assert_int_eq(pt_agg_add(f->a, &s), PT_OK);
    }
}

static void close_bucket(struct fix *f) { ck_assert_int_eq(pt_agg_close_bucket(f->a, f->t_ns + 1), PT_OK); }

static struct pt_view view(enum pt_keymode mode)
{
    return (struct pt_view){.mode = mode, .window_s = PT_WINDOW_ALL};
}

/* Render v into a NUL-terminated malloc'd string. */
static char *render(struct fix *f, const struct pt_view *v)
{
    struct pt_sb sb;
    pt_sb_init(&sb);
    ck_assert_int_eq(pt_flamegraph_render(f->a, v, &sb), PT_OK);
    ck_assert(!pt_sb_failed(&sb));
    ck_assert_ptr_nonnull(sb.s);
    return sb.s;
}

/* Write svg to a file and run the checker on it: its exit status, and
 * the frame count it printed in *frames. */
static int check_svg(const char *svg, int *frames, char **err)
{
    char path[] = "/tmp/pytop-fg-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    size_t len = strlen(svg);
    ck_assert_int_eq(write(fd, svg, len), (ssize_t)len);
    close(fd);
    char *out = NULL;
    /* the system python starts in 0.1 s; a pyenv shim on PATH can take seconds */
    char *python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    char *argv[] = {python, "-c", (char *)checker, path, NULL};
    int rc = harness_run(argv, &out, err, 60);
    *frames = atoi(out ? out : "-1");
    free(out);
    if (rc == 0 && access("/usr/bin/xmllint", X_OK) == 0) { /* a second, independent parser when present */
        char *xargv[] = {"/usr/bin/xmllint", "--noout", "--nonet", path, NULL};
        free(*err);
        rc = harness_run(xargv, NULL, err, 60);
    }
    unlink(path);
    return rc;
}

/* Parse and check svg; returns the frame count. */
static int validate(const char *svg)
{
    int frames;
    char *err = NULL;
    int rc = check_svg(svg, &frames, &err);
    ck_assert_msg(rc == 0, "SVG check failed (%d): %s", rc, err ? err : "");
    free(err);
    return frames;
}

/* The <g> of the frame whose title starts with text (NULL if none). */
static const char *frame_of(const char *svg, const char *text)
{
    char needle[512];
    snprintf(needle, sizeof needle, "<g class=\"f\"><title>%s", text);
    return strstr(svg, needle);
}

/* A numeric attribute of the frame's rect. */
static double rect_attr(const char *svg, const char *text, const char *attr)
{
    const char *g = frame_of(svg, text);
    ck_assert_msg(g != NULL, "no frame %s", text);
    char needle[64];
    snprintf(needle, sizeof needle, " %s=\"", attr);
    const char *p = strstr(strstr(g, "<rect"), needle);
    ck_assert_ptr_nonnull(p);
    return strtod(p + strlen(needle), NULL);
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* main -> a -> b three times, main -> c once. */
static void two_children(struct fix *f)
{
    uint32_t mainf = frame(f, "main", "app.py", 50, 40), a = frame(f, "a", "app.py", 12, 10),
             b = frame(f, "b", "lib.py", 7, 5), c = frame(f, "c", "app.py", 30, 28);
    add(f, (uint32_t[]){b, a, mainf}, 3, 3);
    add(f, (uint32_t[]){c, mainf}, 2, 1);
    close_bucket(f);
}

START_TEST(test_counts_in_titles)
{
    struct fix f;
    fix_init(&f);
    two_children(&f);
    struct pt_view v = view(PT_KEY_FUNCTION);
    char *svg = render(&f, &v);
    ck_assert_int_eq(validate(svg), 5);
    ck_assert_ptr_nonnull(strstr(svg, "<title>all \xe2\x80\x94 4 samples (100.00%)</title>"));
    ck_assert_ptr_nonnull(strstr(svg, "<title>main (app.py:40) \xe2\x80\x94 4 samples (100.00%)</title>"));
    ck_assert_ptr_nonnull(strstr(svg, "<title>a (app.py:10) \xe2\x80\x94 3 samples (75.00%)</title>"));
    ck_assert_ptr_nonnull(strstr(svg, "<title>b (lib.py:5) \xe2\x80\x94 3 samples (75.00%)</title>"));
    ck_assert_ptr_nonnull(strstr(svg, "<title>c (app.py:28) \xe2\x80\x94 1 sample (25.00%)</title>"));
    ck_assert_ptr_nonnull(strstr(svg, ">4 samples, functions, since start</text>"));
    free(svg);
    fix_free(&f);
}
END_TEST

START_TEST(test_widths_proportional)
{
    struct fix f;
    fix_init(&f);
    two_children(&f);
    struct pt_view v = view(PT_KEY_FUNCTION);
    char *svg = render(&f, &v);
    double wa = rect_attr(svg, "a (", "width"), wc = rect_attr(svg, "c (", "width");
    double wall = rect_attr(svg, "all ", "width");
    ck_assert_double_eq_tol(wall, 1180.0, 0.01);
    ck_assert_double_eq_tol(wa, 885.0, 0.01);
    ck_assert_double_eq_tol(wc, 295.0, 0.01);
    ck_assert_double_eq_tol(wa / wc, 3.0, 1e-6);
    /* siblings in name order from the parent's left edge; children one level up */
    ck_assert_double_eq_tol(rect_attr(svg, "a (", "x"), 10.0, 0.01);
    ck_assert_double_eq_tol(rect_attr(svg, "c (", "x"), 895.0, 0.01);
    ck_assert_double_eq_tol(rect_attr(svg, "all ", "y") - rect_attr(svg, "main ", "y"), 16.0, 0.01);
    ck_assert_double_eq_tol(rect_attr(svg, "a (", "y") - rect_attr(svg, "b (", "y"), 16.0, 0.01);
    ck_assert_double_eq_tol(rect_attr(svg, "a (", "y"), rect_attr(svg, "c (", "y"), 0.01);
    free(svg);
    fix_free(&f);
}
END_TEST

START_TEST(test_escaping)
{
    struct fix f;
    fix_init(&f);
    uint32_t mainf = frame(&f, "main", "app.py", 1, 1), lam = frame(&f, "<lambda>", "a&b.py", 3, 3),
             amp = frame(&f, "a&b", "x.py", 4, 4), cdata = frame(&f, "]]>", "q\"u'o.py", 5, 5),
             ctl = frame(&f, "ctl\x01\x1f\x7f", "bad\xff\xc0\xed\xa0\x80.py", 6, 6),
             uni = frame(&f, "名前", "ünï/名前.py", 7, 7);
    add(&f, (uint32_t[]){lam, mainf}, 2, 2);
    add(&f, (uint32_t[]){amp, mainf}, 2, 2);
    add(&f, (uint32_t[]){cdata, mainf}, 2, 2);
    add(&f, (uint32_t[]){ctl, mainf}, 2, 2);
    add(&f, (uint32_t[]){uni, mainf}, 2, 2);
    close_bucket(&f);
    struct pt_view v = view(PT_KEY_FUNCTION);
    char *svg = render(&f, &v);
    ck_assert_int_eq(validate(svg), 7);
    ck_assert_ptr_nonnull(strstr(svg, "<title>&lt;lambda&gt; (a&amp;b.py:3) \xe2\x80\x94 2 samples (20.00%)"));
    ck_assert_ptr_nonnull(strstr(svg, "<title>a&amp;b (x.py:4) \xe2\x80\x94 2 samples (20.00%)"));
    ck_assert_ptr_nonnull(strstr(svg, "<title>]]&gt; (q&quot;u&apos;o.py:5)"));
    ck_assert_ptr_nonnull(strstr(svg, "<title>名前 (ünï/名前.py:7)"));
    ck_assert_ptr_null(strstr(svg, "<lambda>"));
    ck_assert_ptr_null(strstr(svg, "a&b"));
    ck_assert_ptr_null(strstr(svg, "\x01"));
    ck_assert_ptr_null(strstr(svg, "\xff"));
    /* the only "]]>" closes the script's CDATA section */
    ck_assert_uint_eq(count_of(svg, "]]>"), 1);
    ck_assert_ptr_nonnull(strstr(svg, "]]></script>\n</svg>\n"));
    /* a filter is shown, escaped, in the subtitle */
    v.filter = "a&b";
    free(svg);
    svg = render(&f, &v);
    validate(svg);
    ck_assert_ptr_nonnull(strstr(svg, ">4 samples, functions, since start, stacks matching \"a&amp;b\"</text>"));
    free(svg);
    fix_free(&f);
}
END_TEST

START_TEST(test_empty)
{
    struct fix f;
    fix_init(&f);
    struct pt_view v = view(PT_KEY_FUNCTION);
    char *svg = render(&f, &v);
    ck_assert_int_eq(validate(svg), 0);
    ck_assert_ptr_nonnull(strstr(svg, ">no samples</text>"));
    free(svg);
    /* a closed bucket of samples with no Python frame is no sample either */
    add(&f, NULL, 0, 3);
    close_bucket(&f);
    svg = render(&f, &v);
    ck_assert_int_eq(validate(svg), 0);
    ck_assert_ptr_nonnull(strstr(svg, ">no samples</text>"));
    free(svg);
    fix_free(&f);
}
END_TEST

START_TEST(test_deep_stack)
{
    enum { DEPTH = 1500 };
    struct fix f;
    fix_init(&f);
    uint32_t *fr = malloc(DEPTH * sizeof *fr);
    ck_assert_ptr_nonnull(fr);
    for (int i = 0; i < DEPTH; i++) { /* leaf first: fr[0] is the deepest */
        char name[32];
        snprintf(name, sizeof name, "rec%d", DEPTH - 1 - i);
        fr[i] = frame(&f, name, "deep.py", 10, 10);
    }
    add(&f, fr, DEPTH, 2);
    add(&f, fr + DEPTH / 2, DEPTH / 2, 1); /* a shallower stack sharing the root half */
    close_bucket(&f);
    struct pt_view v = view(PT_KEY_FUNCTION);
    char *svg = render(&f, &v);
    ck_assert_int_eq(validate(svg), DEPTH + 1);
    char height[64];
    snprintf(height, sizeof height, "height=\"%d\"", 56 + (DEPTH + 1) * 16 + 30);
    ck_assert_ptr_nonnull(strstr(svg, height));
    ck_assert_ptr_nonnull(strstr(svg, "<title>rec0 (deep.py:10) \xe2\x80\x94 3 samples (100.00%)"));
    ck_assert_ptr_nonnull(strstr(svg, "<title>rec1499 (deep.py:10) \xe2\x80\x94 2 samples (66.67%)"));
    ck_assert_double_eq_tol(rect_attr(svg, "rec0 ", "y"), 56.0 + (DEPTH - 1) * 16, 0.01);
    ck_assert_double_eq_tol(rect_attr(svg, "rec1499 ", "y"), 56.0, 0.01);
    free(svg);
    free(fr);
    fix_free(&f);
}
END_TEST

START_TEST(test_narrow_frames_omitted)
{
    struct fix f;
    fix_init(&f);
    uint32_t mainf = frame(&f, "main", "m.py", 1, 1), hot = frame(&f, "hot", "m.py", 2, 2),
             rare = frame(&f, "rare", "m.py", 3, 3), tiny = frame(&f, "tiny", "m.py", 4, 4),
             edge = frame(&f, "edge", "m.py", 5, 5);
    add(&f, (uint32_t[]){hot, mainf}, 2, 1996);
    add(&f, (uint32_t[]){tiny, rare, mainf}, 3, 1); /* 1 of 2000: under 0.1% */
    add(&f, (uint32_t[]){edge, mainf}, 2, 2);        /* 2 of 2000: exactly 0.1%, kept */
    add(&f, (uint32_t[]){mainf}, 1, 1);
    close_bucket(&f);
    struct pt_view v = view(PT_KEY_FUNCTION);
    char *svg = render(&f, &v);
    ck_assert_int_eq(validate(svg), 4);
    ck_assert_ptr_null(strstr(svg, "rare"));
    ck_assert_ptr_null(strstr(svg, "tiny"));
    ck_assert_ptr_nonnull(strstr(svg, "<title>edge (m.py:5) \xe2\x80\x94 2 samples (0.10%)"));
    ck_assert_ptr_nonnull(strstr(svg, ", 2 frames under 0.1% omitted</text>"));
    /* the parent keeps its full count: omitted frames are still inside it */
    ck_assert_ptr_nonnull(strstr(svg, "<title>main (m.py:1) \xe2\x80\x94 2000 samples (100.00%)"));
    free(svg);
    fix_free(&f);
}
END_TEST

/* The fill of the first frame whose title starts with text, after start. */
static void fill_of(const char *from, const char *text, char *out, size_t cap)
{
    const char *g = frame_of(from, text);
    ck_assert_msg(g != NULL, "no frame %s", text);
    const char *p = strstr(g, " fill=\"") + 7;
    size_t n = strcspn(p, "\"");
    ck_assert_uint_lt(n, cap);
    memcpy(out, p, n);
    out[n] = '\0';
}

START_TEST(test_colour_by_name)
{
    struct fix f;
    fix_init(&f);
    uint32_t m1 = frame(&f, "main", "m.py", 1, 1), x = frame(&f, "x", "m.py", 2, 2),
             y = frame(&f, "y", "m.py", 3, 3), h1 = frame(&f, "helper", "h.py", 10, 9),
             h2 = frame(&f, "helper", "h.py", 12, 9);
    add(&f, (uint32_t[]){h1, x, m1}, 3, 2);
    add(&f, (uint32_t[]){h2, y, m1}, 3, 2);
    close_bucket(&f);
    struct pt_view v = view(PT_KEY_LINE);
    char *svg = render(&f, &v);
    validate(svg);
    /* line mode: two lines of helper are two frames, one colour */
    ck_assert_ptr_nonnull(frame_of(svg, "helper (h.py:10) "));
    ck_assert_ptr_nonnull(frame_of(svg, "helper (h.py:12) "));
    char c1[64], c2[64], c3[64];
    fill_of(svg, "helper (h.py:10) ", c1, sizeof c1);
    fill_of(svg, "helper (h.py:12) ", c2, sizeof c2);
    ck_assert_str_eq(c1, c2);
    ck_assert(strncmp(c1, "rgb(", 4) == 0);
    unsigned r, g, b;
    ck_assert_int_eq(sscanf(c1, "rgb(%u,%u,%u)", &r, &g, &b), 3);
    ck_assert(r >= 205 && r <= 255 && g < 230 && b < 55); /* warm */
    free(svg);
    /* function mode: one helper per parent, same colour as in line mode; same output twice */
    v = view(PT_KEY_FUNCTION);
    svg = render(&f, &v);
    char *again = render(&f, &v);
    ck_assert_str_eq(svg, again);
    fill_of(svg, "helper (h.py:9) ", c3, sizeof c3);
    ck_assert_str_eq(c1, c3);
    ck_assert_uint_eq(count_of(svg, "<title>helper (h.py:9) \xe2\x80\x94 2 samples (50.00%)"), 2);
    free(again);
    free(svg);
    fix_free(&f);
}
END_TEST

START_TEST(test_long_names_clipped)
{
    struct fix f;
    fix_init(&f);
    char cjk[3 * 300 + 1] = "", ascii[301];
    for (int i = 0; i < 300; i++)
        strcat(cjk, "\xe5\x90\x8d"); /* 名, two columns wide */
    memset(ascii, 'x', 300);
    ascii[300] = '\0';
    uint32_t m = frame(&f, "main", "m.py", 1, 1), c = frame(&f, cjk, "m.py", 2, 2),
             x = frame(&f, ascii, "m.py", 3, 3);
    add(&f, (uint32_t[]){x, c, m}, 3, 99);
    add(&f, (uint32_t[]){x, m}, 2, 1);
    close_bucket(&f);
    struct pt_view v = view(PT_KEY_FUNCTION);
    char *svg = render(&f, &v);
    validate(svg); /* also: every label is its name or a prefix + ".." */
    ck_assert_ptr_nonnull(strstr(frame_of(svg, "main "), "\">main (m.py:1)</text></g>"));
    /* 1168.2px: (1168.2 - 6) / 7.3 = 159 columns; 157 for the text, 2 for ".." */
    char want[400] = "\">";
    for (int i = 0; i < 78; i++)
        strcat(want, "\xe5\x90\x8d");
    strcat(want, "..</text></g>");
    ck_assert_ptr_nonnull(strstr(frame_of(svg, cjk), want));
    snprintf(want, sizeof want, "\">%.157s..</text></g>", ascii);
    ck_assert_ptr_nonnull(strstr(svg, want));
    /* 11.8px hold one character: too few, so no label; the title is whole */
    char title[400];
    snprintf(title, sizeof title, "%s (m.py:3) \xe2\x80\x94 1 sample (1.00%%)", ascii);
    const char *t = strstr(svg, title);
    ck_assert_ptr_nonnull(t);
    const char *end = strstr(t, "</g>");
    ck_assert(strncmp(end - 9, "\"></text>", 9) == 0);
    free(svg);
    fix_free(&f);
}
END_TEST

START_TEST(test_self_contained)
{
    struct fix f;
    fix_init(&f);
    two_children(&f);
    struct pt_sb sb;
    pt_sb_init(&sb);
    pt_sb_puts(&sb, "KEEP");
    struct pt_view v = view(PT_KEY_FUNCTION);
    ck_assert_int_eq(pt_flamegraph_render(f.a, &v, &sb), PT_OK);
    const char *head = "KEEP<?xml version=\"1.0\" encoding=\"UTF-8\"";
    ck_assert(strncmp(sb.s, head, strlen(head)) == 0); /* appends */
    const char *svg = sb.s + 4;
    ck_assert_ptr_nonnull(strstr(svg, "<script type=\"text/ecmascript\"><![CDATA[\n"));
    ck_assert_ptr_null(strstr(pt_flamegraph_js, "]]>"));
    ck_assert_ptr_nonnull(strstr(svg, pt_flamegraph_js));
    /* the controls the script drives */
    ck_assert_ptr_nonnull(strstr(svg, "id=\"unzoom\""));
    ck_assert_ptr_nonnull(strstr(svg, "id=\"search\""));
    ck_assert_ptr_nonnull(strstr(svg, "id=\"clear\""));
    ck_assert_ptr_nonnull(strstr(svg, "id=\"details\""));
    ck_assert_ptr_nonnull(strstr(svg, "id=\"matched\""));
    /* nothing fetched: the only URLs are namespace names */
    ck_assert_uint_eq(count_of(svg, "http"), 1);
    ck_assert_ptr_nonnull(strstr(svg, "xmlns=\"http://www.w3.org/2000/svg\""));
    ck_assert_ptr_null(strstr(svg, "href"));
    ck_assert_ptr_null(strstr(svg, "@import"));
    ck_assert_ptr_null(strstr(svg, "<!DOCTYPE")); /* no external DTD either */
    validate(svg);
    v.mode = PT_KEY_COUNT;
    ck_assert_int_eq(pt_flamegraph_render(f.a, &v, &sb), PT_EINVAL);
    ck_assert_str_eq(sb.s + sb.len - 7, "</svg>\n"); /* untouched on error */
    pt_sb_free(&sb);
    fix_free(&f);
}
END_TEST

/* The checker is worth something: it rejects broken documents. */
START_TEST(test_checker_rejects)
{
    static const char *const bad[] = {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"1200\" height=\"9\""
        " viewBox=\"0 0 1200 9\"><g></svg>",                                  /* not well-formed */
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"1200\" height=\"9\""
        " viewBox=\"0 0 1200 9\"><text>a\x01</text></svg>",                  /* control character */
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:fg=\"urn:pytop:flamegraph\" version=\"1.1\""
        " width=\"1200\" height=\"9\" viewBox=\"0 0 1200 9\"><g class=\"f\"><title>all \xe2\x80\x94 2 samples"
        " (100.00%)</title><rect x=\"10.00\" y=\"0\" width=\"500.00\" fg:x=\"0\" fg:w=\"2\"/><text/></g></svg>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int frames;
        char *err = NULL;
        ck_assert_msg(check_svg(bad[i], &frames, &err) != 0, "accepted bad[%zu]", i);
        free(err);
    }
}
END_TEST

START_TEST(test_many_stacks)
{
    enum { STACKS = 10000 };
    struct fix f;
    fix_init(&f);
    uint32_t fns[64];
    for (int i = 0; i < 64; i++) {
        char name[32];
        snprintf(name, sizeof name, "module.Class.method_%02d", i);
        fns[i] = frame(&f, name, "/srv/app/some/module/path.py", 100 + i, 100 + i);
    }
    uint32_t seed = 12345;
    for (int s = 0; s < STACKS; s++) {
        /* distinct stacks: depth 6-9, frames chosen by s's digits in base 64 */
        uint32_t st[10], depth = 6 + (uint32_t)s % 4, x = (uint32_t)s;
        for (uint32_t d = 0; d < depth; d++) {
            seed = seed * 1103515245u + 12345u;
            st[depth - 1 - d] = d < 3 ? fns[x % 64] : fns[(seed >> 16) % 64];
            x /= 64;
        }
        add(&f, st, depth, 1 + (unsigned)(s % 3));
    }
    close_bucket(&f);
    struct pt_view v = view(PT_KEY_FUNCTION);
    char *svg = render(&f, &v);
    int frames = validate(svg);
    ck_assert_int_gt(frames, 64);
    ck_assert_ptr_nonnull(strstr(svg, "frames under 0.1% omitted"));
    ck_assert_uint_lt(strlen(svg), 1u << 20);
    free(svg);
    fix_free(&f);
}
END_TEST

Suite *suite_flamegraph(void)
{
    Suite *s = suite_create("flamegraph");
    TCase *tc = tcase_create("svg");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_counts_in_titles);
    tcase_add_test(tc, test_widths_proportional);
    tcase_add_test(tc, test_escaping);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_deep_stack);
    tcase_add_test(tc, test_narrow_frames_omitted);
    tcase_add_test(tc, test_colour_by_name);
    tcase_add_test(tc, test_long_names_clipped);
    tcase_add_test(tc, test_self_contained);
    tcase_add_test(tc, test_checker_rejects);
    tcase_add_test(tc, test_many_stacks);
    suite_add_tcase(s, tc);
    return s;
}
