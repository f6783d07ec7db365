/* ts_fc: not written yet. */
#ifndef TS_FC_H
#define TS_FC_H
#include "ts_common.h"
#endif
