#include "codegen/emit.h"

namespace ts::codegen {
Result<Emitted> emitConv(const EmitContext& c) { return emitError(c, "no C kernel yet"); }
Result<Emitted> emitDepthwise(const EmitContext& c) { return emitError(c, "no C kernel yet"); }
Result<Emitted> emitPool(const EmitContext& c) { return emitError(c, "no C kernel yet"); }
} // namespace ts::codegen
