/*
 * flamegraph_js — the JavaScript embedded in the flame graph SVG, kept in
 * its own file because it is long. Only flamegraph.c uses it.
 */
#ifndef PYTOP_FLAMEGRAPH_JS_H
#define PYTOP_FLAMEGRAPH_JS_H

extern const char pt_flamegraph_js[];

#endif
