/* check_layout — TEMPORARY empty suite; being written. */
#include "harness.h"

Suite *suite_layout(void)
{
    Suite *s = suite_create("layout");
    return s;
}
