/* collapsed — the view's distinct stacks as folded text. */
#include "pytop/collapsed.h"

#include <string.h>

struct fold {
    const struct pt_agg *a;
    enum pt_keymode mode;
    struct pt_sb *out;
};

static void put_frame(struct fold *f, uint32_t key)
{
    char buf[8192];
    pt_agg_key_text(f->a, f->mode, key, buf, sizeof buf);
    for (char *p = buf; *p; p++)
        if (*p == ';' || *p == '\n' || *p == '\r')
            *p = ':'; /* ';' separates frames; a newline ends the record */
    pt_sb_puts(f->out, buf);
}

static enum pt_err fold_stack(void *arg, const uint32_t *keys, size_t depth, uint64_t count)
{
    struct fold *f = arg;
    for (size_t i = 0; i < depth; i++) {
        if (i)
            pt_sb_add(f->out, ";", 1);
        put_frame(f, keys[i]);
    }
    pt_sb_printf(f->out, " %llu\n", (unsigned long long)count);
    return pt_sb_failed(f->out) ? PT_ENOMEM : PT_OK;
}

enum pt_err pt_collapsed_render(const struct pt_agg *a, const struct pt_view *v, struct pt_sb *out)
{
    struct fold f = {a, v->mode, out};
    return pt_agg_stacks(a, v, fold_stack, &f);
}
