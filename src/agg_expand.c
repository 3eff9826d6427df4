/* agg_expand — subtree sums in one descending pass over a tree's nodes. */
#include "pytop/agg_expand.h"

#include <stdlib.h>
#include <string.h>

void pt_expand_init(struct pt_expand *e) { *e = (struct pt_expand){0}; }

void pt_expand_free(struct pt_expand *e)
{
    free(e->sum);
    pt_expand_init(e);
}

enum pt_err pt_expand_begin(struct pt_expand *e, size_t n)
{
    void *p = e->sum;
    enum pt_err err = pt_array_grow(&p, &e->cap, n, sizeof *e->sum, 0);
    e->sum = p;
    if (err != PT_OK)
        return err;
    e->n = n;
    if (n)
        memset(e->sum, 0, n * sizeof *e->sum);
    return PT_OK;
}

void pt_expand_run(struct pt_expand *e, const struct pt_idmap *tree)
{
    /* children have larger ids than their parents: descending order
     * completes every subtree before adding it to its parent */
    for (size_t f = e->n; f-- > 1;)
        if (e->sum[f])
            e->sum[tree->keys[f].a] += e->sum[f];
}
