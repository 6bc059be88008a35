//===- seqc.cpp - the seqc compiler driver --------------------------------===//
//
// seqc reads a model graph in seq IR and runs it through the seqc pipelines
// up to the stage named by -emit (Toy-style): the front end, the tiled IR,
// the LLVM dialect, LLVM IR, an object, and by default a .seqpkg artifact.
// Each stage is built from the same pipeline functions that seqc-opt
// registers.
//
// Exit codes: 0 success, 1 invalid input or a failed compilation (with a
// located diagnostic on stderr), 2 a command-line error.
//
//===----------------------------------------------------------------------===//

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"
#include "seqc/Conversion/Passes.h"
#include "seqc/Import/Import.h"
#include "seqc/Pipelines/Pipelines.h"
#include "seqc/Target/CPU/CPUTarget.h"
#include "seqc/Target/GPU/GPUEntries.h"
#include "seqc/Target/GPU/GPUTarget.h"
#include "seqc/Target/GPU/QuantKernels.h"
#include "seqc/Target/TargetDescription.h"
#include "seqc/Tools/CrashDiagnostic.h"
#include "seqc/Tools/ParserWorkarounds.h"
#include "seqc/Transforms/Passes.h"
#include "seqc/Version.h"
#include "seqrt/Artifact.h"
#include "seqrt/GpuHost.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace mlir;
namespace cl = llvm::cl;

namespace {
/// The stages seqc can stop after. Each later backend adds its stages here.
enum class EmitStage {
  Seq,        ///< parsed and verified input, printed back
  SeqOpt,     ///< after the target-independent front end (seq-frontend)
  Tiled,      ///< the tiled loop IR shared by all targets
  LLVMMLIR,   ///< the LLVM dialect with the artifact ABI
  LLVMIR,     ///< optimised LLVM IR
  Object,     ///< an object file
  Artifact,   ///< a .seqpkg artifact (default)
  GPUKernels, ///< GPU targets: the mapped kernels, as the emulator runs them
  GPUAsm,     ///< GPU targets: PTX or AMDGCN assembly
  GPUBinary,  ///< GPU targets: a cubin or an HSACO
};
} // namespace

// seqc's options, by purpose. --help shows these categories only (in
// alphabetical order, as LLVM sorts them); every other LLVM and MLIR option
// stays usable and is listed by --help-hidden. A new seqc option needs a
// cl::cat of one of these, or --help hides it.
static cl::OptionCategory
    importCategory("Checkpoint import",
                   "Compiling a Hugging Face model directory (config.json + "
                   "*.safetensors)");
static cl::OptionCategory compileCategory("Compilation",
                                          "What to compile and emit");
static cl::OptionCategory targetCategory("Target", "What to generate code for");
static cl::OptionCategory tilingCategory("Tiling and code generation",
                                         "Tile sizes, vectors and threads");
static cl::OptionCategory diagnosticsCategory(
    "Timing and diagnostics",
    "Pass timing and IR dumps (more MLIR options: --help-hidden)");

static cl::opt<std::string> inputFilename(cl::Positional,
                                          cl::desc("<model.mlir | model-dir>"),
                                          cl::init("-"),
                                          cl::value_desc("filename"),
                                          cl::cat(compileCategory));
static cl::opt<std::string> outputFilename("o", cl::desc("Output file"),
                                           cl::value_desc("filename"),
                                           cl::init("-"),
                                           cl::cat(compileCategory));
static cl::opt<EmitStage> emitStage(
    "emit", cl::desc("The stage to stop after and print"),
    cl::init(EmitStage::Artifact),
    cl::values(clEnumValN(EmitStage::Seq, "seq", "parsed and verified seq IR"),
               clEnumValN(EmitStage::SeqOpt, "seq-opt",
                          "seq IR after the target-independent front end"),
               clEnumValN(EmitStage::Tiled, "tiled",
                          "the tiled loop IR shared by all targets"),
               clEnumValN(EmitStage::LLVMMLIR, "llvm-mlir",
                          "the LLVM dialect with the artifact ABI"),
               clEnumValN(EmitStage::LLVMIR, "llvm", "optimised LLVM IR"),
               clEnumValN(EmitStage::Object, "obj", "an object file"),
               clEnumValN(EmitStage::Artifact, "artifact",
                          "a .seqpkg artifact (default)"),
               clEnumValN(EmitStage::GPUKernels, "gpu-kernels",
                          "GPU targets: the mapped kernels (gpu.module)"),
               clEnumValN(EmitStage::GPUAsm, "gpu-asm",
                          "GPU targets: PTX or AMDGCN assembly"),
               clEnumValN(EmitStage::GPUBinary, "gpu-bin",
                          "GPU targets: a cubin (ptxas) or an HSACO")),
    cl::cat(compileCategory));

static cl::opt<std::string> targetList(
    "target",
    cl::desc("The targets to compile for, comma-separated: cpu (x86-64 / "
             "AArch64 through LLVM), cuda:<sm> (sm_80, sm_86, sm_89, sm_90, "
             "sm_90a), hip:<gfx> (gfx90a, gfx942)"),
    cl::init("cpu"), cl::cat(targetCategory));
static cl::opt<std::string> gpuManifest(
    "gpu-manifest",
    cl::desc("With -emit=gpu-kernels|gpu-asm|gpu-bin: also write the "
             "kernels' launch manifest (JSON: block, grid rule, parameters) "
             "to this file, as seq-gpu-run reads it"),
    cl::init(""), cl::cat(targetCategory));
