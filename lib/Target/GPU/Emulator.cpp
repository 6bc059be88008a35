//===- Emulator.cpp - GPU kernels executed on the CPU ---------------------===//
//
// This file implements the GPU emulator. Each thread of a block is a fiber
// (ucontext) interpreting the kernel's ops; it runs until it reaches a
// gpu.barrier, a warp collective (gpu.shuffle, nvgpu.mma.sync,
// amdgpu.mfma) or the end. The scheduler releases a barrier when every
// thread of the block waits on it, and a collective when every lane of
// the warp waits on the same op; it then computes the collective from
// the lanes' operands with the instruction's per-lane fragment layout:
//
//   mma.sync m16n8k16 (PTX ISA), lane l, group g = l >> 2, t = l & 3:
//     A[g + 8 (r & 1)][2t + j + 8 (r >> 1)] = a[r][j]   (r < 4, j < 2)
//     B[2t + j + 8r][g]                     = b[r][j]   (r < 2, j < 2)
//     C[g + 8r][2t + j]                     = c[r][j]   (r < 2, j < 2)
//   mfma 16x16x16 (CDNA ISA, wave64), lane l:
//     A[l % 16][4 (l / 16) + j] = a[j], B[4 (l / 16) + j][l % 16] = b[j],
//     D[4 (l / 16) + j][l % 16] = d[j]                  (j < 4)
//
// Workgroup memory starts as NaN (uninitialised), every access is bounds
// checked, and each workgroup element remembers its last writer and
// readers since the last barrier: an access by another thread that the
// GPU would not order is reported as a race.
//
// cp.async (nvgpu.device_async_copy; nvgpu.device_async_create_group or
// nvvm.cp.async.commit.group; nvgpu.device_async_wait or
// nvvm.cp.async.wait.group) has its PTX
// semantics: a copy reads its source when issued and writes its
// destination only when the issuing thread waits for its group
// (cp.async.wait_group N lands every committed group but the newest N;
// copies not yet committed are not waited for). Until then the
// destination elements are in flight: any access to them, by any thread,
// is reported (the data would be stale on a GPU), and the landing write
// counts as the issuing thread's write at the wait, so other threads
// need a barrier after the wait before they read it.
//
// wgmma (sm_90a; nvvm.wgmma.*) is a warpgroup collective: the 128 threads
// of a warpgroup (4 consecutive warps) meet at each wgmma.mma_async,
// wgmma.commit_group and wgmma.wait_group. Workgroup buffers get
// shared-window addresses (from 1024, 128-byte aligned; what
// memref.extract_aligned_pointer_as_index returns), and wgmma.mma_async
// reads A (M x K, K-major) and B (K x N, K-major) from shared memory
// through its 64-bit descriptors (PTX ISA, "Matrix Descriptor Format"):
// start address ((d & 0x3FFF) << 4), leading byte offset (bits 16-29,
// between core matrices along K), stride byte offset (bits 32-45, between
// 8-row groups), no swizzle (bits 62-63 = 0, base offset 0): element
// (r, k) at start + (r / 8) SBO + (k / 8) LBO + (r % 8) 16 + (k % 8) 2.
// The accumulator of m64nNk16 (f32): thread t, warp w = t / 32 of the
// warpgroup, lane l, register i holds D[16 w + l / 4 + 8 ((i / 2) % 2)]
// [8 (i / 4) + 2 (l % 4) + i % 2]. The result is asynchronous: reading it
// (any op but another wgmma.mma_async's accumulator operand) before a
// wgmma.wait_group retires its group is reported, and so is a write to
// shared memory an unretired wgmma reads. A retired wgmma's reads count
// as reads in that barrier interval (the next writer needs a barrier).
// A wgmma.mma_async whose accumulator was not made by a wgmma needs a
// wgmma.fence by every thread since its last wait_group, and each
// element it reads must have been fenced by its writer
// (fence.proxy.async: generic-proxy stores and cp.async copies become
// visible to the async proxy) and written before the last barrier.
//
// The register-A form of wgmma (A from registers, B through its
// descriptor; PTX has it, nvvm.wgmma.mma_async does not) arrives as
// llvm.inline_asm whose text is the PTX instruction
//   wgmma.mma_async.sync.aligned.m64nNk16.f32.T.T {d...}, {a0, a1, a2, a3},
//     b-desc, p, 1, 1, 0;   (p from "setp.ne.b32 p, 1 or 0, 0": scale-d)
// with `$i` operands resolved through the constraint string (outputs
// first, then the inputs; an input whose constraint is the digit j is tied
// to output j, the accumulator). The A fragment (PTX ISA, "Register
// fragment layout for wgmma .m64nNk16", A, .f16/.bf16): thread t, warp
// w = t / 32, lane l, element i (register i / 2, half i % 2) is
//   A[16 w + l / 4 + 8 ((i / 2) % 2)][2 (l % 4) + i % 2 + 8 (i / 4)],
// the m16n8k16 A layout per warp. llvm.extractvalue is a register rename:
// a field extracted from an unretired accumulator stays unretired (only
// another wgmma may consume it before the wait); the A registers were
// written by other instructions, so a wgmma.fence since the last
// wait_group is required, as for an accumulator that a wgmma did not make.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/GPU/Emulator.h"

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <ucontext.h>

using namespace mlir;
using namespace mlir::seq;

double seq::roundToType(double value, Type type) {
  if (type.isF64() || !isa<FloatType>(type))
    return value;
  if (type.isF32())
    return static_cast<double>(static_cast<float>(value));
  if (type.isBF16()) {
    float f = static_cast<float>(value);
    if (std::isnan(f))
      return value;
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    bits += 0x7fff + ((bits >> 16) & 1); // round to nearest even
    bits &= 0xffff0000u;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  llvm::APFloat apf(value);
  bool lost;
  apf.convert(cast<FloatType>(type).getFloatSemantics(),
              llvm::APFloat::rmNearestTiesToEven, &lost);
  apf.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
              &lost);
  return apf.convertToDouble();
}

