/* ts_shape: not written yet. */
#ifndef TS_SHAPE_H
#define TS_SHAPE_H
#include "ts_common.h"
#endif
