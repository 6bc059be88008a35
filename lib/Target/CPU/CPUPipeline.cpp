//===- CPUPipeline.cpp - seq to LLVM dialect for CPUs ---------------------===//
//
// This file builds the seq-to-cpu pipeline: the shared tiled lowering,
// bufferization with ownership-based deallocation, seqrt's thread pool
// (or OpenMP) for the parallel tiles, and conversion of everything to the LLVM
// dialect with the artifact ABI on top.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPU/CPUTarget.h"

#include "seqc/Conversion/Passes.h"
#include "seqc/Target/TargetDescription.h"
#include "seqc/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;

void seq::buildCPUPipeline(OpPassManager &pm,
                           const CPUPipelineOptions &options) {
  ConvertSeqToLoopsOptions tiling;
  tiling.queryTile = options.queryTile;
  tiling.keyTile = options.keyTile;
  tiling.vectorWidth = options.vectorWidth;
  tiling.scanChunk = options.scanChunk;
  tiling.quantActivations = options.quantActivations;
  tiling.x86Avx2 = options.x86Avx2;
  tiling.x86Avx512Bf16 = options.x86Avx512Bf16;
  tiling.runtimeChecks = options.runtimeChecks;
  bool omp = options.parallelRuntime == "omp";
  if (!omp && options.parallelRuntime != "seqrt")
    llvm::report_fatal_error("seqc: parallel-runtime must be seqrt or omp");
  TargetDescription cpu = describeCPU(options.vectorWidth);
  int64_t minWork = options.parallelMinWork >= 0
                        ? int64_t(options.parallelMinWork)
                        : (omp ? cpu.parallelMinWorkOmp : cpu.parallelMinWork);
  if (options.checkNumerics)
    pm.addPass(createSeqCheckNumerics());
  pm.addPass(createSeqMarkEntryPoints());
  pm.addPass(createConvertSeqToLoops(tiling));
  // seq-constant-globals: the globals of tensor constants in program order
  // (one-shot-bufferize would create them in a pointer-keyed order).
  // Upstream passes are named by their registered pipeline text, which is
  // stabler across MLIR releases than their C++ constructors.
  std::string upstream = llvm::formatv(
      "canonicalize,cse,convert-elementwise-to-linalg,"
      "seq-constant-globals,one-shot-bufferize{{bufferize-function-boundaries "
      "function-boundary-type-conversion=identity-layout-map "
      "allow-return-allocs-from-loops},canonicalize,"
      "drop-equivalent-buffer-results,seq-inplace-results,"
      "buffer-deallocation-pipeline,convert-bufferization-to-memref,"
      "canonicalize,"
      "seq-lower-memref-copies,seq-check-alloc-sizes,seq-approximate-math,"
      "convert-linalg-to-loops,"
      // bf16 arithmetic on scalars and vectors (a bf16 tensor add, say)
      // computes in f32; LLVM would otherwise call compiler-rt's
      // __truncsfbf2, which the artifact cannot resolve at load.
      "arith-emulate-unsupported-floats{{source-types=bf16 target-type=f32},"
      "arith-expand{{include-bf16=true},{3}"
      "seq-scope-tile-allocas,{2}scf-forall-to-parallel,{0}"
      "expand-strided-metadata,lower-affine,convert-vector-to-scf,"
      "convert-vector-to-llvm{4},finalize-memref-to-llvm,"
      "convert-scf-to-cf,seq-lower-checks,{1}convert-math-to-llvm,"
      "convert-math-to-libm,"
      "convert-arith-to-llvm,convert-func-to-llvm,"
      "convert-cf-to-llvm,convert-index-to-llvm,reconcile-unrealized-casts",
      !options.threads ? ""
      : omp            ? "convert-scf-to-openmp,"
                       : "seq-outline-parallel-loops,",
      options.threads && omp ? "convert-openmp-to-llvm," : "",
      options.threads
          ? llvm::formatv("seq-serialize-small-foralls{{min-work={0}},",
                          minWork)
                .str()
          : std::string(),
      // Every memref and vector access checked (cf.assert, which
      // seq-lower-checks turns into status reports).
      options.boundsChecks ? "generate-runtime-verification,canonicalize," : "",
      // vdpbf16ps (x86vector.avx512.dot) in the bf16 attention kernels.
      options.x86Avx512Bf16 ? "{enable-x86vector}" : "");
  if (failed(parsePassPipeline(upstream, pm, llvm::errs())))
    llvm::report_fatal_error("seqc: malformed built-in CPU pipeline");
  pm.addPass(createSeqCPUEntryPoints());
  if (options.threads && !omp)
    pm.addPass(createSeqLowerParallelCalls());
}
