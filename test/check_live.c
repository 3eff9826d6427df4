/* check_live — TEMPORARY empty suite; being written. */
#include "harness.h"

Suite *suite_live(void)
{
    Suite *s = suite_create("live");
    return s;
}
