/* py_layout — lookup in the generated per-version offset table. */
#include "pytop/py_layout.h"

const struct pt_layout *pt_layout_find(int major, int minor)
{
    for (size_t i = 0; i < pt_layout_count; i++)
        if (pt_layout_table[i].major == major && pt_layout_table[i].minor == minor)
            return &pt_layout_table[i];
    return NULL;
}
