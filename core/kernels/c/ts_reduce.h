/* ts_reduce: not written yet. */
#ifndef TS_REDUCE_H
#define TS_REDUCE_H
#include "ts_common.h"
#endif
