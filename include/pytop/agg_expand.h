/*
 * agg_expand — subtree sums over the aggregate's stack tree.
 *
 * Every per-key number is a sum over stacks: a function's "total" is the
 * samples of every stack it is on (once per stack, however often it
 * recurses), an edge's count likewise. Walking each stack to its root
 * costs O(stacks x depth); instead, add each stack's value at its node,
 * then sum subtrees in one pass over the nodes in descending id order
 * (parents have smaller ids than their children), so every node holds the
 * sum of the values at and below it. A key's total is then the sum, over
 * the nodes that are its outermost occurrence on their path, of their
 * subtree sums (agg_state.h keeps those marks per node).
 *
 * One pass costs O(nodes) whatever the number of stacks added: a run over
 * a 100,000-node tree takes a fraction of a millisecond. Memory: 8 bytes
 * per node, reused between runs. Not thread-safe; errors are values.
 */
#ifndef PYTOP_AGG_EXPAND_H
#define PYTOP_AGG_EXPAND_H

#include <stddef.h>
#include <stdint.h>

#include "pytop/agg_idmap.h"
#include "pytop/error.h"

struct pt_expand {
    uint64_t *sum; /* node -> value added there, then its subtree's */
    size_t n, cap; /* nodes 0..n-1 take part in this run */
};

void pt_expand_init(struct pt_expand *e);
void pt_expand_free(struct pt_expand *e);
/* Start a run over nodes 0..n-1 of a tree, all zero. */
enum pt_err pt_expand_begin(struct pt_expand *e, size_t n);
/* Add v at node (< n). */
static inline void pt_expand_add(struct pt_expand *e, uint32_t node, uint64_t v) { e->sum[node] += v; }
/* Sum the subtrees: afterwards pt_expand_sum(e, node) is the sum of the
 * values added at node and below it (0: nothing was). */
void pt_expand_run(struct pt_expand *e, const struct pt_idmap *tree);
static inline uint64_t pt_expand_sum(const struct pt_expand *e, uint32_t node) { return e->sum[node]; }

#endif
