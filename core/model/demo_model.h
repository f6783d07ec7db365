#pragma once
// TinyStudio's own demo network, built in memory: an MCUNet-style int8 CNN (96×96×3 input,
// inverted-residual blocks with 3×3/5×5/7×7 depthwise convolutions, stride-2 stages, residual ADDs,
// global average pool, fully-connected classifier, softmax) with deterministic pseudo-random
// weights and valid per-channel quantization. Same bytes on every machine and every run.

#include "model/graph.h"

namespace ts {

Model buildDemoModel();

constexpr const char* kDemoModelName = "tinystudio_demo_mcunet.tflite";

} // namespace ts