static cl::list<std::string> gpuImageOverrides(
    "gpu-image",
    cl::desc("TARGET[.ptx]=FILE: put FILE in the artifact as that GPU "
             "target's binary (or PTX) instead of compiling it (testing)"),
    cl::Hidden, cl::cat(targetCategory));
static cl::opt<std::string> cudaToolkit(
    "cuda-toolkit",
    cl::desc(
        "CUDA toolkit whose bin/ptxas makes cubins (default: "
        "CUDA_HOME, CUDA_PATH, CUDA_ROOT, ptxas on PATH, /usr/local/cuda)"),
    cl::init(""), cl::cat(targetCategory));
static cl::opt<std::string>
    targetTriple("mtriple", cl::desc("Target triple (default: the host)"),
                 cl::init(""), cl::cat(targetCategory));
static cl::opt<std::string>
    targetCPU("cpu",
              cl::desc("Target CPU (default: the host's, or generic with "
                       "--mtriple)"),
              cl::init(""), cl::cat(targetCategory));
static cl::opt<std::string> targetFeatures("mattr", cl::desc("Target features"),
                                           cl::init(""),
                                           cl::cat(targetCategory));
static cl::opt<std::string>
    linkerPath("linker", cl::desc("ld.lld to link artifacts with"),
               cl::init(""), cl::cat(compileCategory));
static cl::opt<bool>
    threads("parallel", cl::desc("Run independent tiles on several threads"),
            cl::init(true), cl::cat(tilingCategory));
enum class ParallelRuntime { Seqrt, Omp };
static cl::opt<ParallelRuntime>
    parallelRuntime("parallel-runtime",
                    cl::desc("What runs the parallel tile loops"),
                    cl::init(ParallelRuntime::Seqrt),
                    cl::values(clEnumValN(ParallelRuntime::Seqrt, "seqrt",
                                          "seqrt's persistent thread pool"),
                               clEnumValN(ParallelRuntime::Omp, "omp",
                                          "libomp (a fork/join per loop)")),
                    cl::Hidden, cl::cat(tilingCategory));
static cl::opt<int64_t> parallelMinWork(
    "parallel-min-work",
    cl::desc("Estimated operations below which a tile loop runs serially "
             "instead of on threads (0: every loop in parallel; "
             "default: the target's)"),
    cl::init(-1), cl::cat(tilingCategory));
static cl::opt<int64_t>
    queryTile("query-tile",
              cl::desc("Query rows per attention tile (default: the "
                       "target's)"),
              cl::init(-1), cl::cat(tilingCategory));
static cl::opt<int64_t>
    keyTile("key-tile",
            cl::desc("Keys per attention KV block (default: the target's)"),
            cl::init(-1), cl::cat(tilingCategory));
static cl::opt<int64_t> vectorWidth(
    "vector-width",
    cl::desc("f32 lanes of the vector kernels (default: from the target; "
             "0: scalar loops)"),
    cl::init(-1), cl::cat(tilingCategory));
static cl::opt<int64_t> scanChunk(
    "scan-chunk",
    cl::desc("Steps per chunk of Mamba-2 scans' SSD form (0: recurrence)"),
    cl::init(-1), cl::Hidden, cl::cat(tilingCategory));

static cl::opt<bool> boundsChecks(
    "bounds-checks",
    cl::desc("Debug mode: check every memory access of the generated code "
             "at run time; a failure ends the call with status 6 and a "
             "message naming the op and its location"),
    cl::init(false), cl::cat(compileCategory));
static cl::opt<bool> checkNumerics(
    "check-numerics",
    cl::desc("Check every floating-point result of a seq op for NaN/Inf at "
             "run time; the first ends the call with status 7 and a message "
             "naming the op, its location and the element"),
    cl::init(false), cl::cat(compileCategory));
static cl::opt<bool> runtimeChecks(
    "runtime-checks",
    cl::desc("The run-time checks of dynamic extents and index data (status "
             "1-4); =false only to measure what they cost"),
    cl::init(true), cl::cat(compileCategory));

enum class QuantActivations { F32, Int8 };
static cl::opt<QuantActivations> quantActivations(
    "quant-activations",
    cl::desc("Activations of q8_0/q4_0/q4_1 projections (quantized linear "
             "layers)"),
    cl::init(QuantActivations::F32),
    cl::values(clEnumValN(QuantActivations::F32, "f32",
                          "f32 activations times the dequantized blocks "
                          "(exact to f32 rounding)"),
               clEnumValN(QuantActivations::Int8, "int8",
                          "activations quantized to 8 bits per 32-element "
                          "block, integer dot products (llama.cpp's scheme)")),
    cl::cat(tilingCategory));

static cl::opt<int64_t>
    maxSeqLen("max-seq-len",
              cl::desc("KV-cache capacity in tokens (default: the config's "
                       "max_position_embeddings, at most 4096)"),
              cl::init(0), cl::cat(importCategory));
// Dtypes are strings checked by parseDtypes (an enum option would list
// one --help line per value).
static cl::opt<std::string> kvCacheDtype(
    "kv-cache-dtype",
    cl::desc("KV caches' dtype: f32, bf16 or f16 (K/V rounded when written, "
             "read widened to f32; default: --dtype's)"),
    cl::init("f32"), cl::cat(importCategory));
static cl::opt<std::string> activationDtype(
    "dtype",
    cl::desc("Activations' dtype: f32, bf16 or f16 (each op's result rounded "
             "to it, computed in f32)"),
    cl::init("f32"), cl::cat(importCategory));
static cl::opt<int64_t>
    maxNewTokens("max-new-tokens",
                 cl::desc("Tokens the `generate` entry returns"), cl::init(32),
                 cl::cat(importCategory));