namespace {
/// What is known about a workgroup element since the last barrier.
struct Shadow {
  int64_t writeEpoch = -1, readEpoch = -1;
  int32_t writer = -1, reader = -1; ///< reader -2: several threads;
                                    ///< -3 - w: the threads of warpgroup w
  int32_t asyncWriter = -1;         ///< the thread whose cp.async is in flight
  int32_t wgmmaReader = -1; ///< the warpgroup whose wgmma reads it, unretired
  int64_t writerFences = 0; ///< the writer's fence.proxy.async count then
};

struct Memory {
  EmulatorBuffer *buffer;
  bool shared;
  std::vector<Shadow> shadow;
  bool constant = false; ///< a constant memref.global of the gpu.module
  int64_t address = 0;   ///< workgroup memory: its shared-window address
  int64_t alignment = 0; ///< workgroup memory: its declared alignment
};

/// A value: scalars and vectors as doubles (row-major), memrefs by their
/// memory.
struct RtValue {
  SmallVector<double, 8> v;
  Memory *memory = nullptr;
  /// A wgmma.mma_async result (a chain of them): readable once the
  /// warpgroup's group wgmmaGroup is retired.
  bool fromWgmma = false;
  int64_t wgmmaGroup = -1;
};

enum class Wait { Runnable, Barrier, Collective, Done, Failed };

/// A cp.async in flight: its source as read at issue, and where it lands.
struct AsyncCopy {
  Memory *memory;
  int64_t offset;
  SmallVector<double, 8> data;
};

struct Thread {
  int32_t id = 0;
  llvm::DenseMap<Value, RtValue> env;
  Wait wait = Wait::Runnable;
  Operation *waitOp = nullptr;
  SmallVector<RtValue, 3> operands; ///< of the pending collective
  SmallVector<RtValue, 2> results;  ///< its results, set by the scheduler
  /// cp.async copies issued and not committed, and the committed groups
  /// not yet waited for (oldest first).
  SmallVector<AsyncCopy, 4> uncommitted;
  std::deque<SmallVector<AsyncCopy, 4>> groups;
  /// wgmma.fence executed since the last wgmma.wait_group; the number of
  /// fence.proxy.async executed.
  bool wgmmaFenced = false;
  int64_t proxyFences = 0;
  ucontext_t context;
  std::unique_ptr<char[]> stack;
};

constexpr size_t kStackBytes = 256 * 1024;
constexpr int64_t kWarpgroupThreads = 128;

/// An llvm.inline_asm holding a wgmma.mma_async (the register-A form).
bool isWgmmaAsm(Operation *op) {
  auto asmOp = dyn_cast<LLVM::InlineAsmOp>(op);
  return asmOp && asmOp.getAsmString().contains("wgmma.mma_async");
}

/// The register-A wgmma of an llvm.inline_asm, as its PTX text and
/// constraints say: D registers $0 .. $(N/2 - 1) (the outputs, in order),
/// each tied to an input (the accumulator), the four A registers and the B
/// descriptor as inputs (operand indices of the op).
struct WgmmaAsm {
  int64_t n = 0;
  bool bf16 = true;
  bool scaleD = true;
  SmallVector<int64_t> accumulatorInputs; ///< per D register
  SmallVector<int64_t> aInputs;           ///< 4
  int64_t descriptorB = -1;
};

/// Reads `op`'s wgmma, or std::nullopt with `why` set. Accepted:
///   { .reg .pred p; setp.ne.b32 p, S, 0;
///     wgmma.mma_async.sync.aligned.m64nNk16.f32.T.T {D}, {A}, $b, p, 1, 1,
///     0; }
/// with S 0 or 1 (scale-d), T bf16 or f16, no scaling of A and B and no
/// transpose of B (imm-scale-a, imm-scale-b 1, imm-trans-b 0).
std::optional<WgmmaAsm> parseWgmmaAsm(LLVM::InlineAsmOp op, std::string &why) {
  WgmmaAsm result;
  // Constraints: outputs ("=f") first, then inputs; an input of digits is
  // tied to that output.
  SmallVector<StringRef> constraints;
  StringRef(op.getConstraints()).split(constraints, ',');
  int64_t outputs = 0;
  while (outputs < (int64_t)constraints.size() &&
         constraints[outputs].starts_with("="))
    ++outputs;
  int64_t inputs = (int64_t)constraints.size() - outputs;
  if (inputs != (int64_t)op.getOperands().size()) {
    why = "the constraints do not name every operand";
    return std::nullopt;
  }
  StringRef text = op.getAsmString();
  // scale-d: the predicate p.
  size_t setp = text.find("setp.ne.b32 p, ");
  if (setp == StringRef::npos) {
    why = "no 'setp.ne.b32 p, <0 or 1>, 0' for scale-d";
    return std::nullopt;
  }
  StringRef scale = text.drop_front(setp + strlen("setp.ne.b32 p, "));
  if (scale.starts_with("1, 0;"))
    result.scaleD = true;
  else if (scale.starts_with("0, 0;"))
    result.scaleD = false;
  else {
    why = "scale-d is not a constant 0 or 1";
    return std::nullopt;
  }
  StringRef prefix = "wgmma.mma_async.sync.aligned.m64n";
  size_t at = text.find(prefix);
  if (at == StringRef::npos) {
    why = "no wgmma.mma_async.sync.aligned.m64nNk16";
    return std::nullopt;
  }
  StringRef rest = text.drop_front(at + prefix.size());
  if (rest.consumeInteger(10, result.n) || !rest.consume_front("k16.f32.")) {
    why = "the shape is not m64nNk16 with an f32 accumulator";
    return std::nullopt;
  }
  if (rest.consume_front("bf16.bf16"))
    result.bf16 = true;
  else if (rest.consume_front("f16.f16"))
    result.bf16 = false;
  else {
    why = "the inputs are not bf16 x bf16 or f16 x f16";
    return std::nullopt;
  }
  if (result.n < 8 || result.n > 256 || result.n % 8) {
    why = "N is not a multiple of 8 from 8 to 256";
    return std::nullopt;
  }
  rest = rest.take_until([](char ch) { return ch == ';'; }).trim();
  // Operands at top level (a brace list is one).
  SmallVector<StringRef> operands;
  int depth = 0;
  size_t begin = 0;
  for (size_t i = 0; i <= rest.size(); ++i) {
    char ch = i < rest.size() ? rest[i] : ',';
    if (ch == '{')
      ++depth;
    else if (ch == '}')
      --depth;
    else if (ch == ',' && depth == 0) {
      operands.push_back(rest.slice(begin, i).trim());
      begin = i + 1;
    }
  }
  if (operands.size() != 7 || operands[3] != "p" || operands[4] != "1" ||
      operands[5] != "1" || operands[6] != "0") {
    why = "the operands are not {d}, {a}, b-desc, p, 1, 1, 0 (register A, "
          "no scaling, B not transposed)";
    return std::nullopt;
  }
  // $i: output i below `outputs`, else input i - outputs.
  auto reference = [&](StringRef ref, int64_t &index) {
    ref = ref.trim();
    return ref.consume_front("$") && !ref.getAsInteger(10, index);
  };
  auto list = [&](StringRef braces, SmallVectorImpl<int64_t> &out) {
    if (!braces.consume_front("{") || !braces.consume_back("}"))
      return false;
    SmallVector<StringRef> items;
    braces.split(items, ',');
    for (StringRef item : items) {
      int64_t index;
      if (!reference(item, index))
        return false;
      out.push_back(index);
    }
    return true;
  };
  SmallVector<int64_t> d, a;
  int64_t descriptor;
  if (!list(operands[0], d) || !list(operands[1], a) ||
      !reference(operands[2], descriptor)) {
    why = "an operand is not a $ reference";
    return std::nullopt;
  }
  if ((int64_t)d.size() != result.n / 2 || outputs != result.n / 2 ||
      a.size() != 4) {
    why = "D is not N / 2 outputs or A not 4 registers";
    return std::nullopt;
  }
  for (auto [j, ref] : llvm::enumerate(d)) {
    if (ref != (int64_t)j) {
      why = "D is not $0 .. $(N/2 - 1) in order";
      return std::nullopt;
    }
    // The input tied to output j.
    int64_t tied = -1;
    for (int64_t i = 0; i < inputs; ++i)
      if (constraints[outputs + i] == std::to_string(j))
        tied = i;
    if (tied < 0) {
      why = "a D register has no tied accumulator input";
      return std::nullopt;
    }
    result.accumulatorInputs.push_back(tied);
  }
  Type element = result.bf16 ? Type(BFloat16Type::get(op.getContext()))
                             : Float16Type::get(op.getContext());
  for (int64_t ref : a) {
    int64_t input = ref - outputs;
    auto type = input >= 0 && input < inputs
                    ? dyn_cast<VectorType>(op.getOperand(input).getType())
                    : VectorType();
    if (!type || type.getShape() != ArrayRef<int64_t>{2} ||
        type.getElementType() != element) {
      why = "an A register is not a pair of the input type";
      return std::nullopt;
    }
    result.aInputs.push_back(input);
  }
  result.descriptorB = descriptor - outputs;
  if (result.descriptorB < 0 || result.descriptorB >= inputs ||
      !op.getOperand(result.descriptorB).getType().isInteger(64)) {
    why = "the B descriptor is not an i64 input";
    return std::nullopt;
  }
  return result;
}

/// A wgmma collective of the scheduler (the NVVM ops and the register-A
/// inline assembly).
bool isWarpgroupCollective(Operation *op) {
  return isa<NVVM::WgmmaMmaAsyncOp, NVVM::WgmmaGroupSyncAlignedOp,
             NVVM::WgmmaWaitGroupSyncOp>(op) ||
         isWgmmaAsm(op);
}

/// The Shadow::reader code of warpgroup `index`.
int32_t warpgroupReader(int64_t index) { return -3 - (int32_t)index; }
/// Whether `reader` (a Shadow::reader) is thread `id` or its warpgroup.
bool isReader(int32_t reader, int32_t id) {
  return reader == id ||
         (reader <= -3 && reader == warpgroupReader(id / kWarpgroupThreads));
}

/// The wgmma state of a warpgroup: the shared elements its wgmma.mma_async
/// read, per commit group (uncommitted, then committed oldest first).
struct Warpgroup {
  int64_t committed = 0, retired = 0, lastIssued = -1;
  std::vector<std::pair<Memory *, int64_t>> uncommitted;
  std::deque<std::vector<std::pair<Memory *, int64_t>>> groups;
};

class Emulator {
public:
  Emulator(gpu::GPUFuncOp kernel, int64_t warpSize, bool checkRaces,
           std::string &error)
      : kernel(kernel), warpSize(warpSize), checkRaces(checkRaces),
        error(error) {}

  LogicalResult run(MutableArrayRef<EmulatorBuffer> arguments,
                    EmulatorStats *stats);

  static void fiberEntry();

private:
  bool fail(Operation *op, const Twine &message);
  bool execBlock(Block &block, Thread &t, SmallVectorImpl<RtValue> *yielded);
  bool execOp(Operation &op, Thread &t);
  bool suspend(Thread &t, Wait wait, Operation *op);
  bool access(Operation *op, Thread &t, Value memref, ValueRange indices,
              bool isWrite, int64_t &offset);
  /// The row-major offset of `indices` into `memref`, bounds checked.
  bool locate(Operation *op, Thread &t, Value memref, ValueRange indices,
              int64_t &offset);
  bool asyncCopy(nvgpu::DeviceAsyncCopyOp copy, Thread &t);
  /// Lands the thread's committed groups but the newest `keep`.
  bool asyncWait(Operation *op, Thread &t, int64_t keep);
  LogicalResult resolveCollective(ArrayRef<Thread *> lanes);
  /// A wgmma collective of the 128 lanes of warpgroup `index`.
  LogicalResult resolveWarpgroup(ArrayRef<Thread *> lanes, int64_t index);
  Warpgroup &warpgroupOf(const Thread &t) {
    return warpgroups[t.id / kWarpgroupThreads];
  }
  /// A scalar operand; 0 after reporting a value the thread never defined.
  double scalar(Thread &t, Value v) {
    auto it = t.env.find(v);
    if (it == t.env.end() || it->second.v.empty()) {
      fail(v.getDefiningOp(), "use of a value with no scalar definition");
      return 0;
    }
    return it->second.v[0];
  }

  gpu::GPUFuncOp kernel;
  int64_t warpSize;
  bool checkRaces;
  std::string &error;
  std::vector<std::unique_ptr<Thread>> threads;
  std::vector<std::unique_ptr<Memory>> memories;
  std::vector<EmulatorBuffer> sharedBuffers;
  std::vector<Warpgroup> warpgroups;
  /// The gpu.module's constant globals, made on first use.
  llvm::DenseMap<Operation *, Memory *> globals;
  std::vector<std::unique_ptr<EmulatorBuffer>> globalBuffers;
  int64_t block[3] = {1, 1, 1}, grid[3] = {1, 1, 1}, blockId[3] = {0, 0, 0};
  int64_t epoch = 0;
  EmulatorStats local;
  ucontext_t scheduler;
  Thread *current = nullptr;
};

thread_local Emulator *gEmulator = nullptr;
} // namespace

bool Emulator::fail(Operation *op, const Twine &message) {
  if (error.empty()) {
    llvm::raw_string_ostream os(error);
    os << "block (" << blockId[0] << ", " << blockId[1] << ", " << blockId[2]
       << ")";
    if (current)
      os << ", thread " << current->id;
    if (op)
      os << ", '" << op->getName() << "' at " << op->getLoc();
    os << ": " << message;
  }
  if (current)
    current->wait = Wait::Failed;
  return false;
}

bool Emulator::suspend(Thread &t, Wait wait, Operation *op) {
  if (t.wait == Wait::Failed)
    return false;
  t.wait = wait;
  t.waitOp = op;
  swapcontext(&t.context, &scheduler);
  return t.wait != Wait::Failed;
}

void Emulator::fiberEntry() {
  Emulator &emu = *gEmulator;
  Thread &t = *emu.current;
  Block &body = emu.kernel.getBody().front();
  if (emu.execBlock(body, t, nullptr) && t.wait != Wait::Failed)
    t.wait = Wait::Done;
  swapcontext(&t.context, &emu.scheduler);
}

bool Emulator::locate(Operation *op, Thread &t, Value memref,
                      ValueRange indices, int64_t &offset) {
  Memory *memory = t.env[memref].memory;
  if (!memory)
    return fail(op, "memref without memory");
  EmulatorBuffer &buffer = *memory->buffer;
  if (indices.size() != buffer.shape.size())
    return fail(op, "index count does not match the memref rank");
  offset = 0;
  for (auto [i, index] : llvm::enumerate(indices)) {
    double d = scalar(t, index);
    int64_t value = static_cast<int64_t>(d);
    if (d < 0 || value >= buffer.shape[i]) {
      std::string where;
      llvm::raw_string_ostream os(where);
      os << (memory->shared ? "workgroup" : "global") << " memory access out "
         << "of bounds: index " << value << " of dimension " << i << " (size "
         << buffer.shape[i] << ")";
      return fail(op, where);
    }
    offset = offset * buffer.shape[i] + value;
  }
  return true;
}

