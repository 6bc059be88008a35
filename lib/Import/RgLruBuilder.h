//===- RgLruBuilder.h - Griffin's recurrent block in seq IR -----*- C++ -*-===//
//
// The recurrent block of Griffin / RecurrentGemma: two linear branches, a
// short causal convolution and the Real-Gated Linear Recurrent Unit
// (RG-LRU) as a seq.scan. The decoder builder uses it in place of
// attention in the layers of a hybrid stack that name it.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_IMPORT_RGLRUBUILDER_H
#define SEQC_LIB_IMPORT_RGLRUBUILDER_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "seq/IR/SeqDialect.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

#include <string>
#include <utility>
#include <vector>

namespace mlir {
namespace seq {

/// The checkpoint names of one recurrent block's tensors.
struct RgLruLayerNames {
  std::string linearX, linearXBias, linearY, linearYBias;
  std::string convWeight, convBias; ///< [L, 1, K], [L]
  /// Block-diagonal gates [H, L/H, L/H] and their biases [H, L/H].
  std::string inputGate, inputGateBias, recurrentGate, recurrentGateBias;
  std::string recurrentParam; ///< [L]
  std::string linearOut, linearOutBias;
};

/// The sizes of the recurrent blocks.
struct RgLruSpec {
  int64_t hidden = 0;
  int64_t width = 0;      ///< lru_width (L)
  int64_t blocks = 0;     ///< gate blocks (num_attention_heads)
  int64_t convKernel = 4; ///< conv1d_width (K)
};

/// The decode states of one block: the conv state [1, K-1, L] and the
/// recurrence's state [1, L].
RankedTensorType rgLruConvStateType(MLIRContext *ctx, const RgLruSpec &spec);
RankedTensorType rgLruStateType(MLIRContext *ctx, const RgLruSpec &spec);

/// The block's tensors with their checkpoint shapes, appended to `out`.
void expectedRgLruTensors(
    const RgLruSpec &spec, const RgLruLayerNames &names,
    std::vector<std::pair<std::string, SmallVector<int64_t>>> &out);

/// The block's weights in the order a layer function takes them, each with
/// its role; empty when `names` names no block.
std::vector<std::pair<std::string, std::string>>
rgLruSlots(const RgLruLayerNames &names);

/// Emits the recurrent block of `xn` [1, S, hidden] (the normalised layer
/// input) at `positions` [1, S] at `b`'s insertion point: returns its
/// output [1, S, hidden] and replaces `conv` and `state` by the new
/// states. `weights` maps the roles of rgLruSlots to values; `formats`
/// gives the encoding of those that are bf16/f16 matrices kept in their
/// 2-byte rows (read by seq.quantized_linear).
Value emitRgLruBlock(OpBuilder &b, Location loc, const RgLruSpec &spec,
                     Value xn, Value positions, Value &conv, Value &state,
                     llvm::StringMap<Value> &weights,
                     const llvm::DenseMap<Value, QuantFormat> &formats);

} // namespace seq
} // namespace mlir

#endif // SEQC_LIB_IMPORT_RGLRUBUILDER_H
