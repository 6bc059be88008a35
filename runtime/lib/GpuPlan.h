//===- GpuPlan.h - Entries run on a GPU from their launch plan --*- C++ -*-===//
//
// This file declares the host side of entries on a GPU: the launch plan seqc
// writes per GPU target (metadata `gpu_targets[i].host`, seqrt/GpuHost.h),
// its checks against the launch manifest and the entry signatures, and the
// call that runs it: inputs copied to device buffers, parameters uploaded
// once and kept, the kernels launched in order, results copied back
// (docs/design/GPU.md, "The host side").
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_GPUPLAN_H
#define SEQRT_LIB_GPUPLAN_H

#include "Json.h"
#include "seqrt/gpu.h"
#include "seqrt/seqrt.h"

#include <cstdint>
#include <string>
#include <vector>

namespace seqrt {

struct GpuTargetInfo;
struct Metadata;

/// A device buffer of an entry's plan: a whole contiguous tensor.
struct GpuPlanBuffer {
  /// State: an entry input updated in place (seq.inplace), written by the
  /// steps and returned as the entry's in-place output. Position (version
  /// 5): i32 values position + start + i computed at the call from the
  /// entry's position input (i32 [1]).
  enum class Kind { Input, Param, Temp, State, Position };
  Kind kind = Kind::Temp;
  /// The entry input (Input, State, Position) or the metadata parameter
  /// (Param, resolved from `key` at load) it holds.
  int64_t index = -1;
  /// Position: the first value's offset from the position.
  int64_t start = 0;
  std::string key;
  seqrt_dtype dtype = SEQRT_DTYPE_F32;
  std::vector<int64_t> shape;
  uint64_t bytes = 0;
};

/// A kernel argument: buffer `buffer` viewed contiguously with `shape`
/// (as many elements as the buffer holds), or, for a read argument
/// (version 5), a contiguous range of it from element `offset`.
struct GpuPlanArg {
  size_t buffer = 0;
  std::vector<int64_t> shape;
  int64_t offset = 0;
};

/// One step: a manifest kernel over its arguments; attention (Q, K, V, O:
/// the prefill kernel, or the split-KV kernel and its merge over f32
/// workspaces when the device's SM count asks for splits); argmax (a
/// kernel whose output token -1 means invalid logits); checked (a launch
/// whose last argument is an i32 status word [1], zeroed before it and
/// read after the call: a non-zero word is the CPU's status code).
struct GpuPlanStep {
  enum class Kind { Launch, Attention, Argmax, Checked };
  Kind kind = Kind::Launch;
  std::string op; ///< "seq.linear", for messages
  size_t kernel = 0;
  bool canSplit = false;
  size_t splitKernel = 0, mergeKernel = 0;
  /// The decode form (few query rows, long KV): the same arguments and
  /// workspaces as the split-KV kernel, its own split rule.
  bool canDecode = false;
  size_t decodeKernel = 0;
  int64_t decodeKeysPerStep = 0;
  int64_t positionsPerBlock = 0, blockKV = 0;
  /// Attention over ragged KV (plan version 4): Q, K, V, kv_lengths [B]
  /// i32, O, status [1] i32; the status word is read like a checked one.
  bool ragged = false;
  /// The last `results` arguments are the buffers the step writes (a scan's
  /// output and final state); the others are read.
  size_t results = 1;
  /// Version 6: a scan whose final state (its last argument) is written
  /// in place over its init, the same state buffer (seqrt/GpuHost.h's
  /// kStepInPlace).
  bool inPlace = false;
  std::vector<GpuPlanArg> args;
  /// A quantized linear or embedding kernel (seqrt/GpuHost.h's names): the
  /// block format its name gives ("q4_1") and the argument holding the
  /// packed rows (W of X, W, (b), Y; the table of table, ids, out,
  /// status); empty for every other kernel.
  std::string quantFormat;
  size_t quantArg = 0;
};

struct GpuPlanEntry {
  std::string name;
  /// The metadata entry it runs (resolved at load).
  size_t entry = 0;
  /// Version 6: the entry's dynamic extent S is extent `dimAxis` of input
  /// `dimInput`; `source` is the entry's plan with extents affine in S,
  /// instantiated for S at each call (the fields below hold it for S = 1,
  /// read and checked at load). `where` names it in messages.
  bool dynamic = false;
  size_t dimInput = 0, dimAxis = 0;
  JsonValue source;
  std::string where;
  std::vector<GpuPlanBuffer> buffers;
  std::vector<GpuPlanStep> steps;
  std::vector<size_t> outputs;
};

struct GpuHostPlan {
  std::vector<GpuPlanEntry> entries;
  /// Version 6: the entries with no launch plan (control flow), which run
  /// on the CPU only.
  std::vector<std::string> cpuOnly;
};

/// Reads the plan `plan` (at `where`) of `target`, whose manifest is read:
/// kernels are resolved by name, each argument's rank, element type and
/// element count checked against the manifest and its buffer, every
/// buffer's byte size computed overflow-safe. False with `error` naming
/// the field otherwise.
bool readHostPlan(const JsonValue &plan, const std::string &where,
                  const GpuTargetInfo &target, GpuHostPlan &out,
                  std::string &error);

/// Checks `plan` (of the target named `targetName`) against the metadata:
/// one plan per entry, inputs and outputs of the entry's dtypes and
/// shapes, parameters known by key with their dtype and shape.
bool checkHostPlan(GpuHostPlan &plan, const std::string &targetName,
                   const Metadata &metadata, std::string &error);

} // namespace seqrt

struct seqrt_artifact;

namespace seqrt {
/// Runs entry `entry` of `artifact` (loaded for a GPU) on its device:
/// `inputs` checked by seqrt_call; fills `outputs` with host tensors. A
/// failing allocation, copy, launch or a fault names the entry and the
/// kernel; every device buffer of the call is freed on every path.
/// `deviceState`, if not null, holds per entry input the device buffer of
/// its in-place state, which a session keeps on the device across calls
/// (Session.cpp): the plan's state buffers are those, written in place,
/// neither copied in nor back (the in-place outputs still view the
/// caller's host buffers, which the call leaves as they were).
seqrt_status runGpuEntry(seqrt_artifact &artifact, size_t entry,
                         const seqrt_tensor *inputs, seqrt_tensor *outputs,
                         const seqrt_gpu_ptr *deviceState = nullptr);

/// seqrt_call with `deviceState` passed to runGpuEntry (Call.cpp); the same
/// checks of the inputs. Null `deviceState` is seqrt_call.
seqrt_status callEntry(seqrt_artifact *artifact, const char *entry,
                       const seqrt_tensor *inputs, size_t numInputs,
                       seqrt_tensor *outputs, size_t numOutputs,
                       const seqrt_gpu_ptr *deviceState);

/// Uploads parameter `param` of `artifact` (just bound) to its device when
/// the artifact was loaded for a GPU whose launch plan reads it; a no-op
/// otherwise. The device copy is kept until the artifact is freed.
seqrt_status uploadGpuParameter(seqrt_artifact &artifact, size_t param);
} // namespace seqrt

#endif // SEQRT_LIB_GPUPLAN_H