bool Emulator::access(Operation *op, Thread &t, Value memref,
                      ValueRange indices, bool isWrite, int64_t &offset) {
  if (!locate(op, t, memref, indices, offset))
    return false;
  Memory *memory = t.env[memref].memory;
  if (!memory->shared || !checkRaces)
    return true;
  Shadow &s = memory->shadow[offset];
  if (s.asyncWriter >= 0)
    return fail(op, llvm::formatv("shared-memory race: {0} element {1} while "
                                  "a cp.async of thread {2} into it is in "
                                  "flight (no cp.async wait for its group)",
                                  isWrite ? "write of" : "read of", offset,
                                  s.asyncWriter)
                        .str());
  auto race = [&](StringRef what, int32_t other) {
    return fail(op, llvm::formatv("shared-memory race: {0} element {1} "
                                  "{2} by thread {3} with no barrier between",
                                  isWrite ? "write of" : "read of", offset,
                                  what, other)
                        .str());
  };
  if (s.writeEpoch == epoch && s.writer != t.id)
    return race("written", s.writer);
  if (isWrite) {
    if (s.wgmmaReader >= 0)
      return fail(op, llvm::formatv("shared-memory race: write of element "
                                    "{0} while a wgmma.mma_async of "
                                    "warpgroup {1} reads it (no "
                                    "wgmma.wait_group for its group)",
                                    offset, s.wgmmaReader)
                          .str());
    if (s.readEpoch == epoch && !isReader(s.reader, t.id))
      return race("read", s.reader < 0 ? -1 : s.reader);
    s.writeEpoch = epoch;
    s.writer = t.id;
    s.writerFences = t.proxyFences;
  } else {
    if (s.readEpoch == epoch && !isReader(s.reader, t.id))
      s.reader = -2;
    else
      s.reader = t.id;
    s.readEpoch = epoch;
  }
  return true;
}

/// NaN and values outside int64 (an index computed from a NaN or a huge
/// float in a mutated kernel) give INT64_MIN, as x86's cvttsd2si does, so
/// the bounds checks report the access; a plain cast would be undefined
/// (UBSan: "nan is outside the range of representable values").
static int64_t toInt(double d) {
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
    return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(d);
}

/// Two's-complement (wrapping) integer arithmetic on the int64 values of
/// two operands, as the hardware does; signed overflow in C++ is undefined
/// (UBSan: INT64_MIN + INT64_MIN from two NaN indices of a mutated kernel).
static double wrapping(uint64_t v) {
  return static_cast<double>(static_cast<int64_t>(v));
}
static uint64_t bitsOf(double d) { return static_cast<uint64_t>(toInt(d)); }

bool Emulator::asyncCopy(nvgpu::DeviceAsyncCopyOp copy, Thread &t) {
  Memory *dst = t.env[copy.getDst()].memory;
  Memory *src = t.env[copy.getSrc()].memory;
  if (!dst || !src || !dst->shared || src->shared)
    return fail(copy, "cp.async copies global to workgroup memory");
  int64_t count = copy.getDstElements().getSExtValue();
  int64_t elementBytes = src->buffer->elementType.getIntOrFloatBitWidth() / 8;
  int64_t bytes = count * elementBytes;
  if (bytes != 4 && bytes != 8 && bytes != 16)
    return fail(copy, "cp.async copies 4, 8 or 16 bytes");
  if (copy.getBypassL1() && bytes != 16)
    return fail(copy, "cp.async.cg (bypassL1) copies 16 bytes");
  // PTX: the shared address is aligned to the copy size. Only the buffer's
  // declared alignment is known (llvm.align, else its element's size: what
  // the lowering gives the shared global); the offset is checked below.
  if (dst->alignment < bytes)
    return fail(copy, llvm::formatv("misaligned cp.async: its workgroup "
                                    "buffer is aligned to {0} bytes "
                                    "(llvm.align), a {1}-byte copy needs {1}",
                                    dst->alignment, bytes)
                          .str());
  int64_t srcCount = count;
  if (Value n = copy.getSrcElements())
    srcCount = static_cast<int64_t>(scalar(t, n));
  if (srcCount < 0 || srcCount > count)
    return fail(copy, llvm::formatv("cp.async reads {0} of its {1} elements",
                                    srcCount, count)
                          .str());
  int64_t srcOffset, dstOffset;
  if (!locate(copy, t, copy.getSrc(), copy.getSrcIndices(), srcOffset) ||
      !locate(copy, t, copy.getDst(), copy.getDstIndices(), dstOffset))
    return false;
  // The bytes read (srcElements) and written lie in the innermost
  // dimension, at the copy size's alignment (buffers start aligned).
  auto checkRange = [&](Memory *memory, ValueRange indices, int64_t offset,
                        int64_t n, StringRef what) {
    EmulatorBuffer &buffer = *memory->buffer;
    int64_t last = toInt(scalar(t, indices.back())) + n - 1;
    if (n > 0 && last >= buffer.shape.back())
      return fail(copy, llvm::formatv("{0} memory access out of bounds: "
                                      "cp.async of {1} ends at index {2} of "
                                      "the last dimension (size {3})",
                                      what, n, last, buffer.shape.back())
                            .str());
    if (offset * elementBytes % bytes)
      return fail(copy, llvm::formatv("misaligned cp.async: {0} byte offset "
                                      "{1} is not a multiple of {2}",
                                      what, offset * elementBytes, bytes)
                            .str());
    return true;
  };
  if (!checkRange(src, copy.getSrcIndices(), srcOffset, srcCount, "global") ||
      !checkRange(dst, copy.getDstIndices(), dstOffset, count, "workgroup"))
    return false;
  for (int64_t i = 0; i < count; ++i) {
    Shadow &s = dst->shadow[dstOffset + i];
    if (checkRaces) {
      auto race = [&](StringRef what, int32_t other) {
        return fail(copy, llvm::formatv("shared-memory race: cp.async into "
                                        "element {0} {1} by thread {2} with "
                                        "no barrier between",
                                        dstOffset + i, what, other)
                              .str());
      };
      if (s.asyncWriter >= 0)
        return race("already in flight", s.asyncWriter);
      if (s.wgmmaReader >= 0)
        return fail(copy, llvm::formatv("shared-memory race: cp.async into "
                                        "element {0} while a wgmma.mma_async "
                                        "of warpgroup {1} reads it (no "
                                        "wgmma.wait_group for its group)",
                                        dstOffset + i, s.wgmmaReader)
                              .str());
      if (s.writeEpoch == epoch && s.writer != t.id)
        return race("written", s.writer);
      if (s.readEpoch == epoch && !isReader(s.reader, t.id))
        return race("read", s.reader < 0 ? -1 : s.reader);
    }
    s.asyncWriter = t.id;
  }
  AsyncCopy pending{dst, dstOffset, {}};
  const std::vector<double> &data = src->buffer->data;
  pending.data.assign(data.begin() + srcOffset,
                      data.begin() + srcOffset + srcCount);
  pending.data.resize(count, 0.0); // zero fill past srcElements
  t.uncommitted.push_back(std::move(pending));
  return true;
}

bool Emulator::asyncWait(Operation *op, Thread &t, int64_t keep) {
  while ((int64_t)t.groups.size() > keep) {
    for (AsyncCopy &copy : t.groups.front())
      for (auto [i, value] : llvm::enumerate(copy.data)) {
        int64_t offset = copy.offset + i;
        Shadow &s = copy.memory->shadow[offset];
        s.asyncWriter = -1;
        // The copy lands at the wait: a write by this thread now.
        if (checkRaces) {
          if (s.writeEpoch == epoch && s.writer != t.id)
            return fail(op, llvm::formatv("shared-memory race: cp.async "
                                          "lands in element {0} written by "
                                          "thread {1} with no barrier "
                                          "between",
                                          offset, s.writer)
                                .str());
          if (s.readEpoch == epoch && !isReader(s.reader, t.id))
            return fail(op, llvm::formatv("shared-memory race: cp.async "
                                          "lands in element {0} read by "
                                          "thread {1} with no barrier "
                                          "between",
                                          offset, s.reader < 0 ? -1 : s.reader)
                                .str());
          if (s.wgmmaReader >= 0)
            return fail(op, llvm::formatv("shared-memory race: cp.async "
                                          "lands in element {0} while a "
                                          "wgmma.mma_async of warpgroup {1} "
                                          "reads it (no wgmma.wait_group "
                                          "for its group)",
                                          offset, s.wgmmaReader)
                                .str());
          s.writeEpoch = epoch;
          s.writer = t.id;
          s.writerFences = t.proxyFences;
        }
        copy.memory->buffer->data[offset] = value;
      }
    t.groups.pop_front();
  }
  return true;
}
static uint64_t toUInt(double d) {
  return static_cast<uint64_t>(static_cast<int64_t>(d));
}

/// The bit width of an integer (or index: 64) element type.
static unsigned intWidth(Type type) {
  type = getElementTypeOrSelf(type);
  return type.isIndex() ? 64 : type.getIntOrFloatBitWidth();
}

/// `value` wrapped to `width` bits as the hardware does: integers narrower
/// than 64 bits are held as their sign-extended value (i1 as 0 or 1).
static double wrapInt(uint64_t value, unsigned width) {
  if (width >= 64)
    return static_cast<double>(static_cast<int64_t>(value));
  if (width == 1)
    return static_cast<double>(value & 1);
  unsigned shift = 64 - width;
  return static_cast<double>(static_cast<int64_t>(value << shift) >> shift);
}

/// An integer of `width` bits read as unsigned.
static uint64_t asUnsigned(double d, unsigned width) {
  uint64_t u = toUInt(d);
  return width >= 64 ? u : u & ((uint64_t(1) << width) - 1);
}

/// The row-major offset of a static vector position.
static int64_t vectorOffset(VectorType type, ArrayRef<int64_t> position,
                            int64_t &count) {
  ArrayRef<int64_t> shape = type.getShape();
  int64_t offset = 0;
  for (size_t i = 0; i < shape.size(); ++i)
    offset = offset * shape[i] + (i < position.size() ? position[i] : 0);
  count = 1;
  for (size_t i = position.size(); i < shape.size(); ++i)
    count *= shape[i];
  return offset;
}

