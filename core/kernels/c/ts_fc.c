#include "ts_fc.h"
