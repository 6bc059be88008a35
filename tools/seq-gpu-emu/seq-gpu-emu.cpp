//===- seq-gpu-emu.cpp - run a GPU kernel on the CPU ----------------------===//
//
// Runs one kernel of a gpu.module (as `seqc -emit=gpu-kernels` or
// `seqc-opt -seq-gpu-linear-kernels` write it)
// in the GPU emulator with .npy arguments, and compares outputs against
// golden .npy files:
//
//   seq-gpu-emu kernels.mlir --kernel=linear_bf16_bias \
//     --arg 0=x.npy --arg 1=w.npy --arg 2=b.npy --expect 3=out.npy \
//     --rtol 2e-2 --atol 2e-2
//
// `--scratch <index>=<d0>x<d1>x...` gives an argument as a NaN-filled
// buffer of that shape (a workspace, such as split-KV attention's partial
// outputs), `--save <index>=<file.npy>` writes an argument after the run
// as float32 (to feed a later kernel). An argument given with both --arg
// and --expect is updated in place: it starts from the --arg data.
// `--alias <index>=<other>` passes argument <other>'s buffer as argument
// <index> too (one device buffer behind two parameters: a scan's init and
// final state written in place).
//
// An .npy array of higher rank than the kernel's memref is viewed with its
// leading dimensions merged. Exit status: 0 success, 1 a fault in the
// kernel (out-of-bounds access, race, deadlock) or a mismatch, 2 bad usage.
//
//===----------------------------------------------------------------------===//

#include "Npy.h"
#include "seq/IR/SeqDialect.h"
#include "seqc/Target/GPU/Emulator.h"
#include "seqc/Target/TargetDescription.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string>
    inputFilename(cl::Positional, cl::desc("<kernels.mlir>"), cl::Required);
static cl::opt<std::string>
    kernelName("kernel", cl::desc("The kernel (default: the only one)"),
               cl::init(""));
static cl::opt<std::string>
    targetName("target",
               cl::desc("The target whose warp size to use (default: the "
                        "gpu.module's seq.target)"),
               cl::init(""));
static cl::list<std::string> argFiles("arg",
                                      cl::desc("<index>=<file.npy> input"));
static cl::list<std::string>
    expectFiles("expect", cl::desc("<index>=<file.npy> output and its golden"));
static cl::list<std::string>
    scratchSpecs("scratch",
                 cl::desc("<index>=<d0>x<d1>x... NaN-filled workspace"));
static cl::list<std::string>
    saveFiles("save", cl::desc("<index>=<file.npy> written after the run"));
static cl::list<std::string>
    aliasSpecs("alias", cl::desc("<index>=<other>: argument <other>'s buffer "
                                 "as argument <index> too"));
static cl::opt<bool>
    noRaceCheck("no-race-check",
                cl::desc("Skip the shared-memory race check (to see what a "
                         "racy kernel computes)"),
                cl::init(false));
static cl::opt<double> relTolerance("rtol", cl::desc("Relative tolerance"),
                                    cl::init(1e-4));
static cl::opt<double> absTolerance("atol", cl::desc("Absolute tolerance"),
                                    cl::init(1e-5));

/// Reads `path` as doubles with its shape viewed at `rank`.
static bool readArray(const std::string &path, int64_t rank,
                      seq::EmulatorBuffer &buffer, std::string &error) {
  seqrt_tensor tensor;
  if (!seqrt::readNpy(path, tensor, error))
    return false;
  int64_t count = 1;
  for (int32_t i = 0; i < tensor.rank; ++i)
    count *= tensor.shape[i];
  buffer.data.resize(count);
  for (int64_t i = 0; i < count; ++i) {
    switch (tensor.dtype) {
    case SEQRT_DTYPE_F32:
      buffer.data[i] = static_cast<const float *>(tensor.data)[i];
      break;
    case SEQRT_DTYPE_F64:
      buffer.data[i] = static_cast<const double *>(tensor.data)[i];
      break;
    case SEQRT_DTYPE_BF16: {
      uint32_t bits = uint32_t(static_cast<const uint16_t *>(tensor.data)[i])
                      << 16;
      float f;
      std::memcpy(&f, &bits, 4);
      buffer.data[i] = f;
      break;
    }
    case SEQRT_DTYPE_F16: {
      llvm::APFloat half(
          llvm::APFloat::IEEEhalf(),
          llvm::APInt(16, static_cast<const uint16_t *>(tensor.data)[i]));
      buffer.data[i] = half.convertToFloat();
      break;
    }
    case SEQRT_DTYPE_I8: // packed quantized weights
      buffer.data[i] = static_cast<const int8_t *>(tensor.data)[i];
      break;
    case SEQRT_DTYPE_I32:
      buffer.data[i] = static_cast<const int32_t *>(tensor.data)[i];
      break;
    case SEQRT_DTYPE_I64:
      buffer.data[i] = static_cast<const int64_t *>(tensor.data)[i];
      break;
    default:
      seqrt_tensor_free(nullptr, &tensor);
      error = path + ": unsupported dtype";
      return false;
    }
  }
  buffer.shape.clear();
  if (tensor.rank < rank || rank < 1) {
    error = path + ": rank " + std::to_string(tensor.rank) +
            " is below the kernel argument's " + std::to_string(rank);
    seqrt_tensor_free(nullptr, &tensor);
    return false;
  }
  int64_t leading = 1;
  for (int32_t i = 0; i <= tensor.rank - rank; ++i)
    leading *= tensor.shape[i];
  buffer.shape.push_back(leading);
  for (int32_t i = tensor.rank - rank + 1; i < tensor.rank; ++i)
    buffer.shape.push_back(tensor.shape[i]);
  seqrt_tensor_free(nullptr, &tensor);
  return true;
}

