/* py_threadnames — placeholder-free minimal version: no names known yet. */
#include "pytop/py_threadnames.h"

#include <stdlib.h>

void pt_threadnames_init(struct pt_threadnames *tn)
{
    tn->v = NULL;
    tn->n = tn->cap = 0;
}

void pt_threadnames_free(struct pt_threadnames *tn)
{
    free(tn->v);
    pt_threadnames_init(tn);
}

void pt_threadnames_fill(struct pt_threadnames *tn, const struct pt_target *t, struct pt_stacks *s)
{
    (void)tn;
    (void)t;
    (void)s;
}
