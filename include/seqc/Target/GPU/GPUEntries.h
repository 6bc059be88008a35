//===- GPUEntries.h - Entries made ready for a GPU, and their plans -*- C++ -*-===//
//
// This file declares what seqc does to a module's entries for a GPU target
// beyond the kernel passes: the preparation of imported models' entries
// (PrepareEntries.cpp) and the launch plan that names the entries left to
// the CPU (HostPlan.cpp; buildGPUHostPlan in GPUTarget.h plans them all).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TARGET_GPU_GPUENTRIES_H
#define SEQC_TARGET_GPU_GPUENTRIES_H

#include "seqc/Target/TargetDescription.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"
#include "llvm/Support/JSON.h"

#include <string>

namespace mlir {
namespace seq {

/// Makes the entries of `module` (a copy for GPU `target`) ready for the
/// kernel passes: entries with control flow (decode loops, scf/cf ops) or
/// state they allocate themselves (the importers' `logits`, zeroed
/// caches), which no launch plan expresses yet, are erased and returned
/// by name (they run on the CPU only); calls of private functions are
/// inlined; an attention of f32 queries over bf16/f16 caches reads its
/// query rounded to the caches' type and returns its output widened to
/// f32 (conversion kernels around the 2-byte attention kernels).
FailureOr<SmallVector<std::string>>
prepareGPUEntries(ModuleOp module, const TargetDescription &target);

/// buildGPUHostPlan (GPUTarget.h) with `cpuOnly`, the entries
/// prepareGPUEntries left to the CPU, named in the plan (version 6).
FailureOr<llvm::json::Value>
buildGPUHostPlanWithCpuOnly(ModuleOp module, const TargetDescription &target,
                            ArrayRef<std::string> cpuOnly);

} // namespace seq
} // namespace mlir

#endif // SEQC_TARGET_GPU_GPUENTRIES_H