bool Emulator::execOp(Operation &op, Thread &t) {
  auto set = [&](Value result, RtValue value) {
    t.env[result] = std::move(value);
    return true;
  };
  auto setScalar = [&](Value result, double d) {
    RtValue value;
    value.v.push_back(d);
    return set(result, std::move(value));
  };
  // Elementwise arithmetic over scalars and vectors.
  auto elementwise = [&](auto fn) {
    const RtValue &a = t.env[op.getOperand(0)];
    RtValue result;
    result.v.resize(a.v.size());
    for (size_t i = 0; i < a.v.size(); ++i) {
      double b = op.getNumOperands() > 1 ? t.env[op.getOperand(1)].v[i] : 0;
      result.v[i] = fn(a.v[i], b);
    }
    Type element = getElementTypeOrSelf(op.getResult(0).getType());
    for (double &d : result.v)
      d = element.isIntOrIndex() ? wrapInt(toUInt(d), intWidth(element))
                                 : roundToType(d, element);
    return set(op.getResult(0), std::move(result));
  };
  // A wgmma result is read only after a wait_group retires its group (a
  // loop carries it, another wgmma.mma_async accumulates into it).
  if (!warpgroups.empty() &&
      !isa<scf::ForOp, NVVM::WgmmaMmaAsyncOp, LLVM::ExtractValueOp>(op) &&
      !isWgmmaAsm(&op)) {
    Warpgroup &group = warpgroupOf(t);
    if (group.lastIssued >= group.retired)
      for (Value operand : op.getOperands()) {
        auto it = t.env.find(operand);
        if (it != t.env.end() && it->second.fromWgmma &&
            it->second.wgmmaGroup >= group.retired)
          return fail(&op, "read of a wgmma.mma_async accumulator before "
                           "wgmma.wait_group retires its group");
      }
  }
  return llvm::TypeSwitch<Operation *, bool>(&op)
      .Case([&](arith::ConstantOp c) {
        RtValue value;
        Attribute attr = c.getValue();
        auto scalarOf = [](Attribute a) -> double {
          if (auto f = dyn_cast<FloatAttr>(a))
            return f.getValueAsDouble();
          auto i = cast<IntegerAttr>(a);
          // (Both arms as double: a uint64_t/int64_t ternary would read a
          // negative constant as 2^64 - |c|.)
          return i.getType().isInteger(1)
                     ? static_cast<double>(i.getValue().getZExtValue())
                     : static_cast<double>(i.getValue().getSExtValue());
        };
        if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
          for (Attribute e : dense.getValues<Attribute>())
            value.v.push_back(scalarOf(e));
        } else if (isa<FloatAttr, IntegerAttr>(attr)) {
          value.v.push_back(scalarOf(attr));
        } else {
          return fail(&op, "unsupported constant");
        }
        return set(c.getResult(), std::move(value));
      })
      .Case([&](arith::AddIOp) {
        return elementwise(
            [](double a, double b) { return wrapping(bitsOf(a) + bitsOf(b)); });
      })
      .Case([&](arith::SubIOp) {
        return elementwise(
            [](double a, double b) { return wrapping(bitsOf(a) - bitsOf(b)); });
      })
      .Case([&](arith::MulIOp) {
        return elementwise(
            [](double a, double b) { return wrapping(bitsOf(a) * bitsOf(b)); });
      })
      .Case<arith::DivUIOp, arith::RemUIOp, arith::DivSIOp, arith::RemSIOp>(
          [&](Operation *o) {
            if (scalar(t, o->getOperand(1)) == 0)
              return fail(o, "integer division by zero");
            bool isDiv = isa<arith::DivUIOp, arith::DivSIOp>(o);
            bool isSigned = isa<arith::DivSIOp, arith::RemSIOp>(o);
            return elementwise([&](double a, double b) -> double {
              if (isSigned && toInt(b) == -1) // INT64_MIN / -1 wraps
                return isDiv ? wrapping(0 - bitsOf(a)) : 0.0;
              if (isSigned)
                return isDiv ? toInt(a) / toInt(b) : toInt(a) % toInt(b);
              return (double)(isDiv ? toUInt(a) / toUInt(b)
                                    : toUInt(a) % toUInt(b));
            });
          })
      .Case([&](arith::AndIOp) {
        return elementwise(
            [](double a, double b) { return (double)(toInt(a) & toInt(b)); });
      })
      .Case([&](arith::OrIOp) {
        return elementwise(
            [](double a, double b) { return (double)(toInt(a) | toInt(b)); });
      })
      .Case([&](arith::XOrIOp) {
        return elementwise(
            [](double a, double b) { return (double)(toInt(a) ^ toInt(b)); });
      })
      .Case([&](arith::ShLIOp) {
        return elementwise([](double a, double b) {
          return wrapping(bitsOf(a) << (bitsOf(b) & 63));
        });
      })
      .Case([&](arith::ShRUIOp shift) {
        unsigned width = intWidth(shift.getType());
        return elementwise([width](double a, double b) {
          uint64_t amount = toUInt(b);
          return amount >= width ? 0.0
                                 : (double)(asUnsigned(a, width) >> amount);
        });
      })
      .Case([&](arith::ShRSIOp shift) {
        unsigned width = intWidth(shift.getType());
        return elementwise([width](double a, double b) {
          uint64_t amount = std::min<uint64_t>(toUInt(b), width - 1);
          return (double)(toInt(a) >> amount);
        });
      })
      .Case([&](arith::MulUIExtendedOp mul) {
        // The full 2w-bit product of two unsigned w-bit integers (w <= 32:
        // the halves stay exact as doubles): mul.lo/mul.hi, v_mul_hi_u32.
        unsigned width = intWidth(mul.getLhs().getType());
        if (width > 32)
          return fail(mul, "mului_extended wider than 32 bits");
        const RtValue &a = t.env[mul.getLhs()], &b = t.env[mul.getRhs()];
        RtValue low, high;
        for (size_t i = 0; i < a.v.size(); ++i) {
          uint64_t product =
              asUnsigned(a.v[i], width) * asUnsigned(b.v[i], width);
          low.v.push_back(wrapInt(product, width));
          high.v.push_back(wrapInt(product >> width, width));
        }
        set(mul.getLow(), std::move(low));
        return set(mul.getHigh(), std::move(high));
      })
      .Case([&](arith::BitcastOp cast) {
        // Integer bits <-> IEEE floats of the same width (f16 scales of
        // quantized blocks).
        Type from = getElementTypeOrSelf(cast.getIn().getType());
        Type to = getElementTypeOrSelf(cast.getType());
        unsigned width = to.getIntOrFloatBitWidth();
        const RtValue &in = t.env[cast.getIn()];
        RtValue result;
        for (double d : in.v) {
          if (auto floatType = dyn_cast<FloatType>(to);
              floatType && from.isInteger()) {
            llvm::APInt bits(
                width, toUInt(d) & (width == 64 ? ~0ull : (1ull << width) - 1));
            llvm::APFloat value(floatType.getFloatSemantics(), bits);
            bool lost;
            value.convert(llvm::APFloat::IEEEdouble(),
                          llvm::APFloat::rmNearestTiesToEven, &lost);
            result.v.push_back(value.convertToDouble());
          } else if (auto floatType = dyn_cast<FloatType>(from);
                     floatType && to.isInteger()) {
            llvm::APFloat value(d);
            bool lost;
            value.convert(floatType.getFloatSemantics(),
                          llvm::APFloat::rmNearestTiesToEven, &lost);
            result.v.push_back((double)value.bitcastToAPInt().getSExtValue());
          } else {
            return fail(cast, "only integer <-> float bitcasts are supported");
          }
        }
        return set(cast.getResult(), std::move(result));
      })
      .Case<arith::MinSIOp, arith::MinUIOp>([&](Operation *) {
        return elementwise([](double a, double b) { return std::min(a, b); });
      })
      .Case<arith::MaxSIOp, arith::MaxUIOp>([&](Operation *) {
        return elementwise([](double a, double b) { return std::max(a, b); });
      })
      .Case([&](arith::CmpIOp cmp) {
        using P = arith::CmpIPredicate;
        P p = cmp.getPredicate();
        unsigned width = intWidth(cmp.getLhs().getType());
        return elementwise([p, width](double a, double b) -> double {
          int64_t x = toInt(a), y = toInt(b);
          uint64_t ux = asUnsigned(a, width), uy = asUnsigned(b, width);
          switch (p) {
          case P::eq:
            return x == y;
          case P::ne:
            return x != y;
          case P::slt:
            return x < y;
          case P::sle:
            return x <= y;
          case P::sgt:
            return x > y;
          case P::sge:
            return x >= y;
          case P::ult:
            return ux < uy;
          case P::ule:
            return ux <= uy;
          case P::ugt:
            return ux > uy;
          case P::uge:
            return ux >= uy;
          }
          return 0;
        });
      })
      .Case([&](arith::SelectOp select) {
        bool cond = scalar(t, select.getCondition()) != 0;
        return set(
            select.getResult(),
            t.env[cond ? select.getTrueValue() : select.getFalseValue()]);
      })
      .Case<arith::IndexCastOp, arith::ExtSIOp, arith::ExtFOp>(
          [&](Operation *o) {
            return set(o->getResult(0), t.env[o->getOperand(0)]);
          })
      .Case<arith::TruncIOp, arith::TruncFOp, arith::SIToFPOp>(
          [&](Operation *) {
            return elementwise([](double a, double) { return a; });
          })
      .Case<arith::IndexCastUIOp, arith::ExtUIOp, arith::UIToFPOp>(
          [&](Operation *o) {
            unsigned width = intWidth(o->getOperand(0).getType());
            return elementwise([width](double a, double) {
              return (double)asUnsigned(a, width);
            });
          })
      .Case<arith::FPToSIOp, arith::FPToUIOp>([&](Operation *) {
        // NaN converts to 0, as cvt.rzi and v_cvt_i32_f32 do.
        return elementwise([](double a, double) {
          return std::isnan(a) ? 0.0 : std::trunc(a);
        });
      })
      .Case([&](arith::AddFOp) {
        return elementwise([](double a, double b) { return a + b; });
      })
      .Case([&](arith::SubFOp) {
        return elementwise([](double a, double b) { return a - b; });
      })
      .Case([&](arith::MulFOp) {
        return elementwise([](double a, double b) { return a * b; });
      })
      .Case([&](arith::DivFOp) {
        return elementwise([](double a, double b) { return a / b; });
      })
      .Case([&](arith::NegFOp) {
        return elementwise([](double a, double) { return -a; });
      })
      .Case<LLVM::FAbsOp, math::AbsFOp>([&](Operation *) {
        return elementwise([](double a, double) { return std::fabs(a); });
      })
      .Case<arith::MaximumFOp, arith::MaxNumFOp>([&](Operation *) {
        return elementwise([](double a, double b) { return std::fmax(a, b); });
      })
      .Case<arith::MinimumFOp, arith::MinNumFOp>([&](Operation *) {
        return elementwise([](double a, double b) { return std::fmin(a, b); });
      })
      .Case([&](math::ExpOp) {
        return elementwise(
            [](double a, double) { return (double)std::exp((float)a); });
      })
      .Case([&](LLVM::Exp2Op) {
        // ex2.approx / v_exp_f32: f32 in and out.
        return elementwise(
            [](double a, double) { return (double)std::exp2((float)a); });
      })
      .Case([&](LLVM::SqrtOp) {
        // sqrt.rn.f32 / v_sqrt_f32 (corrected): f32, correctly rounded.
        return elementwise(
            [](double a, double) { return (double)std::sqrt((float)a); });
      })
      .Case([&](LLVM::Log2Op) {
        return elementwise(
            [](double a, double) { return (double)std::log2((float)a); });
      })
      .Case([&](arith::CmpFOp cmp) {
        using P = arith::CmpFPredicate;
        P p = cmp.getPredicate();
        return elementwise([p](double a, double b) -> double {
          bool unordered = std::isnan(a) || std::isnan(b);
          switch (p) {
          case P::AlwaysFalse:
            return 0;
          case P::OEQ:
            return !unordered && a == b;
          case P::OGT:
            return !unordered && a > b;
          case P::OGE:
            return !unordered && a >= b;
          case P::OLT:
            return !unordered && a < b;
          case P::OLE:
            return !unordered && a <= b;
          case P::ONE:
            return !unordered && a != b;
          case P::ORD:
            return !unordered;
          case P::UEQ:
            return unordered || a == b;
          case P::UGT:
            return unordered || a > b;
          case P::UGE:
            return unordered || a >= b;
          case P::ULT:
            return unordered || a < b;
          case P::ULE:
            return unordered || a <= b;
          case P::UNE:
            return unordered || a != b;
          case P::UNO:
            return unordered;
          case P::AlwaysTrue:
            return 1;
          }
          return 0;
        });
      })
      .Case<math::FmaOp, LLVM::FMAOp>([&](Operation *fma) {
        const RtValue &a = t.env[fma->getOperand(0)],
                      &b = t.env[fma->getOperand(1)],
                      &c = t.env[fma->getOperand(2)];
        RtValue result;
        Type element = getElementTypeOrSelf(fma->getResult(0).getType());
        // f32: one rounding (fma.rn.f32), not a double fma rounded again.
        for (size_t i = 0; i < a.v.size(); ++i)
          result.v.push_back(
              element.isF32()
                  ? (double)std::fmaf((float)a.v[i], (float)b.v[i],
                                      (float)c.v[i])
                  : roundToType(std::fma(a.v[i], b.v[i], c.v[i]), element));
        return set(fma->getResult(0), std::move(result));
      })
      .Case([&](memref::LoadOp load) {
        int64_t offset;
        if (!access(load, t, load.getMemRef(), load.getIndices(), false,
                    offset))
          return false;
        return setScalar(load.getResult(),
                         t.env[load.getMemRef()].memory->buffer->data[offset]);
      })
      .Case([&](vector::LoadOp load) {
        // A 1-D vector of consecutive elements of the innermost dimension
        // from global memory (the kernels' 128-bit loads): every element
        // in bounds, and the first at the byte alignment the op claims
        // (the buffer's start counts as aligned, as device allocations
        // are), which the code generators turn into one wide load.
        VectorType type = load.getVectorType();
        if (type.getRank() != 1)
          return fail(load, "only 1-D vector loads are supported");
        Memory *memory = t.env[load.getBase()].memory;
        if (memory && memory->shared)
          return fail(load, "vector loads from workgroup memory are not "
                            "supported");
        int64_t offset;
        if (!access(load, t, load.getBase(), load.getIndices(), false, offset))
          return false;
        EmulatorBuffer &buffer = *memory->buffer;
        int64_t count = type.getNumElements();
        int64_t last = toInt(scalar(t, load.getIndices().back())) + count - 1;
        if (last >= buffer.shape.back())
          return fail(load, llvm::formatv("global memory access out of "
                                          "bounds: vector of {0} ends at "
                                          "index {1} of the last dimension "
                                          "(size {2})",
                                          count, last, buffer.shape.back())
                                .str());
        int64_t bytes = buffer.elementType.getIntOrFloatBitWidth() / 8 * offset;
        if (std::optional<uint64_t> align = load.getAlignment();
            align && bytes % static_cast<int64_t>(*align))
          return fail(load, llvm::formatv("misaligned vector load: byte "
                                          "offset {0} is not a multiple of "
                                          "the alignment {1}",
                                          bytes, *align)
                                .str());
        RtValue result;
        result.v.assign(buffer.data.begin() + offset,
                        buffer.data.begin() + offset + count);
        return set(load.getResult(), std::move(result));
      })
      .Case([&](memref::GetGlobalOp get) {
        auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
            get, get.getNameAttr());
        auto initial = global ? dyn_cast_or_null<DenseElementsAttr>(
                                    global.getInitialValueAttr())
                              : DenseElementsAttr();
        if (!global || !global.getConstant() || !initial)
          return fail(get, "only constant globals with a dense value are "
                           "supported");
        Memory *&memory = globals[global];
        if (!memory) {
          auto buffer = std::make_unique<EmulatorBuffer>();
          buffer->elementType = global.getType().getElementType();
          buffer->shape.assign(global.getType().getShape().begin(),
                               global.getType().getShape().end());
          for (Attribute e : initial.getValues<Attribute>())
            buffer->data.push_back(
                isa<FloatAttr>(e)
                    ? cast<FloatAttr>(e).getValueAsDouble()
                    : (double)cast<IntegerAttr>(e).getValue().getSExtValue());
          memories.push_back(std::make_unique<Memory>(
              Memory{buffer.get(), false, {}, /*constant=*/true}));
          globalBuffers.push_back(std::move(buffer));
          memory = memories.back().get();
        }
        RtValue value;
        value.memory = memory;
        return set(get.getResult(), std::move(value));
      })
      .Case([&](memref::StoreOp store) {
        if (Memory *memory = t.env[store.getMemRef()].memory;
            memory && memory->constant)
          return fail(store, "store to a constant global");
        int64_t offset;
        if (!access(store, t, store.getMemRef(), store.getIndices(), true,
                    offset))
          return false;
        EmulatorBuffer &buffer = *t.env[store.getMemRef()].memory->buffer;
        buffer.data[offset] =
            roundToType(scalar(t, store.getValue()), buffer.elementType);
        return true;
      })
      .Case([&](memref::DimOp dim) {
        std::optional<int64_t> index = dim.getConstantIndex();
        Memory *memory = t.env[dim.getSource()].memory;
        if (!index || !memory ||
            *index >= (int64_t)memory->buffer->shape.size())
          return fail(dim, "unsupported memref.dim");
        return setScalar(dim.getResult(), memory->buffer->shape[*index]);
      })
      .Case([&](vector::InsertOp insert) {
        if (insert.hasDynamicPosition())
          return fail(insert, "dynamic vector positions are not supported");
        RtValue result = t.env[insert.getDest()];
        int64_t count;
        int64_t offset = vectorOffset(insert.getDestVectorType(),
                                      insert.getStaticPosition(), count);
        const RtValue &source = t.env[insert.getValueToStore()];
        for (int64_t i = 0; i < count; ++i)
          result.v[offset + i] = source.v[i];
        return set(insert.getResult(), std::move(result));
      })
      .Case([&](vector::ExtractOp extract) {
        if (extract.hasDynamicPosition())
          return fail(extract, "dynamic vector positions are not supported");
        const RtValue &source = t.env[extract.getSource()];
        int64_t count;
        int64_t offset = vectorOffset(extract.getSourceVectorType(),
                                      extract.getStaticPosition(), count);
        RtValue result;
        result.v.assign(source.v.begin() + offset,
                        source.v.begin() + offset + count);
        return set(extract.getResult(), std::move(result));
      })
      .Case([&](vector::FromElementsOp from) {
        RtValue result;
        for (Value e : from.getElements())
          result.v.push_back(scalar(t, e));
        return set(from.getResult(), std::move(result));
      })
      .Case([&](vector::BroadcastOp broadcast) {
        const RtValue &source = t.env[broadcast.getSource()];
        if (source.v.size() != 1)
          return fail(broadcast, "only scalar broadcasts are supported");
        RtValue result;
        result.v.assign(broadcast.getResultVectorType().getNumElements(),
                        source.v[0]);
        return set(broadcast.getResult(), std::move(result));
      })
      .Case([&](vector::ReductionOp reduction) {
        if (reduction.getKind() != vector::CombiningKind::ADD)
          return fail(reduction, "only add reductions are supported");
        const RtValue &source = t.env[reduction.getVector()];
        double sum = reduction.getAcc() ? scalar(t, reduction.getAcc()) : 0;
        for (double d : source.v)
          sum += d;
        return setScalar(reduction.getResult(),
                         roundToType(sum, reduction.getType()));
      })
      .Case([&](gpu::ThreadIdOp id) {
        int64_t x = t.id % block[0], y = t.id / block[0] % block[1],
                z = t.id / (block[0] * block[1]);
        int64_t v[3] = {x, y, z};
        return setScalar(id.getResult(), v[(int)id.getDimension()]);
      })
      .Case([&](gpu::BlockIdOp id) {
        return setScalar(id.getResult(), blockId[(int)id.getDimension()]);
      })
      .Case([&](gpu::BlockDimOp dim) {
        return setScalar(dim.getResult(), block[(int)dim.getDimension()]);
      })
      .Case([&](gpu::GridDimOp dim) {
        return setScalar(dim.getResult(), grid[(int)dim.getDimension()]);
      })
      .Case([&](gpu::LaneIdOp lane) {
        return setScalar(lane.getResult(), t.id % warpSize);
      })
      .Case([&](gpu::BarrierOp barrier) {
        return suspend(t, Wait::Barrier, barrier);
      })
      .Case([&](nvgpu::DeviceAsyncCopyOp copy) {
        return asyncCopy(copy, t) && set(copy.getAsyncToken(), RtValue());
      })
      .Case([&](nvgpu::DeviceAsyncCreateGroupOp group) {
        // cp.async.commit_group: every copy the thread issued since the
        // last commit, whatever tokens the op names.
        t.groups.emplace_back(std::move(t.uncommitted));
        t.uncommitted.clear();
        return set(group.getAsyncToken(), RtValue());
      })
      .Case([&](nvgpu::DeviceAsyncWaitOp wait) {
        return asyncWait(wait, t, wait.getNumGroups().value_or(0));
      })
      .Case([&](NVVM::CpAsyncCommitGroupOp) {
        t.groups.emplace_back(std::move(t.uncommitted));
        t.uncommitted.clear();
        return true;
      })
      .Case([&](NVVM::CpAsyncWaitGroupOp wait) {
        return asyncWait(wait, t, wait.getN());
      })
      .Case([&](memref::ExtractAlignedPointerAsIndexOp extract) {
        Memory *memory = t.env[extract.getSource()].memory;
        if (!memory || !memory->shared)
          return fail(extract, "the emulator gives addresses to workgroup "
                               "memory only");
        return setScalar(extract.getResult(), memory->address);
      })
      .Case<LLVM::ZeroOp, LLVM::UndefOp, LLVM::PoisonOp>([&](Operation *o) {
        // Structs of scalars (wgmma accumulators); undef/poison as NaN.
        auto type = dyn_cast<LLVM::LLVMStructType>(o->getResult(0).getType());
        if (!type || llvm::any_of(type.getBody(), [](Type field) {
              return !field.isIntOrIndexOrFloat();
            }))
          return fail(o, "the emulator makes structs of scalars only");
        RtValue value;
        value.v.assign(type.getBody().size(),
                       isa<LLVM::ZeroOp>(o)
                           ? 0.0
                           : std::numeric_limits<double>::quiet_NaN());
        return set(o->getResult(0), std::move(value));
      })
      .Case([&](LLVM::ExtractValueOp extract) {
        const RtValue &from = t.env[extract.getContainer()];
        ArrayRef<int64_t> position = extract.getPosition();
        if (position.size() != 1 || position[0] < 0 ||
            position[0] >= (int64_t)from.v.size())
          return fail(extract, "extractvalue of a struct of scalars only");
        // A register rename: an unretired accumulator's field stays
        // unretired (any use but a wgmma's is reported).
        RtValue field;
        field.v.push_back(from.v[position[0]]);
        field.fromWgmma = from.fromWgmma;
        field.wgmmaGroup = from.wgmmaGroup;
        return set(extract.getResult(), std::move(field));
      })
      .Case([&](LLVM::InsertValueOp insert) {
        RtValue value = t.env[insert.getContainer()];
        ArrayRef<int64_t> position = insert.getPosition();
        if (position.size() != 1 || position[0] < 0 ||
            position[0] >= (int64_t)value.v.size())
          return fail(insert, "insertvalue into a struct of scalars only");
        value.v[position[0]] = scalar(t, insert.getValue());
        value.fromWgmma = false;
        value.wgmmaGroup = -1;
        return set(insert.getResult(), std::move(value));
      })
      .Case([&](NVVM::FenceProxyOp fence) {
        // fence.proxy.async(.shared::cta): this thread's generic-proxy
        // writes so far become visible to the async proxy (wgmma).
        if (fence.getKind() != NVVM::ProxyKind::async_shared &&
            fence.getKind() != NVVM::ProxyKind::async)
          return fail(fence, "the emulator runs fence.proxy.async only");
        ++t.proxyFences;
        return true;
      })
      .Case([&](NVVM::WgmmaFenceAlignedOp) {
        t.wgmmaFenced = true;
        return true;
      })
      .Case<gpu::ShuffleOp, nvgpu::MmaSyncOp, amdgpu::MFMAOp,
            NVVM::WgmmaMmaAsyncOp, NVVM::WgmmaGroupSyncAlignedOp,
            NVVM::WgmmaWaitGroupSyncOp>([&](Operation *o) {
        t.operands.clear();
        for (Value operand : o->getOperands())
          t.operands.push_back(t.env[operand]);
        if (!suspend(t, Wait::Collective, o))
          return false;
        for (auto [result, value] : llvm::zip(o->getResults(), t.results))
          t.env[result] = value;
        return true;
      })
      .Case([&](LLVM::InlineAsmOp asmOp) {
        if (!isWgmmaAsm(asmOp))
          return fail(asmOp, "the emulator runs no inline assembly but "
                             "wgmma.mma_async's register-A form");
        t.operands.clear();
        for (Value operand : asmOp.getOperands())
          t.operands.push_back(t.env[operand]);
        if (!suspend(t, Wait::Collective, asmOp))
          return false;
        for (auto [result, value] : llvm::zip(asmOp->getResults(), t.results))
          t.env[result] = value;
        return true;
      })
      .Case([&](scf::ForOp loop) {
        int64_t lb = toInt(scalar(t, loop.getLowerBound()));
        int64_t ub = toInt(scalar(t, loop.getUpperBound()));
        int64_t step = toInt(scalar(t, loop.getStep()));
        if (step <= 0)
          return fail(loop, "non-positive step");
        SmallVector<RtValue> carried;
        for (Value init : loop.getInitArgs())
          carried.push_back(t.env[init]);
        Block *body = loop.getBody();
        for (int64_t i = lb; i < ub; i += step) {
          RtValue iv;
          iv.v.push_back(i);
          t.env[loop.getInductionVar()] = iv;
          for (auto [arg, value] : llvm::zip(loop.getRegionIterArgs(), carried))
            t.env[arg] = value;
          SmallVector<RtValue> next;
          if (!execBlock(*body, t, &next))
            return false;
          carried = std::move(next);
        }
        for (auto [result, value] : llvm::zip(loop.getResults(), carried))
          t.env[result] = value;
        return true;
      })
      .Case([&](scf::IfOp ifOp) {
        bool cond = scalar(t, ifOp.getCondition()) != 0;
        Region &region = cond ? ifOp.getThenRegion() : ifOp.getElseRegion();
        if (region.empty())
          return true;
        SmallVector<RtValue> yielded;
        if (!execBlock(region.front(), t, &yielded))
          return false;
        for (auto [result, value] : llvm::zip(ifOp.getResults(), yielded))
          t.env[result] = value;
        return true;
      })
      .Default([&](Operation *o) {
        return fail(o, "the emulator does not support this op");
      });
}

