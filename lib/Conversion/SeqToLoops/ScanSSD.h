//===- ScanSSD.h - Mamba-2 scans in the chunked matmul form -----*- C++ -*-===//
//
// The state-space-duality (SSD) form of a seq.scan whose decay is one
// scalar per (batch, step, head) (Mamba-2): the recurrence over chunks of
// steps becomes matrix products, as in Mamba-2's ssd_minimal_discrete.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_CONVERSION_SEQTOLOOPS_SCANSSD_H
#define SEQC_LIB_CONVERSION_SEQTOLOOPS_SCANSSD_H

#include "LoopBuilder.h"
#include "seq/IR/SeqOps.h"

#include <optional>

namespace mlir {
namespace seq {

/// How a scan's regions split into the SSD form: the decay is
/// exp(logDecay), logDecay read from no state dimension; the input term is
/// the product of `scalarFactors` (no state dimension), `laneFactors`
/// (the kept channel dimension p only) and `stateFactors` (the reduced
/// dimension n only); the readout is h * input `readoutInput` (no p).
struct SSDForm {
  Value logDecay;
  SmallVector<Value> scalarFactors, laneFactors, stateFactors;
  unsigned readoutInput = 0;
};

/// The SSD form of `op`: a forward seq.scan over a state [B, H, P, N]
/// reducing N, whose regions have the shape above; std::nullopt otherwise.
std::optional<SSDForm> matchSSD(ScanOp op);

/// Writes `op`'s output [B, T, H, P] and final state [B, H, P, N] into the
/// buffers `output` and `finalState` through the chunked form, with chunks
/// of `tiling.scanChunk` steps, in parallel over (batch row, head) for
/// the first `batch` rows. `inputs` and `init` are the operands' buffers.
void lowerSSD(LoopBuilder &b, ScanOp op, const SSDForm &form,
              ArrayRef<Value> inputs, Value init, Value output,
              Value finalState, Value batch, Value steps,
              const TilingOptions &tiling);

} // namespace seq
} // namespace mlir

#endif // SEQC_LIB_CONVERSION_SEQTOLOOPS_SCANSSD_H
