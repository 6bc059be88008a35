//===- GPUPipeline.cpp - kernels to PTX/cubin and AMDGCN/HSACO ------------===//
//
// This file builds the GPU code-generation pipelines on the upstream NVVM
// and ROCDL paths (gpu-module-to-binary) and finds the CUDA toolkit whose
// ptxas turns PTX into a cubin.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/GPU/GPUTarget.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVM/ROCDL/Target.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"

using namespace mlir;
using namespace mlir::seq;

static bool hasPtxas(StringRef toolkit) {
  llvm::SmallString<256> path(toolkit);
  llvm::sys::path::append(path, "bin", "ptxas");
  return llvm::sys::fs::can_execute(path);
}

std::optional<std::string> seq::findCUDAToolkit(StringRef explicitPath,
                                                std::string &error) {
  llvm::SmallVector<std::string> tried;
  auto check = [&](StringRef dir, StringRef from) -> bool {
    if (dir.empty())
      return false;
    tried.push_back((from + " " + dir).str());
    return hasPtxas(dir);
  };
  if (!explicitPath.empty()) {
    if (check(explicitPath, "--cuda-toolkit"))
      return explicitPath.str();
    error = "no bin/ptxas in the CUDA toolkit '" + explicitPath.str() + "'";
    return std::nullopt;
  }
  for (const char *variable : {"CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"})
    if (std::optional<std::string> dir = llvm::sys::Process::GetEnv(variable))
      if (check(*dir, variable))
        return *dir;
  if (llvm::ErrorOr<std::string> ptxas =
          llvm::sys::findProgramByName("ptxas")) {
    // <toolkit>/bin/ptxas
    StringRef dir =
        llvm::sys::path::parent_path(llvm::sys::path::parent_path(*ptxas));
    if (check(dir, "PATH"))
      return dir.str();
  } else {
    tried.push_back("PATH (no ptxas)");
  }
  if (check("/usr/local/cuda", "default"))
    return std::string("/usr/local/cuda");
  llvm::raw_string_ostream os(error);
  os << "no CUDA toolkit with ptxas found (tried: ";
  llvm::interleave(tried, os, "; ");
  os << "); install one (or PyPI's nvidia-cuda-nvcc) and pass "
        "--cuda-toolkit=<dir> or set CUDA_HOME";
  return std::nullopt;
}

LogicalResult seq::buildGPUCodeGenPipeline(OpPassManager &pm,
                                           const TargetDescription &target,
                                           StringRef format,
                                           StringRef toolkitDir) {
  std::string pipeline;
  std::string toolkit =
      toolkitDir.empty() ? "" : (" toolkit=" + toolkitDir).str();
  if (target.kind == TargetKind::CUDA) {
    pipeline = llvm::formatv(
        "nvvm-attach-target{{chip={0} O=3},"
        "gpu.module(convert-scf-to-cf,seq-gpu-lower-bf16-mma-sync,"
        "seq-gpu-lower-exp2{{vendor=nvvm},"
        "convert-nvgpu-to-nvvm,convert-gpu-to-nvvm,convert-vector-to-llvm,"
        // wgmma.mma_async (sm_90a) becomes PTX inline assembly.
        "convert-nvvm-to-llvm,"
        "canonicalize,cse,reconcile-unrealized-casts),"
        "gpu-module-to-binary{{format={1}{2}}",
        target.chip, format, toolkit);
  } else if (target.kind == TargetKind::HIP) {
    // No ocml/ockl: the kernels use no math library calls (exp2/log2 are
    // v_exp_f32/v_log_f32), so no ROCm device library is linked.
    pipeline = llvm::formatv(
        "rocdl-attach-target{{chip={0} O=3},"
        "gpu.module(convert-scf-to-cf,seq-gpu-lower-exp2{{vendor=rocdl},"
        "convert-amdgpu-to-rocdl{{chipset={0}},"
        "convert-gpu-to-rocdl{{chipset={0}},convert-vector-to-llvm,"
        "canonicalize,cse,reconcile-unrealized-casts),"
        "gpu-module-to-binary{{format={1}{2}}",
        target.chip, format, toolkit);
  } else {
    return failure();
  }
  return parsePassPipeline(pipeline, pm, llvm::errs());
}

void seq::registerGPUTranslations(DialectRegistry &registry) {
  registerAllToLLVMIRTranslations(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  ROCDL::registerROCDLTargetInterfaceExternalModels(registry);
}
