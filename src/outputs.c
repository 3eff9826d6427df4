/* outputs — --collapsed and --flamegraph, written when sampling ends. */
#include "pytop/outputs.h"

#include <stdlib.h>

#include "pytop/collapsed.h"
#include "pytop/flamegraph.h"
#include "pytop/safefile.h"

static enum pt_err write_one(const char *path, enum pt_err (*render)(const struct pt_agg *,
                                                                    const struct pt_view *,
                                                                    struct pt_sb *),
                             const struct pt_agg *a, const struct pt_view *v, bool force,
                             struct pt_sb *why)
{
    struct pt_sb buf;
    pt_sb_init(&buf);
    enum pt_err err = render(a, v, &buf);
    if (err == PT_OK && pt_sb_failed(&buf))
        err = PT_ENOMEM;
    if (err == PT_OK)
        err = pt_safefile_write(path, buf.s ? buf.s : "", buf.len, force, why);
    pt_sb_free(&buf);
    return err;
}

enum pt_err pt_outputs_write(const struct pt_agg *a, const struct pt_view *v,
                             const struct pt_options *o, struct pt_sb *why)
{
    /* the files cover the whole run, whatever window the tables used */
    struct pt_view all = *v;
    all.window_s = PT_WINDOW_ALL;
    enum pt_err err = PT_OK;
    if (o->collapsed)
        err = write_one(o->collapsed, pt_collapsed_render, a, &all, o->force, why);
    if (err == PT_OK && o->flamegraph)
        err = write_one(o->flamegraph, pt_flamegraph_render, a, &all, o->force, why);
    return err;
}
