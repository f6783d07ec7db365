#include "ts_elementwise.h"