static cl::opt<double>
    temperature("temperature",
                cl::desc("Sampling temperature of `generate` (0: greedy)"),
                cl::init(0.0), cl::cat(importCategory));
static cl::opt<int64_t> topK("top-k", cl::desc("Top-k of `generate` (0: none)"),
                             cl::init(0), cl::cat(importCategory));
static cl::opt<double> topP("top-p", cl::desc("Top-p of `generate` (1: none)"),
                            cl::init(1.0), cl::cat(importCategory));
static cl::opt<bool> ignoreEos(
    "ignore-eos",
    cl::desc("`generate` runs to --max-new-tokens past the model's EOS ids"),
    cl::init(false), cl::cat(importCategory));
static cl::opt<int64_t> numBeams(
    "num-beams",
    cl::desc("Also build a `generate_beams` entry: beam search with this "
             "many beams (transformers' generate(num_beams=N)); 0: none"),
    cl::init(0), cl::cat(importCategory));
static cl::opt<double>
    lengthPenalty("length-penalty",
                  cl::desc("Length penalty of `generate_beams` (scores are "
                           "divided by length ** penalty)"),
                  cl::init(1.0), cl::cat(importCategory));
static cl::opt<std::string> earlyStopping(
    "early-stopping",
    cl::desc("Early stopping of `generate_beams`: false (the heuristic), "
             "true or never, as transformers' early_stopping"),
    cl::init("false"), cl::cat(importCategory));

static cl::opt<int64_t> kvCacheBlockSize(
    "kv-cache-block-size",
    cl::desc("`generate_beams` keeps its KV caches in blocks of this many "
             "tokens, shared between beams and copied on write (paged); 0: "
             "contiguous caches (hidden: --help stays under 100 lines)"),
    cl::init(0), cl::Hidden, cl::cat(importCategory));

static cl::opt<std::string> draftModel(
    "draft-model",
    cl::desc("Also build a `generate_speculative` entry: speculative decoding "
             "with this draft model (a Hugging Face directory or a GGUF file "
             "with the target's vocabulary), compiled into the artifact; its "
             "weights bind with seqrun --draft-weights"),
    cl::value_desc("dir-or-gguf"), cl::init(""), cl::cat(importCategory));
static cl::opt<int64_t> promptLookup(
    "prompt-lookup",
    cl::desc("Also build a `generate_speculative` entry whose draft is prompt "
             "lookup: the token after the latest earlier occurrence of the "
             "last N tokens (no draft model); 0: none"),
    cl::value_desc("N"), cl::init(0), cl::cat(importCategory));
static cl::list<int64_t> specTree(
    "spec-tree",
    cl::desc("With --prompt-lookup: verify a tree of drafts, this many "
             "children per node at each depth (e.g. 2,2,1)"),
    cl::value_desc("b1,b2,..."), cl::CommaSeparated, cl::cat(importCategory));
static cl::opt<int64_t> numSpeculativeTokens(
    "num-speculative-tokens",
    cl::desc("Tokens the draft proposes per verify step of "
             "`generate_speculative`"),
    cl::value_desc("K"), cl::init(4), cl::cat(importCategory));
static cl::opt<bool> adaptiveK(
    "adaptive-k",
    cl::desc("`generate_speculative` drafts k <= K tokens a step, grown after "
             "full acceptance, shrunk after a rejection"),
    cl::init(false), cl::Hidden, cl::cat(importCategory));

static cl::opt<int64_t> bestOf(
    "best-of",
    cl::desc("Also build a `generate_best_of` entry: N sampled sequences in "
             "one call (row r draws token t with counter (seed, t, r), as "
             "`generate` draws row 0) and their log-probabilities; 0: none"),
    cl::value_desc("N"), cl::init(0), cl::cat(importCategory));

static cl::extrahelp examples(R"(
EXAMPLES:
  seqc model.mlir -o model.seqpkg          compile for this machine
  seqc model-dir -o model.seqpkg           compile a Hugging Face checkpoint
  seqc model-dir --draft-model small-dir --num-speculative-tokens 4 \
      -o model.seqpkg                      add speculative decoding with a
                                           draft model (generate_speculative)
  seqc model.mlir -emit=tiled -o -         print the tiled loop IR
  seqc model.mlir -mtriple=aarch64-unknown-linux-gnu -o model.seqpkg
                                           cross-compile for AArch64 Linux
  seqc model.mlir -o model.seqpkg --mlir-timing
                                           time each pass

SEQC_OPTIONS in the environment adds options to every run (e.g.
SEQC_OPTIONS=--bounds-checks to run a test suite under the checks).

Exit status: 0 success, 1 invalid input or a failed compilation, 2 a
command-line error. --help-hidden lists every LLVM and MLIR option.
)");

/// The MLIR options shown next to seqc's own: timing and IR dumps
/// (--mlir-pass-statistics and the others: --help-hidden).
static constexpr llvm::StringLiteral kDiagnosticOptions[] = {
    "mlir-timing",
    "mlir-print-ir-before-all",
    "mlir-print-ir-after-all",
    "mlir-print-debuginfo",
};

