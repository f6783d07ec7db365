#include "ts_quant.h"