bool Emulator::execBlock(Block &body, Thread &t,
                         SmallVectorImpl<RtValue> *yielded) {
  for (Operation &op : body) {
    if (isa<gpu::ReturnOp>(op))
      return true;
    if (auto yield = dyn_cast<scf::YieldOp>(op)) {
      if (yielded)
        for (Value v : yield.getOperands())
          yielded->push_back(t.env[v]);
      return true;
    }
    if (!execOp(op, t) || t.wait == Wait::Failed)
      return false;
  }
  return true;
}

LogicalResult Emulator::resolveCollective(ArrayRef<Thread *> lanes) {
  Operation *op = lanes.front()->waitOp;
  for (Thread *lane : lanes)
    if (lane->waitOp != op) {
      current = lane;
      fail(lane->waitOp, "the lanes of a warp diverge at a warp collective");
      return failure();
    }
  current = nullptr;
  ++local.collectives;
  int64_t n = lanes.size();
  if (auto shuffle = dyn_cast<gpu::ShuffleOp>(op)) {
    for (int64_t l = 0; l < n; ++l) {
      Thread &t = *lanes[l];
      int64_t offset = toInt(t.operands[1].v[0]);
      int64_t width = toInt(t.operands[2].v[0]);
      int64_t base = width > 0 ? l / width * width : 0, src = l;
      switch (shuffle.getMode()) {
      case gpu::ShuffleMode::XOR:
        src = l ^ offset;
        break;
      case gpu::ShuffleMode::UP:
        src = l - offset;
        break;
      case gpu::ShuffleMode::DOWN:
        src = l + offset;
        break;
      case gpu::ShuffleMode::IDX:
        src = base + offset;
        break;
      }
      bool valid = width > 0 && src >= base && src < base + width && src < n;
      RtValue value = lanes[valid ? src : l]->operands[0], flag;
      flag.v.push_back(valid);
      t.results = {value, flag};
    }
    return success();
  }
  if (auto mma = dyn_cast<nvgpu::MmaSyncOp>(op)) {
    SmallVector<int64_t> shape;
    for (Attribute a : mma.getMmaShape())
      shape.push_back(cast<IntegerAttr>(a).getInt());
    if (n != 32 || shape != SmallVector<int64_t>{16, 8, 16}) {
      fail(op, "the emulator runs mma.sync m16n8k16 on 32-lane warps");
      return failure();
    }
    double a[16][16], b[16][8], c[16][8];
    for (int64_t l = 0; l < 32; ++l) {
      const Thread &t = *lanes[l];
      int64_t g = l >> 2, q = l & 3;
      for (int64_t r = 0; r < 4; ++r)
        for (int64_t j = 0; j < 2; ++j)
          a[g + 8 * (r & 1)][2 * q + j + 8 * (r >> 1)] =
              t.operands[0].v[r * 2 + j];
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t j = 0; j < 2; ++j) {
          b[2 * q + j + 8 * r][g] = t.operands[1].v[r * 2 + j];
          c[g + 8 * r][2 * q + j] = t.operands[2].v[r * 2 + j];
        }
    }
    for (int64_t l = 0; l < 32; ++l) {
      Thread &t = *lanes[l];
      int64_t g = l >> 2, q = l & 3;
      RtValue d;
      d.v.resize(4);
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t j = 0; j < 2; ++j) {
          int64_t row = g + 8 * r, col = 2 * q + j;
          // f16/bf16 products are exact in f32; f32 accumulation.
          float sum = c[row][col];
          for (int64_t k = 0; k < 16; ++k)
            sum += static_cast<float>(a[row][k] * b[k][col]);
          d.v[r * 2 + j] = sum;
        }
      t.results = {d};
    }
    return success();
  }
  if (auto mfma = dyn_cast<amdgpu::MFMAOp>(op)) {
    if (n != 64 || mfma.getM() != 16 || mfma.getN() != 16 ||
        mfma.getK() != 16 || mfma.getBlocks() != 1 || mfma.getCbsz() != 0 ||
        mfma.getAbid() != 0 || mfma.getBlgp() != amdgpu::MFMAPermB::none) {
      fail(op, "the emulator runs mfma 16x16x16 (one block, no "
               "permutations) on 64-lane wavefronts");
      return failure();
    }
    double a[16][16], b[16][16], c[16][16];
    for (int64_t l = 0; l < 64; ++l) {
      const Thread &t = *lanes[l];
      for (int64_t j = 0; j < 4; ++j) {
        a[l % 16][4 * (l / 16) + j] = t.operands[0].v[j];
        b[4 * (l / 16) + j][l % 16] = t.operands[1].v[j];
        c[4 * (l / 16) + j][l % 16] = t.operands[2].v[j];
      }
    }
    for (int64_t l = 0; l < 64; ++l) {
      RtValue d;
      for (int64_t j = 0; j < 4; ++j) {
        int64_t row = 4 * (l / 16) + j, col = l % 16;
        float sum = c[row][col];
        for (int64_t k = 0; k < 16; ++k)
          sum += static_cast<float>(a[row][k] * b[k][col]);
        d.v.push_back(sum);
      }
      lanes[l]->results = {d};
    }
    return success();
  }
  fail(op, "unknown collective");
  return failure();
}

