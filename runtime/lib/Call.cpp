//===- Call.cpp - Calling entry points ------------------------------------===//
//
// This file implements seqrt_call: it checks the inputs against the entry's
// signature, passes them as memref descriptors (scalars by pointer) to
// `__seq_packed_<name>` as docs/design/Artifact.md specifies, and turns the
// returned descriptors into contiguous caller-owned tensors.
//
//===----------------------------------------------------------------------===//

#include "ArtifactImpl.h"
#include "Dtype.h"
#include "Error.h"
#include "GpuPlan.h"
#include "Tensor.h"
#include "seqrt/Abi.h"

#include <cstring>
#include <map>

using namespace seqrt;

static_assert(SEQRT_CODE_OUT_OF_MEMORY == seqrt::abi::kCodeOutOfMemory,
              "seqc raises the out-of-memory code seqrt.h documents");
static_assert(sizeof(void *) == sizeof(int64_t),
              "the entry-point ABI assumes 64-bit pointers");

namespace {
/// MLIR marks memrefs of constant globals with this `allocated` pointer;
/// they must not be freed.
const uintptr_t kDeadBeef = 0xdeadbeef;

/// Words of a rank-R memref descriptor: allocated, aligned, offset,
/// sizes[R], strides[R].
size_t descriptorWords(size_t rank) { return 3 + 2 * rank; }

/// Whether an input is a scalar, passed as a pointer to its value: rank 0
/// and an integer dtype. The ABI has integer scalars only; seqc passes a
/// floating-point scalar as a 0-d tensor, i.e. a rank-0 descriptor.
bool isScalar(const TensorType &type) {
  return type.rank() == 0 && isIntegerDtype(type.dtype);
}

std::string inputName(const EntryInfo &entry, size_t i) {
  return "entry '" + entry.name + "' input " + std::to_string(i);
}

seqrt_status checkInput(const EntryInfo &entry, size_t i,
                        const seqrt_tensor &input) {
  const TensorType &want = entry.inputs[i];
  std::string what = inputName(entry, i);
  if (seqrt_status status =
          checkTensorShape(what, input.dtype, input.rank, input.shape))
    return status;
  std::string got = formatType(input.dtype, input.shape, input.rank);
  if (input.dtype != want.dtype)
    return fail(SEQRT_ERROR_ARGUMENT,
                what + ": expected dtype " + seqrt_dtype_name(want.dtype) +
                    ", got " + seqrt_dtype_name(input.dtype) + " (" + got +
                    ")");
  if (static_cast<size_t>(input.rank) != want.rank())
    return fail(SEQRT_ERROR_ARGUMENT,
                what + ": expected rank " + std::to_string(want.rank()) + " (" +
                    want.str() + "), got rank " + std::to_string(input.rank) +
                    " (" + got + ")");
  for (size_t d = 0; d < want.rank(); ++d)
    if (want.shape[d] != -1 && want.shape[d] != input.shape[d])
      return fail(SEQRT_ERROR_ARGUMENT,
                  what + ": expected " + want.str() + ", got " + got +
                      " (extent " + std::to_string(d) + " is " +
                      std::to_string(input.shape[d]) + ", not " +
                      std::to_string(want.shape[d]) + ")");
  if (!input.data && seqrt_tensor_num_elements(&input) != 0)
    return fail(SEQRT_ERROR_ARGUMENT, what + ": null data");
  if (i < entry.nonemptyInput.size() && entry.nonemptyInput[i] &&
      seqrt_tensor_num_elements(&input) == 0)
    return fail(SEQRT_ERROR_ARGUMENT,
                what + " is empty (" + got +
                    "): it is a prompt, which needs at least one token");
  return SEQRT_OK;
}

/// The input whose buffer output `o` of `entry` updates in place, or -1.
int64_t inplaceInputOf(const EntryInfo &entry, size_t o) {
  return o < entry.inplaceInput.size() ? entry.inplaceInput[o] : -1;
}

/// Appends a contiguous row-major descriptor of `tensor` to `words`.
void appendDescriptor(const seqrt_tensor &tensor, int64_t *words) {
  int64_t pointer =
      static_cast<int64_t>(reinterpret_cast<uintptr_t>(tensor.data));
  words[0] = pointer; // allocated
  words[1] = pointer; // aligned
  words[2] = 0;       // offset
  int64_t stride = 1;
  for (int32_t d = tensor.rank - 1; d >= 0; --d) {
    words[3 + d] = tensor.shape[d];
    words[3 + tensor.rank + d] = stride;
    stride *= tensor.shape[d];
  }
}

/// A result descriptor as returned by the code.
struct ResultView {
  void *allocated;
  char *aligned;
  int64_t offset;
  const int64_t *sizes;
  const int64_t *strides;
  size_t rank;