/// Splits "<index>=<path>".
static bool splitSpec(StringRef spec, int64_t &index, std::string &path) {
  auto [number, file] = spec.split('=');
  if (file.empty() || number.getAsInteger(10, index) || index < 0)
    return false;
  path = file.str();
  return true;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  if (!cl::ParseCommandLineOptions(
          argc, argv, "seq-gpu-emu: runs a GPU kernel on the CPU\n",
          &llvm::errs()))
    return 2;
  DialectRegistry registry;
  registerAllDialects(registry);
  registry.insert<seq::SeqDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(inputFilename, &context);
  if (!module)
    return 1;

  gpu::GPUFuncOp kernel;
  int kernels = 0;
  module->walk([&](gpu::GPUFuncOp func) {
    if (!func.isKernel())
      return;
    ++kernels;
    if (kernelName.empty() || func.getName() == kernelName)
      kernel = func;
  });
  if (!kernel || (kernelName.empty() && kernels != 1)) {
    llvm::errs() << "seq-gpu-emu: "
                 << (kernelName.empty() ? "name one kernel with --kernel"
                                        : "no kernel '" + kernelName + "'")
                 << "\n";
    return 2;
  }
  std::string target = targetName;
  if (target.empty())
    if (auto attr =
            kernel->getParentOp()->getAttrOfType<StringAttr>("seq.target"))
      target = attr.str();
  std::string error;
  std::optional<seq::TargetDescription> description =
      seq::parseTarget(target, error);
  if (!description || !description->isGPU()) {
    llvm::errs() << "seq-gpu-emu: --target: "
                 << (description ? "not a GPU target" : error) << "\n";
    return 2;
  }

  SmallVector<seq::EmulatorBuffer> arguments(kernel.getNumArguments());
  SmallVector<bool> given(arguments.size(), false);
  SmallVector<std::pair<int64_t, seq::EmulatorBuffer>> goldens;
  auto load = [&](StringRef spec, bool expected) -> int {
    int64_t index;
    std::string path;
    if (!splitSpec(spec, index, path) || index >= (int64_t)arguments.size()) {
      llvm::errs() << "seq-gpu-emu: bad argument '" << spec << "'\n";
      return 2;
    }
    auto type = dyn_cast<MemRefType>(kernel.getArgumentTypes()[index]);
    if (!type) {
      llvm::errs() << "seq-gpu-emu: argument " << index << " is no memref\n";
      return 2;
    }
    seq::EmulatorBuffer buffer;
    if (!readArray(path, type.getRank(), buffer, error)) {
      llvm::errs() << "seq-gpu-emu: " << error << "\n";
      return 1;
    }
    buffer.elementType = type.getElementType();
    if (expected) {
      goldens.push_back({index, buffer});
      // An argument given with --arg too is updated in place (a KV cache,
      // a status word): it starts from that data.
      if (given[index]) {
        if (arguments[index].shape != buffer.shape) {
          llvm::errs() << "seq-gpu-emu: argument " << index
                       << ": the --arg and --expect shapes differ\n";
          return 2;
        }
        return 0;
      }
      std::fill(buffer.data.begin(), buffer.data.end(), NAN);
    }
    arguments[index] = std::move(buffer);
    given[index] = true;
    return 0;
  };
  for (const std::string &spec : argFiles)
    if (int rc = load(spec, false))
      return rc;
  for (const std::string &spec : expectFiles)
    if (int rc = load(spec, true))
      return rc;
  for (const std::string &spec : scratchSpecs) {
    auto [number, dims] = StringRef(spec).split('=');
    int64_t index;
    if (number.getAsInteger(10, index) || index < 0 ||
        index >= (int64_t)arguments.size() || dims.empty()) {
      llvm::errs() << "seq-gpu-emu: bad scratch '" << spec << "'\n";
      return 2;
    }
    auto type = dyn_cast<MemRefType>(kernel.getArgumentTypes()[index]);
    SmallVector<StringRef> parts;
    dims.split(parts, 'x');
    seq::EmulatorBuffer buffer;
    int64_t count = 1;
    for (StringRef part : parts) {
      int64_t d;
      // At most 2^24 elements in all: the emulator is for test shapes.
      if (part.getAsInteger(10, d) || d <= 0 || d > (int64_t(1) << 24) ||
          count > (int64_t(1) << 24) / d) {
        llvm::errs() << "seq-gpu-emu: bad scratch shape '" << dims
                     << "' (positive extents, at most 2^24 elements)\n";
        return 2;
      }
      count *= d;
      buffer.shape.push_back(d);
    }
    if (!type || type.getRank() != (int64_t)buffer.shape.size()) {
      llvm::errs() << "seq-gpu-emu: scratch " << index
                   << " does not have the rank of the kernel's argument\n";
      return 2;
    }
    buffer.elementType = type.getElementType();
    buffer.data.assign(count, NAN);
    arguments[index] = std::move(buffer);
    given[index] = true;
  }
  SmallVector<std::pair<int64_t, std::string>> saves;
  for (const std::string &spec : saveFiles) {
    int64_t index;
    std::string path;
    if (!splitSpec(spec, index, path) || index >= (int64_t)arguments.size()) {
      llvm::errs() << "seq-gpu-emu: bad save '" << spec << "'\n";
      return 2;
    }
    saves.push_back({index, path});
  }
  for (const std::string &spec : aliasSpecs) {
    auto [number, other] = StringRef(spec).split('=');
    int64_t index, of;
    if (number.getAsInteger(10, index) || other.getAsInteger(10, of) ||
        index < 0 || of < 0 || index >= (int64_t)arguments.size() ||
        of >= (int64_t)arguments.size() || index == of || given[index] ||
        !given[of]) {
      llvm::errs() << "seq-gpu-emu: bad alias '" << spec
                   << "' (an argument not otherwise given, then one given)\n";
      return 2;
    }
    arguments[index].elementType = arguments[of].elementType;
    arguments[index].shape = arguments[of].shape;
    arguments[index].aliasOf = of;
    given[index] = true;
  }
  for (auto [i, isGiven] : llvm::enumerate(given))
    if (!isGiven) {
      llvm::errs() << "seq-gpu-emu: argument " << i << " not given\n";
      return 2;
    }

  seq::EmulatorStats stats;
  if (failed(seq::emulateKernel(kernel, description->warpSize, arguments, error,
                                &stats, !noRaceCheck))) {
    llvm::errs() << "seq-gpu-emu: " << kernel.getName() << ": " << error
                 << "\n";
    return 1;
  }
  llvm::outs() << "emulated " << kernel.getName() << " on "
               << description->name() << ": " << stats.blocks << " blocks x "
               << stats.threadsPerBlock << " threads, " << stats.barriers
               << " barriers, " << stats.collectives << " warp collectives\n";
  int status = 0;
  for (auto &[index, golden] : goldens) {
    const seq::EmulatorBuffer &got = arguments[index];
    int64_t bad = 0;
    double maxError = 0;
    for (size_t i = 0; i < golden.data.size(); ++i) {
      double expected = golden.data[i], actual = got.data[i];
      double diff = std::fabs(actual - expected);
      if (!(diff <= absTolerance + relTolerance * std::fabs(expected))) {
        if (bad < 5)
          llvm::outs() << "  output " << index << " element " << i << ": got "
                       << actual << ", expected " << expected << "\n";
        ++bad;
      }
      if (!std::isnan(diff))
        maxError = std::max(maxError, diff);
      else
        maxError = INFINITY;
    }
    llvm::outs() << "output " << index << ": " << golden.data.size()
                 << " values, max abs error " << maxError << ", " << bad
                 << " outside rtol " << relTolerance << " atol " << absTolerance
                 << "\n";
    if (bad)
      status = 1;
  }
  for (auto &[index, path] : saves) {
    const seq::EmulatorBuffer &buffer =
        arguments[index].aliasOf >= 0 ? arguments[arguments[index].aliasOf]
                                      : arguments[index];
    if (buffer.shape.size() > SEQRT_MAX_RANK) {
      llvm::errs() << "seq-gpu-emu: argument " << index
                   << " has too high a rank to save\n";
      return 1;
    }
    std::vector<float> values(buffer.data.begin(), buffer.data.end());
    seqrt_tensor tensor{};
    tensor.dtype = SEQRT_DTYPE_F32;
    tensor.rank = buffer.shape.size();
    for (auto [i, d] : llvm::enumerate(buffer.shape))
      tensor.shape[i] = d;
    tensor.data = values.data();
    if (!seqrt::writeNpy(path, tensor, error)) {
      llvm::errs() << "seq-gpu-emu: " << error << "\n";
      return 1;
    }
  }
  llvm::outs().flush();
  if (status)
    llvm::errs()
        << "seq-gpu-emu: FAILED: outputs differ from the golden data\n";
  return status;
}
