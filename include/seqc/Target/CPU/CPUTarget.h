//===- CPUTarget.h - compile seq modules into CPU artifacts -----*- C++ -*-===//
//
// This file declares the CPU backend: the pass pipeline from seq IR to the
// LLVM dialect, code generation to an object, linking to a shared object,
// and packaging into a .seqpkg artifact.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TARGET_CPU_CPUTARGET_H
#define SEQC_TARGET_CPU_CPUTARGET_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Support/LLVM.h"
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
} // namespace llvm

namespace mlir {
class DialectRegistry;
class ModuleOp;
namespace seq {

#define GEN_PASS_DECL
#include "seqc/Target/CPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "seqc/Target/CPU/Passes.h.inc"

/// The call context a packed wrapper passes down as the status slot
/// (seq-cpu-entry-points): the status (i32) at offset 0, a jmp_buf (glibc:
/// 200 bytes on x86-64, 312 on AArch64) at kCallContextJmpBufOffset, and
/// the message of a failed compiled-in check (seq-lower-checks) at
/// kCallContextMessageOffset.
inline constexpr int64_t kCallContextJmpBufOffset = 16;
inline constexpr int64_t kCallContextMessageOffset =
    kCallContextJmpBufOffset + 512;
inline constexpr int64_t kCallContextBytes = kCallContextMessageOffset + 256;
/// The unit attribute seq-lower-checks puts on a module whose code writes
/// status messages: its ABI record gets the `m` item and its packed
/// wrappers copy the message to the caller's StatusRecord (seqrt/Abi.h).
inline constexpr llvm::StringLiteral kStatusMessagesAttr =
    "seq.status_messages";

/// What seq-outline-parallel-loops names the function it outlines a
/// parallel loop into (`__seq_parallel_body_<n>`): code there runs on a
/// pool thread, so a failed check or allocation in it leaves the body
/// (returns) instead of jumping to the caller's packed wrapper.
inline constexpr llvm::StringLiteral kParallelBodyPrefix =
    "__seq_parallel_body_";

/// Registers RuntimeVerifiableOpInterface models for vector.load and
/// vector.store on memrefs (the access stays inside the buffer), which
/// upstream MLIR lacks, for `generate-runtime-verification`.
void registerVectorRuntimeVerification(DialectRegistry &registry);

/// Options of the seq -> LLVM dialect CPU pipeline.
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  Option<int64_t> queryTile{*this, "query-tile",
                            llvm::cl::desc("Query rows per attention tile "
                                           "(default: the target's)"),
                            llvm::cl::init(-1)};
  Option<int64_t> keyTile{*this, "key-tile",
                          llvm::cl::desc("Keys per attention KV block "
                                         "(default: the target's)"),
                          llvm::cl::init(-1)};
  Option<int64_t> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("f32 lanes of the vector-dialect kernels (0: scalar; "
                     "default: the target's)"),
      llvm::cl::init(-1)};
  Option<int64_t> scanChunk{
      *this, "scan-chunk",
      llvm::cl::desc("Steps per chunk of Mamba-2 scans' SSD form (0: the "
                     "recurrence; default: the target's)"),
      llvm::cl::init(-1)};
  Option<std::string> quantActivations{
      *this, "quant-activations",
      llvm::cl::desc("Activations of q8_0/q4_0/q4_1 projections: f32, or "
                     "int8 (per-block 8-bit, integer dot products)"),
      llvm::cl::init("f32")};
  Option<bool> x86Avx2{
      *this, "x86-avx2",
      llvm::cl::desc("The target has AVX2 (int8 dot products with "
                     "vpmaddubsw)"),
      llvm::cl::init(false)};
  Option<bool> x86Avx512Bf16{
      *this, "x86-avx512bf16",
      llvm::cl::desc("The target has AVX512_BF16 (bf16 dot products with "
                     "vdpbf16ps)"),
      llvm::cl::init(false)};
  Option<bool> threads{
      *this, "threads",
      llvm::cl::desc("Run independent tiles on OpenMP threads"),
      llvm::cl::init(true)};
  Option<std::string> parallelRuntime{
      *this, "parallel-runtime",
      llvm::cl::desc("What runs the parallel tile loops: seqrt (the "
                     "runtime's thread pool) or omp (libomp)"),
      llvm::cl::init("seqrt")};
  Option<int64_t> parallelMinWork{
      *this, "parallel-min-work",
      llvm::cl::desc("Estimated operations below which a tile loop runs "
                     "serially (with threads; default: the target's)"),
      llvm::cl::init(-1)};
  Option<bool> boundsChecks{
      *this, "bounds-checks",
      llvm::cl::desc("Check every memory access of the generated code at "
                     "run time (generate-runtime-verification; a debug "
                     "mode) and report a failure through the call's status"),
      llvm::cl::init(false)};
  Option<bool> runtimeChecks{
      *this, "runtime-checks",
      llvm::cl::desc("The run-time checks of dynamic extents and index data "
                     "(docs/design/Artifact.md); false only to measure their "
                     "cost"),
      llvm::cl::init(true)};
  Option<bool> checkNumerics{
      *this, "check-numerics",
      llvm::cl::desc("Check every floating-point result of a seq op for NaN "
                     "and Inf at run time and report the first with the op"),
      llvm::cl::init(false)};
};