  bool isContiguous() const {
    if (offset != 0)
      return false;
    int64_t expected = 1;
    for (size_t d = rank; d-- > 0;) {
      if (sizes[d] != 1 && strides[d] != expected)
        return false;
      expected *= sizes[d];
    }
    return true;
  }
};

ResultView viewResult(const int64_t *words, size_t rank) {
  ResultView view;
  view.allocated = reinterpret_cast<void *>(static_cast<uintptr_t>(words[0]));
  view.aligned = reinterpret_cast<char *>(static_cast<uintptr_t>(words[1]));
  view.offset = words[2];
  view.sizes = words + 3;
  view.strides = words + 3 + rank;
  view.rank = rank;
  return view;
}

/// Copies a strided result into contiguous row-major `dest`.
void copyStrided(const ResultView &view, size_t elementSize, char *dest,
                 int64_t count) {
  if (count == 0)
    return;
  int64_t index[SEQRT_MAX_RANK] = {};
  for (int64_t n = 0; n < count; ++n) {
    int64_t source = view.offset;
    for (size_t d = 0; d < view.rank; ++d)
      source += index[d] * view.strides[d];
    std::memcpy(dest + n * elementSize, view.aligned + source * elementSize,
                elementSize);
    for (size_t d = view.rank; d-- > 0;) {
      if (++index[d] < view.sizes[d])
        break;
      index[d] = 0;
    }
  }
}

/// SEQRT_ERROR_EXECUTION if the call stored an error in its status slot.
/// `message` is what the code wrote next to its status (artifacts built
/// with --bounds-checks or --check-numerics), empty otherwise.
seqrt_status checkCodeStatus(int32_t code, const EntryInfo &entry,
                             const char *message) {
  if (code == SEQRT_CODE_OK)
    return SEQRT_OK;
  const char *what = code == SEQRT_CODE_INDEX_OUT_OF_RANGE
                         ? "an index out of range (e.g. a token id outside "
                           "the vocabulary)"
                     : code == SEQRT_CODE_CACHE_OVERFLOW
                         ? "a KV cache overflow (a write past its capacity)"
                     : code == SEQRT_CODE_INVALID_LOGITS
                         ? "sampling from invalid logits (a NaN, e.g. from "
                           "non-finite weights, or an empty vocabulary)"
                     : code == SEQRT_CODE_SHAPE_MISMATCH
                         ? "operand extents that do not agree (e.g. query "
                           "heads not a multiple of KV heads, K and V of "
                           "different lengths, or a MoE permutation that "
                           "lists a slot twice)"
                     : code == SEQRT_CODE_OUT_OF_MEMORY
                         ? "out of memory (a buffer the code allocates "
                           "could not be allocated)"
                     : code == SEQRT_CODE_CHECK_FAILED
                         ? "a bounds check failed (--bounds-checks)"
                     : code == SEQRT_CODE_NON_FINITE
                         ? "a non-finite value (--check-numerics)"
                         : "an unknown error";
  // The code bounds the message; a record it left unterminated is cut.
  std::string detail(message, strnlen(message, abi::kStatusMessageBytes));
  return fail(SEQRT_ERROR_EXECUTION,
              "entry '" + entry.name + "' failed while running: " + what +
                  " (__seq_status " + std::to_string(code) + ")" +
                  (detail.empty() ? "" : ": " + detail));
}

/// Turns the result struct into output tensors; see seqrt_call.
class ResultUnpacker {
public:
  ResultUnpacker(const seqrt_artifact &artifact, const EntryInfo &entry,
                 const seqrt_tensor *inputs, size_t numInputs)
      : artifact(artifact), entry(entry), inputs(inputs), numInputs(numInputs) {
  }