LogicalResult Emulator::resolveWarpgroup(ArrayRef<Thread *> lanes,
                                         int64_t index) {
  Operation *op = lanes.front()->waitOp;
  for (Thread *lane : lanes)
    if (lane->waitOp != op) {
      current = lane;
      fail(lane->waitOp, "the warps of a warpgroup diverge at a wgmma");
      return failure();
    }
  current = nullptr;
  ++local.collectives;
  Warpgroup &group = warpgroups[index];
  if (isa<NVVM::WgmmaGroupSyncAlignedOp>(op)) {
    group.groups.push_back(std::move(group.uncommitted));
    group.uncommitted.clear();
    ++group.committed;
    for (Thread *lane : lanes)
      lane->results.clear();
    return success();
  }
  if (auto wait = dyn_cast<NVVM::WgmmaWaitGroupSyncOp>(op)) {
    // Retire every committed group but the newest N: its results become
    // readable and its shared reads count as reads in this interval.
    int64_t keep = wait.getGroup();
    while ((int64_t)group.groups.size() > keep) {
      for (auto [memory, offset] : group.groups.front()) {
        Shadow &s = memory->shadow[offset];
        s.wgmmaReader = -1;
        // Read by the warpgroup in this interval: its own threads may
        // overwrite the element now, other threads after a barrier.
        if (checkRaces) {
          s.readEpoch = epoch;
          s.reader = warpgroupReader(index);
        }
      }
      group.groups.pop_front();
      ++group.retired;
    }
    for (Thread *lane : lanes) {
      lane->results.clear();
      lane->wgmmaFenced = false;
    }
    return success();
  }
  // The instruction: nvvm.wgmma.mma_async (A and B through descriptors) or
  // the register-A inline assembly (A from the threads' registers).
  int64_t n = 0;
  Type elementType;
  bool accumulate = true;
  std::optional<WgmmaAsm> registerA;
  uint64_t desc[2] = {0, 0}; // A (descriptor form only), B
  // Per thread: the accumulator registers and whether a wgmma made them.
  std::vector<SmallVector<double>> accs(kWarpgroupThreads);
  std::vector<bool> accFromWgmma(kWarpgroupThreads, true);
  Builder builder(op->getContext());
  auto sameDescriptor = [&](int64_t operand, uint64_t &out) {
    out = toUInt(lanes.front()->operands[operand].v[0]);
    for (Thread *lane : lanes)
      if (toUInt(lane->operands[operand].v[0]) != out) {
        current = lane;
        fail(op, "the threads of a warpgroup give different wgmma "
                 "descriptors");
        return false;
      }
    return true;
  };
  if (auto mma = dyn_cast<NVVM::WgmmaMmaAsyncOp>(op)) {
    int64_t m = mma.getShape().getM(), k = mma.getShape().getK();
    n = mma.getShape().getN();
    NVVM::WGMMATypes typeA = mma.getTypeA(), typeD = mma.getTypeD();
    bool halfInputs =
        typeA == NVVM::WGMMATypes::bf16 || typeA == NVVM::WGMMATypes::f16;
    if (m != 64 || k != 16 || n < 8 || n > 256 || n % 8 || !halfInputs ||
        mma.getTypeB() != typeA || typeD != NVVM::WGMMATypes::f32 ||
        mma.getScaleA() != NVVM::WGMMAScaleIn::one ||
        mma.getScaleB() != NVVM::WGMMAScaleIn::one ||
        mma.getLayoutA() != NVVM::MMALayout::row ||
        mma.getLayoutB() != NVVM::MMALayout::col || mma.getSatfinite()) {
      fail(op, "the emulator runs wgmma.mma_async m64nNk16 f32 += bf16 x "
               "bf16 or f16 x f16, A and B K-major from shared memory, no "
               "scaling");
      return failure();
    }
    elementType = typeA == NVVM::WGMMATypes::bf16 ? Type(builder.getBF16Type())
                                                  : builder.getF16Type();
    accumulate = mma.getScaleD() == NVVM::WGMMAScaleOut::one;
    // Descriptors: the same in every thread (PTX requires it).
    if (!sameDescriptor(1, desc[0]) || !sameDescriptor(2, desc[1]))
      return failure();
    for (int64_t t = 0; t < kWarpgroupThreads; ++t) {
      const RtValue &acc = lanes[t]->operands[0];
      accs[t].assign(acc.v.begin(), acc.v.end());
      accFromWgmma[t] = acc.fromWgmma;
    }
  } else {
    std::string why;
    registerA = parseWgmmaAsm(cast<LLVM::InlineAsmOp>(op), why);
    if (!registerA) {
      fail(op, "wgmma inline assembly: " + why);
      return failure();
    }
    n = registerA->n;
    elementType =
        registerA->bf16 ? Type(builder.getBF16Type()) : builder.getF16Type();
    accumulate = registerA->scaleD;
    if (!sameDescriptor(registerA->descriptorB, desc[1]))
      return failure();
    for (int64_t t = 0; t < kWarpgroupThreads; ++t) {
      bool fromWgmma = true;
      for (int64_t input : registerA->accumulatorInputs) {
        const RtValue &acc = lanes[t]->operands[input];
        accs[t].push_back(acc.v.empty() ? 0 : acc.v[0]);
        fromWgmma = fromWgmma && acc.fromWgmma;
      }
      accFromWgmma[t] = fromWgmma;
      for (int64_t input : registerA->aInputs)
        if (lanes[t]->operands[input].v.size() != 2) {
          current = lanes[t];
          fail(op, "a wgmma A register does not hold two elements");
          return failure();
        }
    }
  }
  for (int64_t t = 0; t < kWarpgroupThreads; ++t) {
    Thread *lane = lanes[t];
    if ((int64_t)accs[t].size() != n / 2) {
      current = lane;
      fail(op, "the accumulator does not hold N / 2 registers");
      return failure();
    }
    if (checkRaces && !accFromWgmma[t] && !lane->wgmmaFenced) {
      current = lane;
      fail(op, "wgmma.mma_async on accumulator registers written by other "
               "instructions with no wgmma.fence since (nor since the last "
               "wgmma.wait_group)");
      return failure();
    }
    if (checkRaces && registerA && !lane->wgmmaFenced) {
      current = lane;
      fail(op, "wgmma.mma_async reads A fragment registers written by other "
               "instructions with no wgmma.fence since (nor since the last "
               "wgmma.wait_group)");
      return failure();
    }
  }
  // Element (r, c) of a K-major operand: r < rows, c < 16.
  auto readOperand = [&](uint64_t d, int64_t rows, StringRef name,
                         std::vector<double> &out) -> bool {
    int64_t start = (d & 0x3FFF) << 4, leading = ((d >> 16) & 0x3FFF) << 4,
            stride = ((d >> 32) & 0x3FFF) << 4;
    if ((d >> 49) & 7 || (d >> 62) & 3) {
      fail(op, llvm::formatv("wgmma {0} descriptor: the emulator decodes no "
                             "swizzle and base offset 0 only",
                             name)
                   .str());
      return false;
    }
    out.assign(rows * 16, 0.0);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < 16; ++c) {
        int64_t byte =
            start + r / 8 * stride + c / 8 * leading + r % 8 * 16 + c % 8 * 2;
        Memory *memory = nullptr;
        for (auto &candidate : memories) {
          if (!candidate->shared)
            continue;
          int64_t size =
              candidate->buffer->elementType.getIntOrFloatBitWidth() / 8;
          for (int64_t dim : candidate->buffer->shape)
            size *= dim;
          if (byte >= candidate->address && byte < candidate->address + size)
            memory = candidate.get();
        }
        if (!memory || memory->buffer->elementType != elementType) {
          fail(op, llvm::formatv("wgmma {0} descriptor: element ({1}, {2}) at "
                                 "shared address {3} is outside the "
                                 "workgroup buffers of its element type",
                                 name, r, c, byte)
                       .str());
          return false;
        }
        if (memory->alignment < 16) {
          fail(op, llvm::formatv("wgmma {0} descriptor: its workgroup buffer "
                                 "is aligned to {1} bytes (llvm.align), a "
                                 "descriptor needs 16",
                                 name, memory->alignment)
                       .str());
          return false;
        }
        int64_t offset = (byte - memory->address) / 2;
        Shadow &s = memory->shadow[offset];
        if (checkRaces) {
          auto report = [&](const Twine &why) {
            fail(op, llvm::formatv("shared-memory race: wgmma {0} reads "
                                   "element {1} ",
                                   name, offset)
                             .str() +
                         why);
            return false;
          };
          if (s.asyncWriter >= 0)
            return report(llvm::formatv("while a cp.async of thread {0} into "
                                        "it is in flight",
                                        s.asyncWriter)
                              .str());
          if (s.writeEpoch == epoch && s.writer >= 0)
            return report(llvm::formatv("written by thread {0} with no "
                                        "barrier between",
                                        s.writer)
                              .str());
          if (s.writer >= 0 && threads[s.writer]->proxyFences <= s.writerFences)
            return report(llvm::formatv("written by thread {0} through the "
                                        "generic proxy with no "
                                        "fence.proxy.async after the write",
                                        s.writer)
                              .str());
          s.wgmmaReader = index;
          group.uncommitted.push_back({memory, offset});
        }
        out[r * 16 + c] = memory->buffer->data[offset];
      }
    return true;
  };
  std::vector<double> a, b;
  if (registerA) {
    // A from the registers: element i of thread t (register i / 2, half
    // i % 2) is A[16 w + l / 4 + 8 ((i / 2) % 2)][2 (l % 4) + i % 2 +
    // 8 (i / 4)].
    a.assign(64 * 16, 0.0);
    for (int64_t t = 0; t < kWarpgroupThreads; ++t) {
      int64_t warp = t / 32, l = t % 32;
      for (int64_t i = 0; i < 8; ++i) {
        int64_t row = 16 * warp + l / 4 + 8 * ((i / 2) % 2);
        int64_t col = 2 * (l % 4) + i % 2 + 8 * (i / 4);
        a[row * 16 + col] =
            lanes[t]->operands[registerA->aInputs[i / 2]].v[i % 2];
      }
    }
  } else if (!readOperand(desc[0], 64, "A", a)) {
    return failure();
  }
  if (!readOperand(desc[1], n, "B", b))
    return failure();
  // D[row][col] = C + sum_k A[row][k] B[col][k] (f16/bf16 products are
  // exact in f32; f32 accumulation in k order).
  for (int64_t t = 0; t < kWarpgroupThreads; ++t) {
    Thread &lane = *lanes[t];
    int64_t warp = t / 32, l = t % 32;
    RtValue d;
    d.fromWgmma = true;
    d.wgmmaGroup = group.committed;
    d.v.resize(n / 2);
    for (int64_t i = 0; i < n / 2; ++i) {
      int64_t row = 16 * warp + l / 4 + 8 * ((i / 2) % 2);
      int64_t col = 8 * (i / 4) + 2 * (l % 4) + i % 2;
      float sum = accumulate ? static_cast<float>(accs[t][i]) : 0;
      for (int64_t kk = 0; kk < 16; ++kk)
        sum += static_cast<float>(a[row * 16 + kk] * b[col * 16 + kk]);
      d.v[i] = sum;
    }
    lane.results = {d};
  }
  group.lastIssued = group.committed;
  return success();
}

