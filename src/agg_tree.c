/* agg_tree — keys and recursion marks of the stack tree's nodes.
 *
 * Each new fnode is mapped once, in id order (so its parent is mapped
 * first): its frame's key in every mode, and whether that key, or the
 * caller->callee edge into it, already occurs on the path above it. Those
 * marks are what let a subtree sum count a key (or an edge) once per
 * sample however deep the recursion. A key no earlier fnode has cannot be
 * above this one, so only keys seen before cost a walk up the path. */
#include <stdlib.h>

#include "pytop/agg_state.h"

enum pt_err pt_agg_flags_room(struct pt_agg *a, size_t n)
{
    void *p = a->fnode_flags;
    enum pt_err err = pt_array_grow(&p, &a->fnode_flags_cap, n, 1, 0);
    a->fnode_flags = p;
    return err;
}

static uint32_t frame_key(struct pt_agg *a, enum pt_keymode m, uint32_t frame)
{
    struct pt_agg_mode *md = &a->mode[m];
    if (frame == PT_AGG_PRUNED_FRAME)
        return md->pruned_key;
    if (pt_u32_grow(&md->frame_key, &md->frame_key_cap, (size_t)frame + 1, PT_NOID) != PT_OK)
        return PT_NOID;
    if (md->frame_key[frame] != PT_NOID)
        return md->frame_key[frame];
    const struct pt_frameinfo *f = pt_intern_frameinfo(a->in, frame);
    int32_t line = m == PT_KEY_FUNCTION ? f->firstline : f->line;
    uint32_t k = pt_idmap_intern(&md->keys, f->name, f->file, (uint32_t)line, NULL);
    void *seen = md->key_seen;
    if (k == PT_NOID || pt_array_grow(&seen, &md->key_seen_cap, md->keys.n, 1, 0) != PT_OK)
        return PT_NOID;
    md->key_seen = seen;
    md->frame_key[frame] = k;
    return k;
}

/* The key of f's parent as a caller: PT_NOID for the root. */
static uint32_t caller_key(const struct pt_agg *a, enum pt_keymode m, uint32_t parent)
{
    return parent == 0 ? PT_NOID : pt_agg_fnode_key(a, m, parent);
}

/* Marks of fnode f (key `key` in mode m) from the path above it. */
static uint8_t recursion_marks(struct pt_agg *a, enum pt_keymode m, uint32_t f, uint32_t key)
{
    struct pt_agg_mode *md = &a->mode[m];
    if (!md->key_seen[key]) {
        md->key_seen[key] = 1;
        return 0;
    }
    uint32_t parent = pt_agg_fnode_parent(a, f), kp = caller_key(a, m, parent);
    uint8_t marks = 0, both = pt_agg_keydup_bit(m) | pt_agg_edgedup_bit(m);
    for (uint32_t q = parent; q != 0 && marks != both; q = pt_agg_fnode_parent(a, q)) {
        if (pt_agg_fnode_key(a, m, q) != key)
            continue;
        marks |= pt_agg_keydup_bit(m);
        if (caller_key(a, m, pt_agg_fnode_parent(a, q)) == kp)
            marks |= pt_agg_edgedup_bit(m);
    }
    return marks;
}

/* fnode f's key and marks in mode m (its other modes' marks stay). */
static enum pt_err map_in(struct pt_agg *a, enum pt_keymode m, uint32_t f)
{
    uint32_t frame = pt_agg_fnode_frame(a, f), key = frame_key(a, m, frame);
    if (key == PT_NOID)
        return PT_ENOMEM;
    uint8_t bits = pt_agg_keydup_bit(m) | pt_agg_edgedup_bit(m);
    a->fnode_flags[f] &= (uint8_t)~bits;
    if (frame != PT_AGG_PRUNED_FRAME)
        a->fnode_flags[f] |= recursion_marks(a, m, f, key);
    return PT_OK;
}

enum pt_err pt_agg_map_fnodes(struct pt_agg *a)
{
    if (pt_agg_flags_room(a, a->fnodes.n) != PT_OK)
        return PT_ENOMEM;
    for (; a->fnodes_mapped < a->fnodes.n; a->fnodes_mapped++)
        for (int m = 0; m < PT_KEY_COUNT; m++)
            if (pt_agg_mode_on(a, (enum pt_keymode)m) && map_in(a, (enum pt_keymode)m, a->fnodes_mapped) != PT_OK)
                return PT_ENOMEM;
    return PT_OK;
}

enum pt_err pt_agg_prepare_mode(struct pt_agg *a, enum pt_keymode m)
{
    if (pt_agg_mode_on(a, m))
        return PT_OK;
    for (uint32_t f = 1; f < a->fnodes_mapped; f++)
        if (map_in(a, m, f) != PT_OK)
            return PT_ENOMEM; /* the mode stays off; what was mapped is remapped next time */
    enum pt_err err = pt_agg_rank_keys(a, m);
    if (err == PT_OK)
        a->modes |= 1u << m;
    return err;
}