  ~ResultUnpacker() {
    // Drop the call's reference: frees allocations no output kept.
    for (auto &[allocated, owner] : owners)
      owner->release();
  }

  /// Checks every descriptor first, so that a bad one leaves nothing
  /// half-built, then fills `outputs`.
  seqrt_status unpack(const int64_t *words, seqrt_tensor *outputs) {
    std::vector<ResultView> views;
    // In-place state outputs are not in the result struct: the code left
    // the new state in the input's buffer, which the output views.
    inplaceWords.resize(entry.outputs.size());
    for (size_t i = 0; i < entry.outputs.size(); ++i) {
      if (int64_t in = inplaceInputOf(entry, i); in >= 0) {
        inplaceWords[i].assign(descriptorWords(inputs[in].rank), 0);
        appendDescriptor(inputs[in], inplaceWords[i].data());
        views.push_back(
            viewResult(inplaceWords[i].data(), entry.outputs[i].rank()));
        continue;
      }
      views.push_back(viewResult(words, entry.outputs[i].rank()));
      words += descriptorWords(entry.outputs[i].rank());
      if (!isBorrowed(views.back()) && !owners.count(views.back().allocated))
        owners[views.back().allocated] =
            TensorOwner::forResult(views.back().allocated, artifact.library);
    }
    for (size_t i = 0; i < views.size(); ++i)
      if (seqrt_status status = checkResult(i, views[i]))
        return status;
    for (size_t i = 0; i < views.size(); ++i)
      if (seqrt_status status = fill(i, views[i], outputs[i]))
        return status;
    return SEQRT_OK;
  }

private:
  /// Whether the result's memory is not the caller's to free: a constant
  /// global, or (defensively) memory of an input or of a weight.
  bool isBorrowed(const ResultView &view) const {
    auto address = reinterpret_cast<uintptr_t>(view.allocated);
    if (address == 0 || address == kDeadBeef)
      return true;
    auto within = [&](const void *data, size_t size) {
      auto begin = reinterpret_cast<uintptr_t>(data);
      return data && address >= begin && address < begin + size;
    };
    for (size_t i = 0; i < numInputs; ++i)
      if (within(inputs[i].data, seqrt_tensor_byte_size(&inputs[i])))
        return true;
    for (size_t i = 0; i < artifact.globals.size(); ++i) {
      const TensorType &type = artifact.metadata.parameters[i].type;
      std::optional<int64_t> count = numElements(type.shape);
      if (within(*artifact.globals[i],
                 count ? *count * seqrt_dtype_size(type.dtype) : 0))
        return true;
    }
    return false;
  }

  seqrt_status checkResult(size_t i, const ResultView &view) const {
    const TensorType &want = entry.outputs[i];
    std::string what = "entry '" + entry.name + "' output " +
                       std::to_string(i) + " (" + want.str() + ")";
    std::vector<int64_t> sizes(view.sizes, view.sizes + view.rank);
    std::optional<int64_t> count =
        numElements(sizes, seqrt_dtype_size(want.dtype));
    if (!count)
      return fail(SEQRT_ERROR_FORMAT,
                  what + ": code returned invalid sizes " + formatShape(sizes));
    for (size_t d = 0; d < want.rank(); ++d)
      if (want.shape[d] != -1 && want.shape[d] != sizes[d])
        return fail(SEQRT_ERROR_FORMAT,
                    what + ": code returned shape " + formatShape(sizes));
    if (*count != 0 && !view.aligned)
      return fail(SEQRT_ERROR_FORMAT, what + ": code returned null data");
    return SEQRT_OK;
  }

