#include "codegen/emit.h"

namespace ts::codegen {
Result<Emitted> emitFullyConnected(const EmitContext& c) { return emitError(c, "no C kernel yet"); }
Result<Emitted> emitElementwise(const EmitContext& c) { return emitError(c, "no C kernel yet"); }
Result<Emitted> emitReduce(const EmitContext& c) { return emitError(c, "no C kernel yet"); }
Result<Emitted> emitActivation(const EmitContext& c) { return emitError(c, "no C kernel yet"); }
} // namespace ts::codegen
