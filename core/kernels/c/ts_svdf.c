#include "ts_svdf.h"
