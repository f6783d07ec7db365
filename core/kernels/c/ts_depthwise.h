/* ts_depthwise: not written yet. */
#ifndef TS_DEPTHWISE_H
#define TS_DEPTHWISE_H
#include "ts_common.h"
#endif
