#include "ts_activation.h"