  seqrt_status fill(size_t index, const ResultView &view, seqrt_tensor &out) {
    const TensorType &type = entry.outputs[index];
    out.dtype = type.dtype;
    out.rank = static_cast<int32_t>(view.rank);
    for (size_t d = 0; d < view.rank; ++d)
      out.shape[d] = view.sizes[d];
    int64_t count = seqrt_tensor_num_elements(&out);
    // State updated in place: the output is the caller's input buffer.
    int64_t in = entry.inplaceInput.empty() ? -1 : entry.inplaceInput[index];
    if (in >= 0 && static_cast<size_t>(in) < numInputs &&
        view.aligned == inputs[in].data && view.isContiguous()) {
      out.data = view.aligned;
      out.owner_ = nullptr;
      return SEQRT_OK;
    }
    auto owner = owners.find(view.allocated);
    if (owner != owners.end() && count != 0 && view.isContiguous()) {
      owner->second->retain();
      out.data = view.aligned;
      out.owner_ = owner->second;
      return SEQRT_OK;
    }
    size_t elementSize = seqrt_dtype_size(type.dtype);
    void *copy = alignedZeroAlloc(static_cast<size_t>(count) * elementSize);
    if (!copy)
      return fail(SEQRT_ERROR_MEMORY,
                  "out of memory copying entry '" + entry.name + "' results");
    copyStrided(view, elementSize, static_cast<char *>(copy), count);
    out.data = copy;
    out.owner_ = TensorOwner::forHeap(copy);
    return SEQRT_OK;
  }

  const seqrt_artifact &artifact;
  const EntryInfo &entry;
  const seqrt_tensor *inputs;
  size_t numInputs;
  /// Descriptors of the in-place outputs (views of their inputs).
  std::vector<std::vector<int64_t>> inplaceWords;
  /// One owner per distinct `allocated` pointer the caller must free.
  std::map<void *, TensorOwner *> owners;
};
} // namespace

extern "C" seqrt_status seqrt_call(seqrt_artifact *artifact,
                                   const char *entryName,
                                   const seqrt_tensor *inputs, size_t numInputs,
                                   seqrt_tensor *outputs, size_t numOutputs) {
  return callEntry(artifact, entryName, inputs, numInputs, outputs, numOutputs,
                   nullptr);
}