/// Moves the diagnostic MLIR options into seqc's category and hides every
/// other option outside seqc's categories and LLVM's --help/--version.
/// Unlike cl::HideUnrelatedOptions (cl::ReallyHidden), the hidden options
/// are still listed by --help-hidden; all of them keep working.
static void organizeOptions() {
  llvm::DenseMap<llvm::StringRef, cl::Option *> &options =
      cl::getRegisteredOptions();
  for (llvm::StringRef name : kDiagnosticOptions)
    if (cl::Option *option = options.lookup(name))
      option->addCategory(diagnosticsCategory);
  const cl::OptionCategory *seqcCategories[] = {
      &importCategory, &compileCategory, &targetCategory, &tilingCategory,
      &diagnosticsCategory};
  for (auto [name, option] : options) {
    bool shown = name == "help" || name == "help-list" || name == "version" ||
                 llvm::any_of(option->Categories, [&](cl::OptionCategory *c) {
                   return llvm::is_contained(seqcCategories, c);
                 });
    if (!shown && option->getOptionHiddenFlag() == cl::NotHidden)
      option->setHiddenFlag(cl::Hidden);
  }
}

/// --version: seqc's version, the LLVM it was built with and its targets.
static void printVersion(llvm::raw_ostream &os) {
  os << "seqc " SEQC_VERSION_STRING "\n"
     << "  LLVM version " LLVM_VERSION_STRING "\n"
     << "  default target: " << llvm::sys::getDefaultTargetTriple() << "\n"
     << "  host CPU: " << llvm::sys::getHostCPUName() << "\n"
     << "  targets:\n"
     << "    cpu  ";
  std::vector<std::string> arches = seq::availableCPUArchitectures();
  if (arches.empty())
    os << "(no x86-64 or AArch64 code generator in this LLVM)";
  else
    llvm::interleaveComma(arches, os);
  os << "\n    cuda ";
  llvm::interleaveComma(seq::knownChips(seq::TargetKind::CUDA), os);
  os << " (cubin + PTX + manifest in artifacts; no host launches yet)\n"
        "    hip  ";
  llvm::interleaveComma(seq::knownChips(seq::TargetKind::HIP), os);
  os << " (HSACO + manifest in artifacts; no host launches yet)\n";
}

/// The dtype named `name` (f32, bf16, f16), if it is one.
static std::optional<seq::ImportDtype> parseDtype(StringRef name) {
  return llvm::StringSwitch<std::optional<seq::ImportDtype>>(name)
      .Case("f32", seq::ImportDtype::F32)
      .Case("bf16", seq::ImportDtype::BF16)
      .Case("f16", seq::ImportDtype::F16)
      .Default(std::nullopt);
}

/// False, after a message, unless --kv-cache-dtype and --dtype name dtypes.
static bool checkDtypeOptions() {
  for (cl::opt<std::string> *option : {&kvCacheDtype, &activationDtype})
    if (!parseDtype(*option)) {
      llvm::errs() << "seqc: --" << option->ArgStr << "=" << *option
                   << ": not a dtype (f32, bf16 or f16)\n";
      return false;
    }
  return true;
}

/// The checkpoint-import options from the command line.
static seq::ImportOptions importOptions() {
  seq::ImportOptions options;
  options.maxSeqLen = maxSeqLen;
  options.maxNewTokens = maxNewTokens;
  options.dtype = *parseDtype(activationDtype);
  // The KV caches take the activations' dtype unless told otherwise.
  options.kvCacheDtype = kvCacheDtype.getNumOccurrences()
                             ? *parseDtype(kvCacheDtype)
                             : options.dtype;
  options.temperature = temperature;
  options.topK = topK;
  options.topP = topP;
  options.ignoreEos = ignoreEos;
  options.numBeams = numBeams;
  options.kvCacheBlockSize = kvCacheBlockSize;
  options.lengthPenalty = lengthPenalty;
  options.earlyStopping = earlyStopping;
  options.draftModel = draftModel;
  options.promptLookup = promptLookup;
  options.numSpeculativeTokens = numSpeculativeTokens;
  options.adaptiveSpeculation = adaptiveK;
  options.specTree.assign(specTree.begin(), specTree.end());
  options.bestOf = bestOf;
  return options;
}

/// Runs a pass pipeline built by `build` with the command-line pass
/// manager options (-mlir-print-ir-after-all, -mlir-timing, ...).
static LogicalResult runPasses(ModuleOp module, TimingScope &timing,
                               llvm::function_ref<void(PassManager &)> build) {
  PassManager pm(module->getContext());
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  pm.enableTiming(timing);
  seq::addCrashPhaseInstrumentation(pm);
  build(pm);
  return pm.run(module);
}

/// Writes `bytes` to the output file.
static int writeOutput(llvm::StringRef bytes) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputFilename, &error);
  if (!output) {
    llvm::errs() << "seqc: " << error << "\n";
    return 1;
  }
  output->os() << bytes;
  output->keep();
  return 0;
}

/// A folder holding llvm/bin/ld.lld (a link to `linker`), the layout
/// gpu-module-to-binary expects of a ROCm toolkit to link an HSACO.
static std::optional<std::string> rocmLinkerFolder(std::string &error) {
  std::string linker = linkerPath;
  if (linker.empty())
    for (llvm::StringRef name : {"ld.lld-22", "ld.lld"})
      if (auto path = llvm::sys::findProgramByName(name, {SEQC_LLVM_TOOLS_DIR}))
        if (linker.empty())
          linker = *path;
  if (linker.empty()) {
    error = "cannot find ld.lld to link the HSACO (install lld-22 or pass "
            "--linker)";
    return std::nullopt;
  }
  llvm::SmallString<128> folder;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("seqc-hsaco", folder)) {
    error = "cannot create a temporary folder: " + ec.message();
    return std::nullopt;
  }
  llvm::SmallString<128> bin(folder);
  llvm::sys::path::append(bin, "llvm", "bin");
  llvm::SmallString<128> link(bin);
  llvm::sys::path::append(link, "ld.lld");
  if (std::error_code ec = llvm::sys::fs::create_directories(bin)) {
    error = "cannot create " + bin.str().str() + ": " + ec.message();
    return std::nullopt;
  }
  if (std::error_code ec = llvm::sys::fs::create_link(linker, link)) {
    error = "cannot link " + link.str().str() + ": " + ec.message();
    return std::nullopt;
  }
  return folder.str().str();
}

