#include "codegen/emit.h"

namespace ts::codegen {
Result<Emitted> emitShape(const EmitContext& c) { return emitError(c, "no C kernel yet"); }
Result<Emitted> emitQuantize(const EmitContext& c) { return emitError(c, "no C kernel yet"); }
Result<Emitted> emitSvdf(const EmitContext& c) { return emitError(c, "no C kernel yet"); }
} // namespace ts::codegen
