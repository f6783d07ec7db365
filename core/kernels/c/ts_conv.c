#include "ts_conv.h"
