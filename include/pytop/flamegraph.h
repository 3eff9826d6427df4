/*
 * flamegraph — a self-contained interactive SVG flame graph of a view's
 * samples (pt_agg_stacks), that opens in any browser with no network:
 * hover shows name, file:line, samples and share; click zooms into a
 * frame (and "reset zoom" returns); a search box highlights matches and
 * shows their share. All text is XML-escaped; the embedded script uses no
 * external resources.
 *
 * The document: an SVG 1.1 file (XML declaration, no DOCTYPE, so nothing
 * is ever fetched), 1200 px wide with a matching viewBox, 16 px per stack
 * level, root at the bottom ("all", every sample) and callees above their
 * callers (classic flame orientation); the height grows with the deepest
 * frame drawn. The stacks are merged into a call tree (children keyed by
 * frame key in the view's mode); siblings are ordered by display text, so
 * a function keeps its place from one graph to the next, and each frame's
 * width is proportional to its samples. Frames under 0.1% of all samples
 * are omitted (their parents keep the full count) and the subtitle says
 * how many; it also states the samples, key mode, window, thread, class
 * and filter of the view.
 *
 * Each frame is a <g class="f"> holding <title>name (file:line) — N
 * samples (P%)</title>, a <rect> (fg:x / fg:w: the frame's offset and
 * width in samples, namespace urn:pytop:flamegraph) and a <text> label
 * cut to the width with "..". P is the share of the samples in this graph
 * (samples with no Python frame are not in it). Colours are warm and
 * follow the function name (the text before " (file"), so a function has
 * one colour everywhere. Names may hold any bytes: invalid UTF-8 becomes
 * U+FFFD, control characters '?', and & < > " ' are escaped; "]]>" cannot
 * end the script's CDATA section. No samples: a valid SVG saying "no
 * samples".
 *
 * Appends to out. Errors: PT_EINVAL for a mode out of range, PT_ENOMEM,
 * or what pt_agg_stacks returns; on error out is left as it was (unless
 * out itself failed to grow). Reads the aggregate only; no global state.
 */
#ifndef PYTOP_FLAMEGRAPH_H
#define PYTOP_FLAMEGRAPH_H

#include "pytop/aggregate.h"
#include "pytop/util.h"

enum pt_err pt_flamegraph_render(const struct pt_agg *a, const struct pt_view *v, struct pt_sb *out);
/* The same, only the stacks that contain key (pt_agg_stacks_through: the
 * viewer's F key in a drill view); the subtitle names the key. key
 * PT_NOID: all stacks, as pt_flamegraph_render. */
enum pt_err pt_flamegraph_render_through(const struct pt_agg *a, const struct pt_view *v, uint32_t key,
                                         struct pt_sb *out);

#endif
