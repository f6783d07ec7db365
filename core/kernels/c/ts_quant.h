/* ts_quant: not written yet. */
#ifndef TS_QUANT_H
#define TS_QUANT_H
#include "ts_common.h"
#endif
