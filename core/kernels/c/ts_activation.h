/* ts_activation: not written yet. */
#ifndef TS_ACTIVATION_H
#define TS_ACTIVATION_H
#include "ts_common.h"
#endif
