#include "ts_shape.h"
