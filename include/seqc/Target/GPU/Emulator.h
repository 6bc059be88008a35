//===- Emulator.h - GPU kernels executed on the CPU -------------*- C++ -*-===//
//
// This file declares the GPU emulator: it runs a mapped kernel (the
// gpu.func that code generation also takes) on the CPU with GPU semantics
// -- a grid of blocks, each thread a fiber, workgroup memory per block,
// gpu.barrier as a real barrier, warp shuffles and the matrix instructions
// (nvgpu.mma.sync, amdgpu.mfma) as warp collectives over their per-lane
// fragment layouts -- and reports out-of-bounds accesses, divergent
// barriers and collectives, and shared-memory races between barriers.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TARGET_GPU_EMULATOR_H
#define SEQC_TARGET_GPU_EMULATOR_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Support/LLVM.h"
#include <cstdint>
#include <string>
#include <vector>

namespace mlir {
namespace seq {

/// A kernel argument: a dense row-major memref. Elements are held as
/// doubles, each rounded to `elementType` when stored.
struct EmulatorBuffer {
  Type elementType;
  SmallVector<int64_t> shape;
  std::vector<double> data;
  /// >= 0: this argument is the memory of argument `aliasOf` (one device
  /// buffer passed twice, as a scan's init and final state written in
  /// place); its own data is unused, its shape and type must be the same.
  int64_t aliasOf = -1;
};

struct EmulatorStats {
  int64_t blocks = 0, threadsPerBlock = 0, barriers = 0, collectives = 0;
};

/// Runs `kernel` over its grid (`seq.launch_grid`) with block size
/// `known_block_size` and warps of `warpSize` lanes. Returns failure with
/// `error` set on any fault. `checkRaces` false skips the shared-memory
/// race check (to see what a racy kernel computes).
LogicalResult emulateKernel(gpu::GPUFuncOp kernel, int64_t warpSize,
                            MutableArrayRef<EmulatorBuffer> arguments,
                            std::string &error, EmulatorStats *stats = nullptr,
                            bool checkRaces = true);

/// `value` rounded to the nearest value of the float type `type` (ties to
/// even), as a store of that type rounds it.
double roundToType(double value, Type type);

} // namespace seq
} // namespace mlir

#endif // SEQC_TARGET_GPU_EMULATOR_H
