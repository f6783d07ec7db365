#include "ts_pool.h"
