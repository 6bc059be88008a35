//===- GpuHostDynamic.h - Launch plan version 6 ---------------*- C++ -*-===//
//
// The names of launch plan version 6 that the compiler
// (lib/Target/GPU/HostPlan.cpp) and the runtime (runtime/lib/GpuPlan.cpp)
// share, beside seqrt/GpuHost.h's older ones (docs/design/GPU.md, "The
// host side"): an entry's dynamic extent (the prompt length of an imported
// model's prefill) and the entries left to the CPU. Plain C++.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_GPUHOSTDYNAMIC_H
#define SEQRT_GPUHOSTDYNAMIC_H

namespace seqrt {
namespace gpuhost {
/// The plan version of these members (written only by plans that use
/// them); the runtime reads versions 1 to kPlanVersionDynamic.
inline constexpr int kPlanVersionDynamic = 6;
/// An entry's "dims" ([{"input": i, "axis": d}], one element) names its
/// dynamic extent S (a prompt of any length), read from the shape of
/// input i at the call; every extent of a buffer or argument, an
/// argument's "offset" and a position buffer's "start" may then be an
/// integer or {"sym": 0, "mul": a, "add": b}, the value a x S + b. The
/// runtime instantiates the entry for S at each call and checks it as a
/// static plan.
inline constexpr char kEntryDims[] = "dims";
inline constexpr char kExtentSymbol[] = "sym";
inline constexpr char kExtentMul[] = "mul";
inline constexpr char kExtentAdd[] = "add";
/// The entries with no launch plan (control flow such as decode loops, or
/// state the entry allocates itself), which run on the CPU only; calling
/// one on the GPU is an error naming it.
inline constexpr char kPlanCpuOnly[] = "cpu_only";
} // namespace gpuhost
} // namespace seqrt

#endif // SEQRT_GPUHOSTDYNAMIC_H
