#include "ts_depthwise.h"