/// Gives every seq op of `module` its GPU kernels for `target` and returns
/// them, alone, in `kernels`. An op without a GPU kernel is an error naming
/// the op and the target.
static LogicalResult buildGPUKernels(ModuleOp module,
                                     const seq::TargetDescription &target,
                                     TimingScope &timing,
                                     OwningOpRef<ModuleOp> &kernels,
                                     llvm::json::Value *hostPlan = nullptr) {
  // Entries with control flow stay on the CPU; calls are inlined.
  FailureOr<SmallVector<std::string>> cpuOnly =
      seq::prepareGPUEntries(module, target);
  if (failed(cpuOnly))
    return failure();
  if (failed(runPasses(module, timing, [&](PassManager &pm) {
        seq::SeqGPULinearKernelsOptions options;
        options.target = target.name();
        pm.addPass(seq::createSeqGPULinearKernels(options));
        seq::SeqGPUAttentionKernelsOptions attention;
        attention.target = target.name();
        pm.addPass(seq::createSeqGPUAttentionKernels(attention));
        seq::SeqGPUNormKernelsOptions norms;
        norms.target = target.name();
        pm.addPass(seq::createSeqGPUNormKernels(norms));
        seq::SeqGPUElementwiseKernelsOptions elementwise;
        elementwise.target = target.name();
        pm.addPass(seq::createSeqGPUElementwiseKernels(elementwise));
        seq::SeqGPUSampleKernelsOptions sample;
        sample.target = target.name();
        pm.addPass(seq::createSeqGPUSampleKernels(sample));
        seq::SeqGPUMoEKernelsOptions moe;
        moe.target = target.name();
        pm.addPass(seq::createSeqGPUMoEKernels(moe));
        seq::SeqGPUConvKernelsOptions conv;
        conv.target = target.name();
        pm.addPass(seq::createSeqGPUConvKernels(conv));
        seq::SeqGPUScanKernelsOptions scan;
        scan.target = target.name();
        pm.addPass(seq::createSeqGPUScanKernels(scan));
        pm.addPass(seq::createSeqGPUQuantKernels(target.name()));
        pm.addPass(createCanonicalizerPass());
        pm.addPass(createCSEPass());
      })))
    return failure();
  bool unsupported = false;
  module.walk([&](Operation *op) {
    if (!isa<seq::SeqDialect>(op->getDialect()) ||
        isa<seq::LinearOp, seq::AttentionOp, seq::RMSNormOp, seq::LayerNormOp,
            seq::SwiGLUOp, seq::RopeOp, seq::SampleOp>(op) ||
        isa<seq::MoeRouteOp, seq::MoeDispatchOp, seq::MoeExpertsOp,
            seq::GroupedMatmulOp>(op) ||
        isa<seq::ParameterOp, seq::GetParameterOp>(op) ||
        isa<seq::CausalConv1dOp, seq::ScanOp, seq::ScanStepOp, seq::YieldOp>(
            op) ||
        isa<seq::QuantizedLinearOp, seq::QuantizedEmbeddingOp>(op) ||
        isa<seq::EmbeddingOp, seq::CacheWriteOp>(op))
      return;
    op->emitError()
        << "seqc: " << target.name() << " has no kernel for '" << op->getName()
        << "' yet (docs/design/GPU.md lists the ops with GPU kernels)";
    unsupported = true;
  });
  if (unsupported)
    return failure();
  // The entries' host side (artifacts): it may add the attention forms the
  // runtime chooses between, so it comes before the kernels are taken.
  if (hostPlan) {
    FailureOr<llvm::json::Value> plan = seq::buildGPUHostPlanWithCpuOnly(module, target, *cpuOnly);
    if (failed(plan))
      return failure();
    *hostPlan = std::move(*plan);
  }
  kernels = ModuleOp::create(module.getLoc());
  (*kernels)->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                      UnitAttr::get(module.getContext()));
  if (auto gpuModule =
          module.lookupSymbol<gpu::GPUModuleOp>(seq::kKernelModuleName))
    kernels->getBody()->push_back(gpuModule->clone());
  return success();
}

/// Generates the machine code of `kernels` (consumed) for `target`:
/// PTX/AMDGCN text (`binary` false) or a cubin/HSACO.
static LogicalResult generateGPUCode(OwningOpRef<ModuleOp> kernels,
                                     const seq::TargetDescription &target,
                                     bool binary, TimingScope &timing,
                                     std::string &bytes) {
  std::string toolkit, error;
  if (target.kind == seq::TargetKind::CUDA && binary) {
    std::optional<std::string> found = seq::findCUDAToolkit(cudaToolkit, error);
    if (!found) {
      llvm::errs() << "seqc: " << error << "\n";
      return failure();
    }
    toolkit = *found;
  } else if (target.kind == seq::TargetKind::HIP && binary) {
    std::optional<std::string> folder = rocmLinkerFolder(error);
    if (!folder) {
      llvm::errs() << "seqc: " << error << "\n";
      return failure();
    }
    toolkit = *folder;
  }
  LogicalResult compiled = runPasses(*kernels, timing, [&](PassManager &pm) {
    if (failed(seq::buildGPUCodeGenPipeline(pm, target, binary ? "bin" : "isa",
                                            toolkit)))
      llvm::report_fatal_error("seqc: malformed built-in GPU pipeline");
  });
  if (target.kind == seq::TargetKind::HIP && binary)
    llvm::sys::fs::remove_directories(toolkit);
  if (failed(compiled))
    return failure();
  kernels->walk([&](gpu::BinaryOp binaryOp) {
    for (Attribute attr : binaryOp.getObjects())
      if (auto object = dyn_cast<gpu::ObjectAttr>(attr))
        bytes += object.getObject().getValue();
  });
  return success();
}

