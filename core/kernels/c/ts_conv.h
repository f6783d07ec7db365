/* ts_conv: not written yet. */
#ifndef TS_CONV_H
#define TS_CONV_H
#include "ts_common.h"
#endif