/// seq-to-cpu: seq IR (after the front end) to the LLVM dialect with the
/// artifact ABI.
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// Registers the dialect translations CPU code generation needs.
void registerCPUTranslations(DialectRegistry &registry);

/// Where and for what the machine code is generated.
struct CPUCodeGenOptions {
  std::string triple; ///< empty: the host
  std::string cpu;    ///< "native": the host CPU; empty: the host CPU for
                      ///< the host triple, "generic" for another
  std::string features;
  unsigned optLevel = 3;
  bool threads = true; ///< link libomp (code with OpenMP parallel regions)
  std::string linker; ///< empty: ld.lld found next to LLVM
};

/// The LLVM targets ("x86-64", "aarch64") of the CPU architectures seqc
/// generates code for that this build of LLVM has registered.
std::vector<std::string> availableCPUArchitectures();

/// The target machine for `options`, or an error message.
FailureOr<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const CPUCodeGenOptions &options, std::string &error);

/// f32 lanes of the machine's vector registers: 16 with AVX-512, 8 with
/// AVX, 4 otherwise (SSE, NEON).
int64_t defaultVectorWidth(llvm::TargetMachine &machine);

/// Whether the machine is x86 with AVX2 (the int8 quantized kernels use
/// vpmaddubsw/vpmaddwd there).
bool hasX86Avx2(llvm::TargetMachine &machine);

/// Whether the machine is x86 with AVX512_BF16 and 512-bit vectors
/// (vdpbf16ps).
bool hasX86Avx512Bf16(llvm::TargetMachine &machine);

/// Translates an LLVM-dialect module to optimised LLVM IR.
std::unique_ptr<llvm::Module> translateAndOptimize(ModuleOp module,
                                                   llvm::LLVMContext &context,
                                                   llvm::TargetMachine &machine,
                                                   unsigned optLevel);

/// Emits an object file for `module`.
LogicalResult emitObject(llvm::Module &module, llvm::TargetMachine &machine,
                         std::string &object, std::string &error);

/// Links an object into a shared object with ld.lld.
LogicalResult linkSharedObject(const std::string &object,
                               const CPUCodeGenOptions &options,
                               llvm::StringRef triple, std::string &shared,
                               std::string &error);

/// The artifact metadata (JSON) of a seq-level module: entries and their
/// signatures, parameters and the target. Emits diagnostics on entries the
/// ABI cannot express.
FailureOr<std::string> buildArtifactMetadata(ModuleOp module,
                                             llvm::StringRef triple,
                                             llvm::StringRef cpu);

/// The ABI record (seqrt/Abi.h) of artifact metadata built by
/// buildArtifactMetadata, or failure if the JSON is not such metadata.
FailureOr<std::string> buildArtifactAbiRecord(llvm::StringRef metadataJson);

/// Adds the constant `__seq_abi` holding the ABI record of `metadataJson`
/// to a module lowered to the LLVM dialect, for the runtime to compare with
/// the metadata when it loads the artifact. `gpuDigest`, when given, is
/// recorded as the `g` item (seqrt/Abi.h: the digest of the metadata and
/// the GPU images of a multi-target artifact).
LogicalResult emitAbiRecord(ModuleOp module, llvm::StringRef metadataJson,
                            std::optional<uint64_t> gpuDigest = std::nullopt);

} // namespace seq
} // namespace mlir

#endif // SEQC_TARGET_CPU_CPUTARGET_H
