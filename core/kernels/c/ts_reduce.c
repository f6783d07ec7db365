#include "ts_reduce.h"
