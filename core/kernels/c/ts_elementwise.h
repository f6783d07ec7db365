/* ts_elementwise: not written yet. */
#ifndef TS_ELEMENTWISE_H
#define TS_ELEMENTWISE_H
#include "ts_common.h"
#endif
