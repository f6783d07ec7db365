#include "model/demo_model.h"

#include "model/net_builder.h"

namespace ts {

Model buildDemoModel()
{
    NetBuilder b;
    b.g().name = "tinystudio_demo";
    const int input = b.activation("input", {1, 96, 96, 3}, kInputQ);
    int x = b.conv("stem", input, 16, 3, 2, Activation::Relu6, kRelu6Q);   // 48×48×16
    x = b.invertedResidual("block1", x, 1, 3, 1, 8, false);                // 48×48×8
    x = b.invertedResidual("block2", x, 3, 5, 2, 16, false);               // 24×24×16
    x = b.invertedResidual("block3", x, 3, 3, 1, 16, true);                // 24×24×16, residual
    x = b.invertedResidual("block4", x, 4, 7, 2, 24, false);               // 12×12×24
    x = b.invertedResidual("block5", x, 3, 5, 1, 24, true);                // 12×12×24, residual
    x = b.invertedResidual("block6", x, 4, 3, 2, 40, false);               // 6×6×40
    b.classifierHead(input, x, 10);
    Model m = b.finish();
    m.description = "TinyStudio demo: MCUNet-style int8 CNN, deterministic pseudo-random weights (not trained)";
    return m;
}

} // namespace ts