/// Compiles the kernels of a GPU target: -emit=gpu-kernels, gpu-asm or
/// gpu-bin. Every seq op needs a GPU kernel (seq.linear and seq.attention
/// have them so far).
static int compileGPU(ModuleOp module, const seq::TargetDescription &target,
                      TimingScope &timing) {
  bool binary = emitStage == EmitStage::GPUBinary;
  if (binary && outputFilename == "-") {
    llvm::errs() << "seqc: refusing to write binary output to stdout; use -o\n";
    return 2;
  }
  OwningOpRef<ModuleOp> kernels;
  if (failed(buildGPUKernels(module, target, timing, kernels)))
    return 1;
  if (!gpuManifest.empty()) {
    FailureOr<std::string> manifest =
        seq::buildKernelManifest(*kernels, target);
    if (failed(manifest))
      return 1;
    std::string error;
    std::unique_ptr<llvm::ToolOutputFile> file =
        openOutputFile(gpuManifest, &error);
    if (!file) {
      llvm::errs() << "seqc: " << error << "\n";
      return 1;
    }
    file->os() << *manifest;
    file->keep();
  }
  if (emitStage == EmitStage::GPUKernels) {
    std::string text;
    llvm::raw_string_ostream textStream(text);
    kernels->print(textStream);
    textStream << "\n";
    return writeOutput(text);
  }
  std::string bytes;
  if (failed(
          generateGPUCode(std::move(kernels), target, binary, timing, bytes)))
    return 1;
  return writeOutput(bytes);
}

/// The text of the input file `path` ("-": stdin), or null with `error`.
/// Only a regular file is read: it is opened with O_NONBLOCK (a FIFO with
/// no writer would block in open) and checked with fstat before the first
/// read, as seqrun's files (runtime/lib/MappedFile.cpp).
static std::unique_ptr<llvm::MemoryBuffer> readInputFile(llvm::StringRef path,
                                                         std::string &error) {
  if (path == "-")
    return openInputFile(path, &error);
  int fd = ::open(path.str().c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return openInputFile(path, &error); // its usual message
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = ("cannot read '" + path + "': not a regular file").str();
    ::close(fd);
    return nullptr;
  }
  auto buffer = llvm::MemoryBuffer::getOpenFile(fd, path, st.st_size);
  ::close(fd);
  if (!buffer) {
    error =
        ("cannot read '" + path + "': " + buffer.getError().message()).str();
    return nullptr;
  }
  return std::move(*buffer);
}

