/* version — pytop's own version string. */
#ifndef PYTOP_VERSION_H
#define PYTOP_VERSION_H
#define PYTOP_VERSION "0.1.0"
#endif
