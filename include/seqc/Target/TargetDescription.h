//===- TargetDescription.h - what seqc knows about a target -----*- C++ -*-===//
//
// This file declares the one description of a compilation target that
// every lowering reads: for CPUs the vector width, cache sizes and thread
// count; for GPUs the warp/wavefront size, multiprocessor count, shared
// memory per block, registers and the matrix instructions the chip has.
// Targets are named on the command line as `cpu`, `cuda:<sm>` or
// `hip:<gfx>` (a comma-separated list names several).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TARGET_TARGETDESCRIPTION_H
#define SEQC_TARGET_TARGETDESCRIPTION_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <optional>
#include <string>

namespace mlir {
namespace seq {

enum class TargetKind { CPU, CUDA, HIP };

/// Element types of matrix-instruction operands.
enum class MatrixElementType { F16, BF16, TF32, F8 };

/// A warp-level (mma.sync, MFMA) or warpgroup-level (wgmma) matrix
/// multiply-accumulate: D[m, n] += A[m, k] * B[k, n] with f32 accumulators.
struct MatrixInstruction {
  const char *name; ///< "mma.sync", "wgmma", "mfma"
  int64_t m, n, k;
  MatrixElementType elementType;
  /// Threads that issue one instruction together (a warp, a wavefront, or
  /// the 128 threads of a warpgroup).
  int64_t threads;
};

struct TargetDescription {
  TargetKind kind = TargetKind::CPU;
  /// "" for the host CPU, "sm_80", "sm_90a", "gfx942", ...
  std::string chip;

  // CPU.
  /// f32 lanes of the vector registers (8: AVX2, 16: AVX-512, 4: NEON,
  /// SSE); 0 keeps scalar loops.
  int64_t vectorWidth = 8;
  int64_t l1DataBytes = 32 * 1024;
  int64_t l2Bytes = 1024 * 1024;
  /// Worker threads; 0: decided at run time (OpenMP).
  int64_t threads = 0;
  /// The grain of a parallel loop: estimated operations (trip count x
  /// static op count of an iteration, seq-serialize-small-foralls) below
  /// which a tile loop runs serially instead of paying a fork/join.
  /// seqrt's pool (the default parallel runtime): 2^18, which runs a
  /// SmolLM2-135M decode step's projections on both threads: int8 decode
  /// at 2 threads 115 / 94 tokens/s (40 / 512-token prompts) against 106 /
  /// 80 at 2^22, 1.26x / 1.24x llama.cpp in the same run on a quiet machine
  /// (bench/results/e2e-smollm2-2026-11-30-pool-grain.md).
  int64_t parallelMinWork = 1 << 18;
  /// With --parallel-runtime=omp: 2^22, which keeps every loop of that
  /// decode step but the LM head serial, because a libomp fork/join costs
  /// 30-55 us (at 2^18 libomp decoded 0.68x (f32) and 0.93x (int8) as
  /// fast, bench/results/e2e-smollm2-llamacpp-2026-11-30-qperf.md).
  int64_t parallelMinWorkOmp = 1 << 22;

  // GPU.
  int64_t warpSize = 0;        ///< 32 (NVIDIA), 64 (AMD CDNA)
  int64_t multiprocessors = 0; ///< SMs / CUs of the reference part
  int64_t sharedMemoryPerBlock = 0;
  int64_t registersPerMultiprocessor = 0; ///< 32-bit registers
  int64_t maxRegistersPerThread = 0;
  int64_t maxThreadsPerBlock = 0;
  llvm::SmallVector<MatrixInstruction, 4> matrixInstructions;

  bool isGPU() const { return kind != TargetKind::CPU; }
  /// The first matrix instruction of `elementType` with `threads` issuing
  /// threads (a warp or wavefront when 0), if the chip has one.
  std::optional<MatrixInstruction>
  findMatrixInstruction(MatrixElementType elementType,
                        int64_t threads = 0) const;
  /// `cpu`, `cuda:sm_80`, `hip:gfx942`.
  std::string name() const;
};

/// The description of one target spec (`cpu`, `cuda:sm_80`, `hip:gfx942`).
/// Returns std::nullopt and sets `error` for an unknown kind or chip.
std::optional<TargetDescription> parseTarget(llvm::StringRef spec,
                                             std::string &error);

/// Parses a comma-separated list of target specs; a spec named twice is an
/// error. Returns false and sets `error`.
bool parseTargetList(llvm::StringRef list,
                     llvm::SmallVectorImpl<TargetDescription> &targets,
                     std::string &error);

/// The host CPU with `vectorWidth` f32 lanes.
TargetDescription describeCPU(int64_t vectorWidth);

/// The chips `parseTarget` knows for a kind, for --help and errors.
llvm::SmallVector<llvm::StringRef> knownChips(TargetKind kind);

} // namespace seq
} // namespace mlir

#endif // SEQC_TARGET_TARGETDESCRIPTION_H