/// The image a --gpu-image option gives for `key` ("cuda:sm_80" or
/// "cuda:sm_80.ptx"): false when none; `failed` when its file cannot be
/// read.
static bool readGPUImageOverride(llvm::StringRef key, std::string &bytes,
                                 bool &failed) {
  for (const std::string &spec : gpuImageOverrides) {
    auto [name, file] = llvm::StringRef(spec).split('=');
    if (name != key)
      continue;
    auto buffer = llvm::MemoryBuffer::getFile(file, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    if (!buffer) {
      llvm::errs() << "seqc: --gpu-image " << spec << ": "
                   << buffer.getError().message() << "\n";
      failed = true;
      return false;
    }
    bytes = (*buffer)->getBuffer().str();
    return true;
  }
  return false;
}

/// Compiles each GPU target of `targets` for the artifact: its kernels, the
/// launch manifest, the binary (cubin or HSACO) and, for CUDA, the PTX.
/// Adds "format_version": 2, "targets" and "gpu_targets" to `metadata` and
/// appends the images to `images` (docs/design/Artifact.md).
static LogicalResult compileGPUTargets(
    ModuleOp module, llvm::ArrayRef<seq::TargetDescription> targets,
    TimingScope &timing, std::string &metadata, std::string &images) {
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(metadata);
  if (!parsed) {
    llvm::errs() << "seqc: " << llvm::toString(parsed.takeError()) << "\n";
    return failure();
  }
  llvm::json::Object &root = *parsed->getAsObject();
  llvm::json::Array names, gpuTargets;
  auto addImage = [&](const std::string &bytes) {
    llvm::json::Object range{{"offset", int64_t(images.size())},
                             {"size", int64_t(bytes.size())}};
    images += bytes;
    return range;
  };
  for (const seq::TargetDescription &target : targets) {
    names.push_back(target.name());
    if (!target.isGPU())
      continue;
    OwningOpRef<ModuleOp> copy = module.clone();
    OwningOpRef<ModuleOp> kernels;
    llvm::json::Value hostPlan = nullptr;
    if (failed(buildGPUKernels(*copy, target, timing, kernels, &hostPlan)))
      return failure();
    FailureOr<std::string> manifestText =
        seq::buildKernelManifest(*kernels, target);
    if (failed(manifestText))
      return failure();
    llvm::Expected<llvm::json::Value> manifest =
        llvm::json::parse(*manifestText);
    if (!manifest) {
      llvm::errs() << "seqc: " << llvm::toString(manifest.takeError()) << "\n";
      return failure();
    }
    bool cuda = target.kind == seq::TargetKind::CUDA;
    std::string binary, ptx;
    bool failedRead = false;
    if (!readGPUImageOverride(target.name(), binary, failedRead) &&
        (failedRead ||
         failed(generateGPUCode(OwningOpRef<ModuleOp>(kernels->clone()), target,
                                true, timing, binary))))
      return failure();
    if (cuda &&
        !readGPUImageOverride(target.name() + ".ptx", ptx, failedRead) &&
        (failedRead || failed(generateGPUCode(std::move(kernels), target, false,
                                              timing, ptx))))
      return failure();
    llvm::json::Object entry{{"target", target.name()}};
    llvm::json::Object binaryRange = addImage(binary);
    binaryRange["format"] = cuda ? "cubin" : "hsaco";
    entry["binary"] = std::move(binaryRange);
    if (cuda)
      entry["ptx"] = addImage(ptx);
    entry["manifest"] = std::move(*manifest);
    entry[seqrt::gpuhost::kPlanMember] = std::move(hostPlan);
    gpuTargets.push_back(std::move(entry));
  }
  root["format_version"] = 2;
  root["targets"] = std::move(names);
  root["gpu_targets"] = std::move(gpuTargets);
  metadata.clear();
  llvm::raw_string_ostream os(metadata);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
  return success();
}

/// Compiles `module` through the stages up to -emit and writes the result.
static int compile(ModuleOp module, DefaultTimingManager &tm) {
  TimingScope timing = tm.getRootScope();
  llvm::SmallVector<seq::TargetDescription, 2> targets;
  std::string targetError;
  if (!seq::parseTargetList(targetList, targets, targetError)) {
    llvm::errs() << "seqc: --target: " << targetError << "\n";
    return 2;
  }
  bool gpuStage = emitStage == EmitStage::GPUKernels ||
                  emitStage == EmitStage::GPUAsm ||
                  emitStage == EmitStage::GPUBinary;
  bool anyGPU = llvm::any_of(
      targets, [](const seq::TargetDescription &t) { return t.isGPU(); });
  if (gpuStage && (targets.size() != 1 || !anyGPU)) {
    llvm::errs() << "seqc: -emit=gpu-kernels, gpu-asm and gpu-bin need one "
                    "GPU target (--target=cuda:<sm> or hip:<gfx>)\n";
    return 2;
  }
  if (!gpuStage && !gpuManifest.empty()) {
    llvm::errs() << "seqc: --gpu-manifest needs -emit=gpu-kernels, gpu-asm "
                    "or gpu-bin\n";
    return 2;
  }
  if (!gpuStage && anyGPU && emitStage != EmitStage::Artifact) {
    llvm::errs() << "seqc: GPU targets make artifacts (-emit=artifact) or "
                    "kernels (-emit=gpu-kernels, gpu-asm, gpu-bin)\n";
    return 2;
  }
  bool binaryOutput =
      emitStage == EmitStage::Object || emitStage == EmitStage::Artifact;
  if (binaryOutput && outputFilename == "-") {
    llvm::errs() << "seqc: refusing to write binary output to stdout; use -o\n";
    return 2;
  }
  std::string text;
  llvm::raw_string_ostream textStream(text);
  auto printModule = [&]() {
    module->print(textStream);
    textStream << "\n";
    return writeOutput(text);
  };
  if (emitStage == EmitStage::Seq)
    return printModule();
  if (failed(runPasses(module, timing, [](PassManager &pm) {
        seq::buildFrontendPipeline(pm, seq::FrontendPipelineOptions());
      })))
    return 1;
  if (emitStage == EmitStage::SeqOpt)
    return printModule();
  if (gpuStage)
    return compileGPU(module, targets.front(), timing);
  // The GPU targets' kernels start from the front end's IR too.
  OwningOpRef<ModuleOp> gpuSource;
  if (anyGPU)
    gpuSource = module.clone();

  seq::CPUCodeGenOptions codegen;
  codegen.triple = targetTriple;
  codegen.cpu = targetCPU;
  codegen.features = targetFeatures;
  codegen.threads = threads && parallelRuntime == ParallelRuntime::Omp;
  codegen.linker = linkerPath;
  std::string error;
  auto machine = seq::createTargetMachine(codegen, error);
  if (failed(machine)) {
    llvm::errs() << "seqc: " << error << "\n";
    return 1;
  }
  int64_t lanes =
      vectorWidth >= 0 ? vectorWidth : seq::defaultVectorWidth(**machine);
  if (emitStage == EmitStage::Tiled) {
    if (failed(runPasses(module, timing, [&](PassManager &pm) {
          seq::ConvertSeqToLoopsOptions options;
          options.queryTile = queryTile;
          options.keyTile = keyTile;
          options.vectorWidth = lanes;
          options.scanChunk = scanChunk;
          options.quantActivations =
              quantActivations == QuantActivations::Int8 ? "int8" : "f32";
          options.x86Avx2 = seq::hasX86Avx2(**machine);
          options.x86Avx512Bf16 = seq::hasX86Avx512Bf16(**machine);
          pm.addPass(seq::createConvertSeqToLoops(options));
          pm.addPass(createCanonicalizerPass());
          pm.addPass(createCSEPass());
        })))
      return 1;
    return printModule();
  }

  std::string triple = (*machine)->getTargetTriple().str();
  FailureOr<std::string> metadata =
      seq::buildArtifactMetadata(module, triple, (*machine)->getTargetCPU());
  if (failed(metadata))
    return 1;
  // The GPU targets first: their launch manifests and plans complete the
  // metadata, whose digest (with the GPU images) the host code records.
  std::string gpuImages;
  std::optional<uint64_t> gpuDigest;
  if (anyGPU) {
    if (failed(compileGPUTargets(*gpuSource, targets, timing, *metadata,
                                 gpuImages)))
      return 1;
    gpuDigest =
        seqrt::fnv1a64(gpuImages.data(), gpuImages.size(),
                       seqrt::fnv1a64(metadata->data(), metadata->size()));
  }

  if (failed(runPasses(module, timing, [&](PassManager &pm) {
        seq::CPUPipelineOptions options;
        options.queryTile = queryTile;
        options.keyTile = keyTile;
        options.vectorWidth = lanes;
        options.scanChunk = scanChunk;
        options.quantActivations =
            quantActivations == QuantActivations::Int8 ? "int8" : "f32";
        options.x86Avx2 = seq::hasX86Avx2(**machine);
        options.x86Avx512Bf16 = seq::hasX86Avx512Bf16(**machine);
        options.threads = threads;
        options.parallelRuntime =
            parallelRuntime == ParallelRuntime::Omp ? "omp" : "seqrt";
        options.parallelMinWork = parallelMinWork;
        options.boundsChecks = boundsChecks;
        options.checkNumerics = checkNumerics;
        options.runtimeChecks = runtimeChecks;
        seq::buildCPUPipeline(pm, options);
      })))
    return 1;
  if (failed(seq::emitAbiRecord(module, *metadata, gpuDigest)))
    return 1;
  if (emitStage == EmitStage::LLVMMLIR)
    return printModule();

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule;
  {
    TimingScope translate = timing.nest("Translate and optimise LLVM IR");
    seq::setCrashPhase("translating to LLVM IR and optimizing it");
    llvmModule = seq::translateAndOptimize(module, llvmContext, **machine, 3);
  }
  if (!llvmModule) {
    llvm::errs() << "seqc: translation to LLVM IR failed\n";
    return 1;
  }
  if (emitStage == EmitStage::LLVMIR) {
    llvmModule->print(textStream, nullptr);
    return writeOutput(text);
  }
  std::string object;
  {
    TimingScope emit = timing.nest("Emit object");
    seq::setCrashPhase("generating machine code");
    if (failed(seq::emitObject(*llvmModule, **machine, object, error))) {
      llvm::errs() << "seqc: " << error << "\n";
      return 1;
    }
  }
  if (emitStage == EmitStage::Object)
    return writeOutput(object);

  std::string shared;
  {
    TimingScope link = timing.nest("Link");
    seq::setCrashPhase("linking");
    if (failed(seq::linkSharedObject(object, codegen, triple, shared, error))) {
      llvm::errs() << "seqc: " << error << "\n";
      return 1;
    }
  }
  if (!seqrt::writeArtifact(outputFilename, *metadata, shared, error,
                            gpuImages)) {
    llvm::errs() << "seqc: " << error << "\n";
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  // Passes first: --mlir-print-ir-after=<pass> and friends take the names
  // registered when the pass manager options are.
  registerAllPasses();
  seq::registerSeqTransformsPasses();
  seq::registerSeqCPUPasses();
  seq::registerSeqGPUPasses();
  seq::registerSeqConversionPasses();
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  organizeOptions();
  cl::SetVersionPrinter(printVersion);
  if (!cl::ParseCommandLineOptions(
          argc, argv,
          "seqc: compiles a model graph in seq IR, or a Hugging Face "
          "checkpoint directory, into a .seqpkg artifact\n",
          &llvm::errs(), /*VFS=*/nullptr, /*EnvVar=*/"SEQC_OPTIONS"))
    return 2;
  if (!checkDtypeOptions())
    return 2;
  seq::installCrashDiagnostic("seqc", inputFilename);

  DialectRegistry registry;
  registry.insert<seq::SeqDialect, func::FuncDialect, arith::ArithDialect,
                  math::MathDialect, tensor::TensorDialect,
                  linalg::LinalgDialect, scf::SCFDialect>();
  registerAllDialects(registry);
  registerAllExtensions(registry);
  seq::registerVectorRuntimeVerification(registry);
  seq::registerCPUTranslations(registry);
  seq::registerGPUTranslations(registry);
  MLIRContext context(registry);
  // Diagnostics carry source locations; the offending op's dump is noise.
  context.printOpOnDiagnostic(false);

  DefaultTimingManager tm;
  applyDefaultTimingManagerCLOptions(tm);
  OwningOpRef<ModuleOp> module;
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  if (seq::isHuggingFaceDirectory(inputFilename)) {
    TimingScope importTiming = tm.getRootScope().nest("Import");
    seq::setCrashPhase("importing the checkpoint");
    module = seq::importCheckpoint(&context, inputFilename, importOptions());
    if (!module)
      return 1;
    if (failed(verify(*module)))
      return 1;
  } else if (seq::isGgufFile(inputFilename)) {
    TimingScope importTiming = tm.getRootScope().nest("Import");
    seq::setCrashPhase("importing the checkpoint");
    module = seq::importCheckpoint(&context, inputFilename, importOptions());
    if (!module)
      return 1;
    if (failed(verify(*module)))
      return 1;
  } else {
    std::string error;
    std::unique_ptr<llvm::MemoryBuffer> input =
        readInputFile(inputFilename, error);
    if (!input) {
      llvm::errs() << "seqc: " << error << "\n";
      return 1;
    }
    sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
    if (failed(seq::rejectParserCrashers(sourceMgr)))
      return 1;
    TimingScope parseTiming = tm.getRootScope().nest("Parse");
    seq::setCrashPhase("parsing");
    module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  }
  if (!module)
    return 1;
  return compile(*module, tm);
}
