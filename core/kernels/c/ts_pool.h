/* ts_pool: not written yet. */
#ifndef TS_POOL_H
#define TS_POOL_H
#include "ts_common.h"
#endif
