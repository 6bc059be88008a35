//===- KernelManifest.cpp - The launch manifest of compiled kernels -------===//
//
// This file writes the JSON manifest that goes with a GPU binary made by
// `seqc -emit=gpu-bin`: for each kernel, what a host must know to launch
// it (block size, grid rule, parameter layout), read by seq-gpu-run. The
// format is described in docs/design/GPU.md ("The kernel ABI").
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/GPU/GPUTarget.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::seq;

FailureOr<std::string>
seq::buildKernelManifest(ModuleOp module, const TargetDescription &target) {
  llvm::json::Array kernels;
  bool failed = false;
  module.walk([&](gpu::GPUFuncOp func) {
    if (!func.isKernel())
      return;
    std::optional<ArrayRef<int32_t>> block = func.getKnownBlockSize();
    auto grid = func->getAttrOfType<DenseI64ArrayAttr>(kLaunchGridAttrName);
    if (!block || block->size() != 3 || !grid || grid.size() % 3 != 0 ||
        grid.size() > 9) {
      func.emitError() << "kernel has no known_block_size or "
                       << kLaunchGridAttrName << ": no launch manifest";
      failed = true;
      return;
    }
    llvm::json::Array params;
    for (Type type : func.getArgumentTypes()) {
      auto memref = dyn_cast<MemRefType>(type);
      if (!memref || !memref.getLayout().isIdentity()) {
        func.emitError() << "kernel parameter " << type
                         << " is not an identity-layout memref: no launch "
                            "manifest";
        failed = true;
        return;
      }
      std::string element;
      llvm::raw_string_ostream(element) << memref.getElementType();
      params.push_back(llvm::json::Object{{"kind", "memref"},
                                          {"element", element},
                                          {"rank", memref.getRank()}});
    }
    llvm::json::Array gridRule;
    for (int64_t d = 0; d < grid.size() / 3; ++d)
      gridRule.push_back(llvm::json::Object{{"arg", grid[3 * d]},
                                            {"dim", grid[3 * d + 1]},
                                            {"tile", grid[3 * d + 2]}});
    // Workgroup attributions become static shared memory in the binary.
    int64_t sharedBytes = 0;
    for (BlockArgument attribution : func.getWorkgroupAttributions()) {
      auto memref = cast<MemRefType>(attribution.getType());
      sharedBytes +=
          memref.getNumElements() * ((memref.getElementTypeBitWidth() + 7) / 8);
    }
    llvm::json::Array extents;
    if (auto rules =
            func->getAttrOfType<DenseI64ArrayAttr>(kParamExtentsAttrName)) {
      if (rules.size() % 5 != 0) {
        func.emitError() << kParamExtentsAttrName
                         << " must hold (p, d, q, e, k) tuples";
        failed = true;
        return;
      }
      for (int64_t r = 0; r < rules.size(); r += 5)
        extents.push_back(llvm::json::Object{{"param", rules[r]},
                                             {"dim", rules[r + 1]},
                                             {"of", rules[r + 2]},
                                             {"of_dim", rules[r + 3]},
                                             {"times", rules[r + 4]}});
    }
    llvm::json::Object kernel{
        {"name", func.getName()},
        {"block", llvm::json::Array{(*block)[0], (*block)[1], (*block)[2]}},
        {"grid", std::move(gridRule)},
        {"static_shared_bytes", sharedBytes},
        {"dynamic_shared_bytes", 0},
        {"params", std::move(params)}};
    if (!extents.empty())
      kernel["extents"] = std::move(extents);
    kernels.push_back(std::move(kernel));
  });
  if (failed)
    return failure();
  llvm::json::Object manifest{{"format", "seqc-gpu-kernels"},
                              {"version", 1},
                              {"target", target.name()},
                              {"abi", "memref-descriptor"},
                              {"kernels", std::move(kernels)}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(manifest))) << "\n";
  return text;
}