seqrt_status seqrt::callEntry(seqrt_artifact *artifact, const char *entryName,
                              const seqrt_tensor *inputs, size_t numInputs,
                              seqrt_tensor *outputs, size_t numOutputs,
                              const seqrt_gpu_ptr *deviceState) {
  auto in = reinterpret_cast<uintptr_t>(inputs);
  auto out = reinterpret_cast<uintptr_t>(outputs);
  if (inputs && outputs && in < out + numOutputs * sizeof(seqrt_tensor) &&
      out < in + numInputs * sizeof(seqrt_tensor))
    return fail(SEQRT_ERROR_ARGUMENT,
                "seqrt_call: the output array overlaps the input array");
  if (outputs)
    std::memset(outputs, 0, numOutputs * sizeof(seqrt_tensor));
  if (!artifact || !entryName || (!inputs && numInputs) ||
      (!outputs && numOutputs))
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_call: null argument");
  long index = artifact->findEntry(entryName);
  if (index < 0)
    return fail(SEQRT_ERROR_ARGUMENT,
                std::string("artifact has no entry '") + entryName + "'");
  const EntryInfo &entry = artifact->metadata.entries[index];
  if (numInputs != entry.inputs.size())
    return fail(SEQRT_ERROR_ARGUMENT, "entry '" + entry.name + "' takes " +
                                          std::to_string(entry.inputs.size()) +
                                          " inputs, got " +
                                          std::to_string(numInputs));
  if (numOutputs != entry.outputs.size())
    return fail(SEQRT_ERROR_ARGUMENT, "entry '" + entry.name + "' returns " +
                                          std::to_string(entry.outputs.size()) +
                                          " outputs, got room for " +
                                          std::to_string(numOutputs));
  if (seqrt_check_bound(artifact) != SEQRT_OK)
    return fail(SEQRT_ERROR_BINDING, "cannot call entry '" + entry.name +
                                         "': " + seqrt_last_error());
  for (size_t i = 0; i < numInputs; ++i)
    if (seqrt_status status = checkInput(entry, i, inputs[i]))
      return status;
  // A buffer updated in place must not be read through another input.
  for (int64_t in : entry.inplaceInput) {
    if (in < 0)
      continue;
    auto begin = reinterpret_cast<uintptr_t>(inputs[in].data);
    auto end = begin + seqrt_tensor_byte_size(&inputs[in]);
    for (size_t j = 0; j < numInputs; ++j) {
      auto other = reinterpret_cast<uintptr_t>(inputs[j].data);
      auto otherEnd = other + seqrt_tensor_byte_size(&inputs[j]);
      // Empty ranges share no memory.
      if (j != static_cast<size_t>(in) && begin < end && other < otherEnd &&
          other < end && begin < otherEnd)
        return fail(SEQRT_ERROR_ARGUMENT,
                    inputName(entry, in) +
                        " is updated in place and must not share memory "
                        "with " +
                        inputName(entry, j));
    }
  }

  // On a GPU: the entry's launch plan (GpuPlan.cpp).
  if (artifact->gpu)
    return runGpuEntry(*artifact, static_cast<size_t>(index), inputs, outputs,
                       deviceState);

  // One buffer for the result struct followed by the input descriptors.
  // In-place state outputs are not part of it (docs/design/Artifact.md).
  size_t resultWords = 0, codeResults = 0;
  for (size_t o = 0; o < entry.outputs.size(); ++o)
    if (inplaceInputOf(entry, o) < 0) {
      resultWords += descriptorWords(entry.outputs[o].rank());
      ++codeResults;
    }
  size_t totalWords = resultWords;
  for (size_t i = 0; i < numInputs; ++i)
    if (!isScalar(entry.inputs[i]))
      totalWords += descriptorWords(inputs[i].rank);
  std::vector<int64_t> words(totalWords, 0);
  std::vector<void *> args;
  args.reserve(numInputs + 1);
  if (codeResults != 0)
    args.push_back(words.data());
  int64_t *next = words.data() + resultWords;
  for (size_t i = 0; i < numInputs; ++i) {
    if (isScalar(entry.inputs[i])) {
      args.push_back(inputs[i].data);
      continue;
    }
    appendDescriptor(inputs[i], next);
    args.push_back(next);
    next += descriptorWords(inputs[i].rank);
  }

  // The call's own status slot: overlapping calls cannot see each other's.
  // A StatusRecord, zeroed: code that reports messages (its ABI record has
  // the `m` item) writes one after the code.
  abi::StatusRecord record = {};
  artifact->functions[index](args.data(), &record.code);
  int32_t codeStatus = record.code;

  // After a failed allocation or bounds check the code jumped back to its
  // wrapper: the result struct was never written (what it had allocated
  // is lost).
  if (entry.outputs.empty() || codeStatus == SEQRT_CODE_OUT_OF_MEMORY ||
      codeStatus == SEQRT_CODE_CHECK_FAILED)
    return checkCodeStatus(codeStatus, entry, record.message);
  ResultUnpacker unpacker(*artifact, entry, inputs, numInputs);
  seqrt_status status = unpacker.unpack(words.data(), outputs);
  if (status == SEQRT_OK)
    status = checkCodeStatus(codeStatus, entry, record.message);
  if (status != SEQRT_OK)
    for (size_t i = 0; i < numOutputs; ++i)
      seqrt_tensor_free(artifact, &outputs[i]);
  return status;
}
