/* ts_svdf: not written yet. */
#ifndef TS_SVDF_H
#define TS_SVDF_H
#include "ts_common.h"
#endif