LogicalResult Emulator::run(MutableArrayRef<EmulatorBuffer> arguments,
                            EmulatorStats *stats) {
  if (arguments.size() != kernel.getNumArguments()) {
    error = llvm::formatv("the kernel takes {0} arguments, {1} given",
                          kernel.getNumArguments(), arguments.size());
    return failure();
  }
  std::optional<ArrayRef<int32_t>> known = kernel.getKnownBlockSize();
  if (!known || known->size() != 3) {
    error = "the kernel has no known_block_size";
    return failure();
  }
  for (int i = 0; i < 3; ++i)
    block[i] = (*known)[i];
  auto gridAttr = kernel->getAttrOfType<DenseI64ArrayAttr>("seq.launch_grid");
  if (!gridAttr || gridAttr.size() % 3 != 0 || gridAttr.size() > 9) {
    error = "the kernel has no seq.launch_grid";
    return failure();
  }
  for (int64_t d = 0; d < gridAttr.size() / 3; ++d) {
    int64_t arg = gridAttr[3 * d], dim = gridAttr[3 * d + 1],
            tile = gridAttr[3 * d + 2];
    if (arg < 0 || arg >= (int64_t)arguments.size() || dim < 0 ||
        dim >= (int64_t)arguments[arg].shape.size() || tile <= 0) {
      error = "malformed seq.launch_grid";
      return failure();
    }
    grid[d] = (arguments[arg].shape[dim] + tile - 1) / tile;
  }
  int64_t threadCount = block[0] * block[1] * block[2];
  if (threadCount <= 0 || threadCount > 1024 || threadCount % warpSize) {
    error = "the block size must be a positive multiple of the warp size, at "
            "most 1024";
    return failure();
  }
  for (auto [i, type] : llvm::enumerate(kernel.getArgumentTypes())) {
    auto memref = dyn_cast<MemRefType>(type);
    if (!memref || memref.getRank() != (int64_t)arguments[i].shape.size() ||
        memref.getElementType() != arguments[i].elementType) {
      std::string typeName;
      llvm::raw_string_ostream(typeName) << type;
      error = llvm::formatv("argument {0} does not match the kernel's {1}", i,
                            typeName);
      return failure();
    }
    for (double &d : arguments[i].data)
      d = roundToType(d, arguments[i].elementType);
  }

  for (int64_t i = 0; i < (int64_t)arguments.size(); ++i) {
    int64_t of = arguments[i].aliasOf;
    if (of >= 0 && (of >= (int64_t)arguments.size() || of == i ||
                    arguments[of].aliasOf >= 0 ||
                    arguments[of].shape != arguments[i].shape ||
                    arguments[of].elementType != arguments[i].elementType)) {
      error = llvm::formatv("argument {0} aliases argument {1}, which is no "
                            "other argument of its shape and type",
                            i, of);
      return failure();
    }
    // An alias reads and writes the other argument's buffer.
    memories.push_back(std::make_unique<Memory>(
        Memory{&arguments[of >= 0 ? of : i], false, {}}));
  }
  // Workgroup attributions: per block, refilled with NaN.
  sharedBuffers.resize(kernel.getNumWorkgroupAttributions());
  SmallVector<Memory *> sharedMemories;
  for (auto [i, attribution] :
       llvm::enumerate(kernel.getWorkgroupAttributions())) {
    auto type = cast<MemRefType>(attribution.getType());
    if (!type.hasStaticShape()) {
      error = "workgroup memory must have a static shape";
      return failure();
    }
    sharedBuffers[i].elementType = type.getElementType();
    sharedBuffers[i].shape.assign(type.getShape().begin(),
                                  type.getShape().end());
    memories.push_back(
        std::make_unique<Memory>(Memory{&sharedBuffers[i], true, {}}));
    sharedMemories.push_back(memories.back().get());
  }
  // Shared-window addresses: from 1024 (sm_80+ reserve the first KiB of a
  // block's shared memory), each buffer 128-byte aligned.
  int64_t address = 1024;
  for (auto [i, memory] : llvm::enumerate(sharedMemories)) {
    int64_t bytes = std::max<int64_t>(
        1, memory->buffer->elementType.getIntOrFloatBitWidth() / 8);
    // The global the lowering makes is aligned to llvm.align, else to its
    // element.
    memory->alignment = bytes;
    if (auto align =
            dyn_cast_or_null<IntegerAttr>(kernel.getWorkgroupAttributionAttr(
                i, LLVM::LLVMDialect::getAlignAttrName())))
      memory->alignment = align.getInt();
    for (int64_t d : memory->buffer->shape)
      bytes *= d;
    memory->address = address;
    address = (address + bytes + 127) / 128 * 128;
  }
  for (int64_t i = 0; i < threadCount; ++i) {
    threads.push_back(std::make_unique<Thread>());
    threads.back()->id = i;
    threads.back()->stack.reset(new char[kStackBytes]);
  }

  gEmulator = this;
  local.threadsPerBlock = threadCount;
  for (blockId[2] = 0; blockId[2] < grid[2]; ++blockId[2])
    for (blockId[1] = 0; blockId[1] < grid[1]; ++blockId[1])
      for (blockId[0] = 0; blockId[0] < grid[0]; ++blockId[0]) {
        ++local.blocks;
        for (Memory *memory : sharedMemories) {
          int64_t size = 1;
          for (int64_t d : memory->buffer->shape)
            size *= d;
          memory->buffer->data.assign(size,
                                      std::numeric_limits<double>::quiet_NaN());
          memory->shadow.assign(size, Shadow());
        }
        epoch = 0;
        warpgroups.assign((threadCount + kWarpgroupThreads - 1) /
                              kWarpgroupThreads,
                          Warpgroup());
        for (auto &thread : threads) {
          Thread &t = *thread;
          t.env.clear();
          t.uncommitted.clear();
          t.groups.clear();
          t.wgmmaFenced = false;
          t.proxyFences = 0;
          t.wait = Wait::Runnable;
          for (auto [i, arg] : llvm::enumerate(kernel.getArguments()))
            t.env[arg].memory = memories[i].get();
          for (auto [i, attribution] :
               llvm::enumerate(kernel.getWorkgroupAttributions()))
            t.env[attribution].memory = sharedMemories[i];
          getcontext(&t.context);
          t.context.uc_stack.ss_sp = t.stack.get();
          t.context.uc_stack.ss_size = kStackBytes;
          t.context.uc_link = nullptr;
          makecontext(&t.context, &Emulator::fiberEntry, 0);
        }
        while (true) {
          for (auto &thread : threads) {
            if (thread->wait != Wait::Runnable)
              continue;
            current = thread.get();
            swapcontext(&scheduler, &thread->context);
            current = nullptr;
            if (thread->wait == Wait::Failed)
              return failure();
          }
          bool allDone = llvm::all_of(
              threads, [](auto &t) { return t->wait == Wait::Done; });
          if (allDone)
            break;
          bool progressed = false;
          for (int64_t w = 0; w < threadCount / warpSize; ++w) {
            SmallVector<Thread *> lanes;
            for (int64_t l = 0; l < warpSize; ++l)
              lanes.push_back(threads[w * warpSize + l].get());
            if (!llvm::all_of(lanes, [](Thread *t) {
                  return t->wait == Wait::Collective;
                }))
              continue;
            if (isWarpgroupCollective(lanes.front()->waitOp)) {
              // A warpgroup collective: resolved from its first warp once
              // all four wait.
              int64_t warps = kWarpgroupThreads / warpSize;
              if (warpSize != 32 || threadCount % kWarpgroupThreads) {
                current = lanes.front();
                fail(lanes.front()->waitOp,
                     "wgmma needs warpgroups of 4 warps of 32 threads");
                return failure();
              }
              if (w % warps)
                continue;
              SmallVector<Thread *> group;
              for (int64_t l = 0; l < kWarpgroupThreads; ++l)
                group.push_back(threads[w * warpSize + l].get());
              if (!llvm::all_of(group, [](Thread *t) {
                    return t->wait == Wait::Collective;
                  }))
                continue;
              if (failed(resolveWarpgroup(group, w / warps)))
                return failure();
              for (Thread *t : group)
                t->wait = Wait::Runnable;
              progressed = true;
              continue;
            }
            if (failed(resolveCollective(lanes)))
              return failure();
            for (Thread *t : lanes)
              t->wait = Wait::Runnable;
            progressed = true;
          }
          if (progressed)
            continue;
          bool allAtBarrier = llvm::all_of(
              threads, [](auto &t) { return t->wait == Wait::Barrier; });
          if (allAtBarrier) {
            ++local.barriers;
            ++epoch;
            for (auto &t : threads)
              t->wait = Wait::Runnable;
            continue;
          }
          for (auto &t : threads)
            if (t->wait == Wait::Barrier || t->wait == Wait::Collective) {
              current = t.get();
              fail(t->waitOp,
                   "deadlock: not every thread of the block reaches this "
                   "barrier, or not every lane of the warp this collective");
              return failure();
            }
          error = "deadlock";
          return failure();
        }
      }
  gEmulator = nullptr;
  if (stats)
    *stats = local;
  return success();
}

LogicalResult seq::emulateKernel(gpu::GPUFuncOp kernel, int64_t warpSize,
                                 MutableArrayRef<EmulatorBuffer> arguments,
                                 std::string &error, EmulatorStats *stats,
                                 bool checkRaces) {
  if (warpSize <= 0) {
    error = "the warp size must be positive";
    return failure();
  }
  Emulator emulator(kernel, warpSize, checkRaces, error);
  return emulator.run(arguments, stats);
}
