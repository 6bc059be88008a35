//===- TargetDescription.cpp - the targets seqc knows ---------------------===//
//
// This file implements target-spec parsing and the table of GPU chips:
// one row per chip with the numbers of its reference part (the SM/CU count
// of the largest part shipping that chip) and its matrix instructions.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/TargetDescription.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::seq;

namespace {
struct ChipRow {
  TargetKind kind;
  const char *chip;
  int64_t warpSize, multiprocessors, sharedMemoryPerBlock,
      registersPerMultiprocessor, maxRegistersPerThread, maxThreadsPerBlock;
  /// wgmma (sm_90a only: the "a" features are not forward compatible).
  bool wgmma;
};
} // namespace

// Shared memory per block is what a kernel gets without opting in to more
// (48 KiB on NVIDIA; the opt-in maxima are larger). AMD: 64 KiB of LDS.
static const ChipRow kChips[] = {
    {TargetKind::CUDA, "sm_80", 32, 108, 48 * 1024, 65536, 255, 1024, false},
    {TargetKind::CUDA, "sm_86", 32, 84, 48 * 1024, 65536, 255, 1024, false},
    {TargetKind::CUDA, "sm_89", 32, 128, 48 * 1024, 65536, 255, 1024, false},
    {TargetKind::CUDA, "sm_90", 32, 132, 48 * 1024, 65536, 255, 1024, false},
    {TargetKind::CUDA, "sm_90a", 32, 132, 48 * 1024, 65536, 255, 1024, true},
    {TargetKind::HIP, "gfx90a", 64, 110, 64 * 1024, 131072, 512, 1024, false},
    {TargetKind::HIP, "gfx942", 64, 304, 64 * 1024, 131072, 512, 1024, false},
};

static void addMatrixInstructions(const ChipRow &row, TargetDescription &t) {
  if (row.kind == TargetKind::CUDA) {
    // PTX ISA: mma.sync.aligned.m16n8k16 (f16, bf16 on sm_80+) and
    // m16n8k8 (tf32).
    t.matrixInstructions.push_back(
        {"mma.sync", 16, 8, 16, MatrixElementType::F16, 32});
    t.matrixInstructions.push_back(
        {"mma.sync", 16, 8, 16, MatrixElementType::BF16, 32});
    t.matrixInstructions.push_back(
        {"mma.sync", 16, 8, 8, MatrixElementType::TF32, 32});
    if (row.wgmma) {
      // wgmma.mma_async.m64nNk16 (N = 8..256), issued by a warpgroup.
      t.matrixInstructions.push_back(
          {"wgmma", 64, 128, 16, MatrixElementType::F16, 128});
      t.matrixInstructions.push_back(
          {"wgmma", 64, 128, 16, MatrixElementType::BF16, 128});
    }
    return;
  }
  // CDNA2/3: v_mfma_f32_16x16x16{f16,bf16(_1k)} and 32x32x8.
  for (MatrixElementType type :
       {MatrixElementType::F16, MatrixElementType::BF16}) {
    t.matrixInstructions.push_back({"mfma", 16, 16, 16, type, 64});
    t.matrixInstructions.push_back({"mfma", 32, 32, 8, type, 64});
  }
}

std::optional<MatrixInstruction>
TargetDescription::findMatrixInstruction(MatrixElementType elementType,
                                         int64_t issuing) const {
  for (const MatrixInstruction &instruction : matrixInstructions)
    if (instruction.elementType == elementType &&
        instruction.threads == (issuing ? issuing : warpSize))
      return instruction;
  return std::nullopt;
}

std::string TargetDescription::name() const {
  switch (kind) {
  case TargetKind::CPU:
    return "cpu";
  case TargetKind::CUDA:
    return "cuda:" + chip;
  case TargetKind::HIP:
    return "hip:" + chip;
  }
  return "";
}

TargetDescription seq::describeCPU(int64_t vectorWidth) {
  TargetDescription target;
  target.vectorWidth = vectorWidth;
  return target;
}

llvm::SmallVector<llvm::StringRef> seq::knownChips(TargetKind kind) {
  llvm::SmallVector<llvm::StringRef> chips;
  for (const ChipRow &row : kChips)
    if (row.kind == kind)
      chips.push_back(row.chip);
  return chips;
}

std::optional<TargetDescription> seq::parseTarget(llvm::StringRef spec,
                                                  std::string &error) {
  spec = spec.trim();
  if (spec == "cpu")
    return describeCPU(TargetDescription().vectorWidth);
  auto [kindName, chip] = spec.split(':');
  TargetKind kind;
  if (kindName == "cuda")
    kind = TargetKind::CUDA;
  else if (kindName == "hip")
    kind = TargetKind::HIP;
  else {
    error = "unknown target '" + spec.str() +
            "' (expected cpu, cuda:<sm_NN> or hip:<gfxNNN>)";
    return std::nullopt;
  }
  for (const ChipRow &row : kChips) {
    if (row.kind != kind || chip != row.chip)
      continue;
    TargetDescription target;
    target.kind = kind;
    target.chip = row.chip;
    target.vectorWidth = 0;
    target.warpSize = row.warpSize;
    target.multiprocessors = row.multiprocessors;
    target.sharedMemoryPerBlock = row.sharedMemoryPerBlock;
    target.registersPerMultiprocessor = row.registersPerMultiprocessor;
    target.maxRegistersPerThread = row.maxRegistersPerThread;
    target.maxThreadsPerBlock = row.maxThreadsPerBlock;
    addMatrixInstructions(row, target);
    return target;
  }
  llvm::raw_string_ostream os(error);
  os << "unknown " << kindName << " chip '" << chip << "' (known: ";
  llvm::interleaveComma(knownChips(kind), os);
  os << ")";
  return std::nullopt;
}

bool seq::parseTargetList(llvm::StringRef list,
                          llvm::SmallVectorImpl<TargetDescription> &targets,
                          std::string &error) {
  llvm::SmallVector<llvm::StringRef> specs;
  list.split(specs, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/true);
  llvm::StringSet<> seen;
  for (llvm::StringRef spec : specs) {
    std::optional<TargetDescription> target = parseTarget(spec, error);
    if (!target)
      return false;
    if (!seen.insert(target->name()).second) {
      error = "target '" + target->name() + "' is named twice";
      return false;
    }
    targets.push_back(std::move(*target));
  }
  return true;
}
