//===- Session.cpp - Generation sessions over prefill and decode ----------===//
//
// This file implements seqrt_session_*: a sequence's in-place state (the
// KV caches) and position, fed through an artifact's `prefill` and
// `decode` entries with seqrt_call. The state buffers are allocated once;
// each call passes them as the state inputs, and code that honours the
// in-place ABI returns every state output as a view of the same buffer, so
// logits come back without the caches being copied (the ABI leaves
// in-place outputs out of the code's results; seqrt_call returns them as
// views of the inputs).
//
// On an artifact loaded for a GPU, the session owns a device copy of each
// state buffer, allocated and zeroed once: every call runs the entry's
// launch plan over those device buffers, written in place by the kernels
// (seq.cache_write), so the caches never cross the bus per call (only the
// tokens, the position and values derived from it go up, the logits come
// back). The host buffers are refreshed from the device only when the
// caller asks for the state (seqrt_session_state, seqrt_session_sync).
//
//===----------------------------------------------------------------------===//

#include "ArtifactImpl.h"
#include "Error.h"
#include "GpuPlan.h"

#include <cstring>
#include <new>
#include <string>
#include <vector>

using namespace seqrt;

namespace {
constexpr char kPrefill[] = "prefill";
constexpr char kDecode[] = "decode";

/// Where an entry keeps its tokens, position, logits and state.
struct EntryLayout {
  long index = -1;
  size_t tokensInput = 0, positionInput = 0, logitsOutput = 0;
  /// Per state (in input order): its input and output indices.
  std::vector<size_t> stateInputs, stateOutputs;
};

std::string entryError(const char *entry, const std::string &message) {
  return std::string("session: entry '") + entry + "' " + message;
}

bool isType(const TensorType &type, seqrt_dtype dtype,
            std::vector<int64_t> shape) {
  return type.dtype == dtype && type.shape == shape;
}

/// Checks one entry's signature and finds its pieces.
seqrt_status layoutOf(const seqrt_artifact &artifact, const char *name,
                      bool decode, EntryLayout &out) {
  out.index = artifact.findEntry(name);
  if (out.index < 0)
    return fail(SEQRT_ERROR_ARGUMENT,
                std::string("session: the artifact has no '") + name +
                    "' entry (sessions need prefill and decode)");
  const EntryInfo &entry = artifact.metadata.entries[out.index];
  std::vector<bool> isState(entry.inputs.size(), false);
  for (size_t o = 0; o < entry.outputs.size(); ++o) {
    int64_t in = entry.inplaceInput.empty() ? -1 : entry.inplaceInput[o];
    if (in < 0)
      continue;
    isState[in] = true;
  }
  std::vector<size_t> plainInputs, plainOutputs;
  for (size_t i = 0; i < entry.inputs.size(); ++i) {
    if (!isState[i]) {
      plainInputs.push_back(i);
      continue;
    }
    out.stateInputs.push_back(i);
    for (size_t o = 0; o < entry.outputs.size(); ++o)
      if (entry.inplaceInput[o] == static_cast<int64_t>(i))
        out.stateOutputs.push_back(o);
  }
  for (size_t o = 0; o < entry.outputs.size(); ++o)
    if (entry.inplaceInput.empty() || entry.inplaceInput[o] < 0)
      plainOutputs.push_back(o);
  if (plainInputs.size() != 2 || plainOutputs.size() != 1)
    return fail(SEQRT_ERROR_ARGUMENT,
                entryError(name, "must take tokens, a position and in-place "
                                 "state and return logits and that state; it "
                                 "has " +
                                     std::to_string(plainInputs.size()) +
                                     " inputs and " +
                                     std::to_string(plainOutputs.size()) +
                                     " outputs that are not in-place state"));
  out.tokensInput = plainInputs[0];
  out.positionInput = plainInputs[1];
  out.logitsOutput = plainOutputs[0];
  const TensorType &tokens = entry.inputs[out.tokensInput];
  bool tokensOk = decode
                      ? isType(tokens, SEQRT_DTYPE_I32, {1, 1})
                      : tokens.dtype == SEQRT_DTYPE_I32 && tokens.rank() == 2 &&
                            tokens.shape[0] == 1 && tokens.shape[1] != 0;
  if (!tokensOk)
    return fail(SEQRT_ERROR_ARGUMENT,
                entryError(name, "input " + std::to_string(out.tokensInput) +
                                     ": expected tokens " +
                                     (decode ? "i32[1, 1]" : "i32[1, S]") +
                                     ", got " + tokens.str()));
  const TensorType &position = entry.inputs[out.positionInput];
  if (!isType(position, SEQRT_DTYPE_I32, {1}))
    return fail(SEQRT_ERROR_ARGUMENT,
                entryError(name, "input " + std::to_string(out.positionInput) +
                                     ": expected the position i32[1], got " +
                                     position.str()));
  const TensorType &logits = entry.outputs[out.logitsOutput];
  if ((logits.dtype != SEQRT_DTYPE_F32 && logits.dtype != SEQRT_DTYPE_BF16 &&
       logits.dtype != SEQRT_DTYPE_F16) ||
      logits.rank() != 2 || logits.shape[0] != 1 || logits.shape[1] < 1)
    return fail(SEQRT_ERROR_ARGUMENT,
                entryError(name, "output " + std::to_string(out.logitsOutput) +
                                     ": expected logits f32[1, V] (or bf16, "
                                     "f16) with a static V, got " +
                                     logits.str()));
  return SEQRT_OK;
}

/// Widens `n` logits of `dtype` (f32, bf16, f16) to f32.
void widenLogits(seqrt_dtype dtype, const void *data, size_t n, float *out) {
  if (dtype == SEQRT_DTYPE_F32) {
    std::memcpy(out, data, n * sizeof(float));
    return;
  }
  const auto *bits = static_cast<const uint16_t *>(data);
  for (size_t i = 0; i < n; ++i) {
    uint32_t word;
    if (dtype == SEQRT_DTYPE_BF16) {
      word = uint32_t(bits[i]) << 16;
    } else {
      // IEEE half: sign, 5-bit exponent (bias 15), 10-bit mantissa.
      uint32_t sign = uint32_t(bits[i] & 0x8000) << 16;
      uint32_t exponent = (bits[i] >> 10) & 0x1f, mantissa = bits[i] & 0x3ff;
      if (exponent == 0x1f) {
        word = sign | 0x7f800000u | (mantissa << 13);
      } else if (exponent != 0) {
        word = sign | ((exponent + 112) << 23) | (mantissa << 13);
      } else if (mantissa == 0) {
        word = sign;
      } else { // subnormal: normalise
        exponent = 113;
        while (!(mantissa & 0x400)) {
          mantissa <<= 1;
          --exponent;
        }
        word = sign | (exponent << 23) | ((mantissa & 0x3ff) << 13);
      }
    }
    std::memcpy(&out[i], &word, 4);
  }
}

/// Frees a call's outputs on scope exit.
struct Outputs {
  seqrt_artifact *artifact;
  std::vector<seqrt_tensor> tensors;
  ~Outputs() {
    for (seqrt_tensor &tensor : tensors)
      seqrt_tensor_free(artifact, &tensor);
  }
};
} // namespace

struct seqrt_session {
  seqrt_artifact *artifact = nullptr;
  EntryLayout prefill, decode;
  std::vector<seqrt_tensor> state;
  size_t vocab = 0;
  size_t capacity = 0;
  size_t position = 0;
  /// On a GPU: per state, its device copy (kept across calls), and per
  /// input of prefill and decode, the device copy of that input's state (0
  /// for the other inputs: runGpuEntry's `deviceState`).
  std::vector<seqrt_gpu_ptr> device;
  std::vector<seqrt_gpu_ptr> prefillDevice, decodeDevice;
  /// Whether a call wrote the device state since the host buffers were
  /// last refreshed from it.
  bool hostStale = false;
  /// A reset whose upload of zeroed state failed: retried before a call.
  bool resetPending = false;

  ~seqrt_session() {
    if (!device.empty()) {
      seqrt::GpuBinding &gpu = *artifact->gpu;
      std::lock_guard<std::mutex> lock(gpu.mutex);
      for (seqrt_gpu_ptr ptr : device)
        if (ptr)
          seqrt_gpu_free(gpu.context, ptr);
    }
    for (seqrt_tensor &tensor : state)
      seqrt_tensor_free(nullptr, &tensor);
  }

  seqrt_status run(const EntryLayout &layout, const int32_t *ids, size_t n,
                   float *logits);
  /// Copies the host state to the device copies (`what` for messages).
  seqrt_status upload(const char *what);
  /// Copies the device state into the host buffers if a call changed it.
  seqrt_status download();
};

seqrt_status seqrt_session::upload(const char *what) {
  seqrt::GpuBinding &gpu = *artifact->gpu;
  std::lock_guard<std::mutex> lock(gpu.mutex);
  for (size_t s = 0; s < state.size(); ++s) {
    size_t bytes = seqrt_tensor_byte_size(&state[s]);
    if (bytes != 0)
      if (seqrt_status status = seqrt_gpu_copy_to_device(gpu.context, device[s],
                                                         state[s].data, bytes))
        return fail(status, std::string("session: ") + what + " state " +
                                std::to_string(s) + " on " + gpu.target->name +
                                ": " + seqrt_last_error());
  }
  hostStale = false;
  return SEQRT_OK;
}

seqrt_status seqrt_session::download() {
  if (!hostStale)
    return SEQRT_OK;
  seqrt::GpuBinding &gpu = *artifact->gpu;
  std::lock_guard<std::mutex> lock(gpu.mutex);
  for (size_t s = 0; s < state.size(); ++s) {
    size_t bytes = seqrt_tensor_byte_size(&state[s]);
    if (bytes != 0)
      if (seqrt_status status = seqrt_gpu_copy_to_host(
              gpu.context, state[s].data, device[s], bytes))
        return fail(status, "session: copying state " + std::to_string(s) +
                                " from " + gpu.target->name + ": " +
                                seqrt_last_error());
  }
  hostStale = false;
  return SEQRT_OK;
}

seqrt_status seqrt_session::run(const EntryLayout &layout, const int32_t *ids,
                                size_t n, float *logits) {
  const EntryInfo &entry = artifact->metadata.entries[layout.index];
  const char *name = entry.name.c_str();
  if (n == 0)
    return fail(SEQRT_ERROR_ARGUMENT, entryError(name, "needs a token"));
  const TensorType &tokensType = entry.inputs[layout.tokensInput];
  if (tokensType.shape[1] != -1 &&
      static_cast<uint64_t>(tokensType.shape[1]) != n)
    return fail(SEQRT_ERROR_ARGUMENT,
                entryError(name, "takes exactly " +
                                     std::to_string(tokensType.shape[1]) +
                                     " tokens, got " + std::to_string(n)));
  if (n > capacity - position)
    return fail(SEQRT_ERROR_ARGUMENT,
                "session: " + std::to_string(n) + " more token" +
                    (n == 1 ? "" : "s") + " at position " +
                    std::to_string(position) + " would overflow the cache (" +
                    std::to_string(capacity) +
                    " tokens); reset the session or compile with a larger "
                    "--max-seq-len");
  for (size_t i = 0; i < n; ++i)
    if (ids[i] < 0 || static_cast<uint64_t>(ids[i]) >= vocab)
      return fail(SEQRT_ERROR_ARGUMENT,
                  "session: token id " + std::to_string(ids[i]) +
                      " (at index " + std::to_string(i) +
                      ") is outside the vocabulary (0 .. " +
                      std::to_string(vocab - 1) + ")");

  std::vector<seqrt_tensor> inputs(entry.inputs.size());
  int64_t tokensShape[2] = {1, static_cast<int64_t>(n)};
  auto start = static_cast<int32_t>(position);
  int64_t one = 1;
  // The code only reads non-state inputs.
  seqrt_tensor_wrap(SEQRT_DTYPE_I32, 2, tokensShape, const_cast<int32_t *>(ids),
                    &inputs[layout.tokensInput]);
  seqrt_tensor_wrap(SEQRT_DTYPE_I32, 1, &one, &start,
                    &inputs[layout.positionInput]);
  for (size_t s = 0; s < state.size(); ++s)
    inputs[layout.stateInputs[s]] = state[s];
  Outputs outputs{artifact, std::vector<seqrt_tensor>(entry.outputs.size())};
  const std::vector<seqrt_gpu_ptr> &deviceInputs =
      &layout == &prefill ? prefillDevice : decodeDevice;
  // On a GPU the kernels write the device copies in place, even when the
  // call fails after a launch: the host buffers are stale from here on.
  if (resetPending) {
    if (seqrt_status status = upload("resetting"))
      return status;
    resetPending = false;
  }
  if (!device.empty())
    hostStale = true;
  if (seqrt_status status =
          seqrt::callEntry(artifact, name, inputs.data(), inputs.size(),
                           outputs.tensors.data(), outputs.tensors.size(),
                           device.empty() ? nullptr : deviceInputs.data()))
    return status;
  for (size_t s = 0; s < state.size(); ++s) {
    const seqrt_tensor &result = outputs.tensors[layout.stateOutputs[s]];
    if (result.data != state[s].data)
      return fail(SEQRT_ERROR_EXECUTION,
                  entryError(name, "state output " +
                                       std::to_string(layout.stateOutputs[s]) +
                                       " is not the session's buffer"));
  }
  if (logits)
    widenLogits(outputs.tensors[layout.logitsOutput].dtype,
                outputs.tensors[layout.logitsOutput].data, vocab, logits);
  position += n;
  return SEQRT_OK;
}

extern "C" seqrt_status seqrt_session_create(seqrt_artifact *artifact,
                                             seqrt_session **out) {
  if (!artifact || !out)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_session_create: null argument");
  *out = nullptr;
  std::unique_ptr<seqrt_session> session;
  try {
    session = std::make_unique<seqrt_session>();
  } catch (const std::bad_alloc &) {
    return fail(SEQRT_ERROR_MEMORY, "session: out of memory");
  }
  session->artifact = artifact;
  if (seqrt_status status =
          layoutOf(*artifact, kPrefill, false, session->prefill))
    return status;
  if (seqrt_status status = layoutOf(*artifact, kDecode, true, session->decode))
    return status;
  const EntryInfo &prefill = artifact->metadata.entries[session->prefill.index];
  const EntryInfo &decode = artifact->metadata.entries[session->decode.index];
  int64_t vocab = prefill.outputs[session->prefill.logitsOutput].shape[1];
  int64_t decodeVocab = decode.outputs[session->decode.logitsOutput].shape[1];
  if (vocab != decodeVocab)
    return fail(SEQRT_ERROR_ARGUMENT,
                "session: prefill returns " + std::to_string(vocab) +
                    " logits but decode " + std::to_string(decodeVocab));
  session->vocab = static_cast<size_t>(vocab);

  const std::vector<size_t> &stateIn = session->prefill.stateInputs;
  const std::vector<size_t> &decodeIn = session->decode.stateInputs;
  if (stateIn.size() != decodeIn.size())
    return fail(SEQRT_ERROR_ARGUMENT, "session: prefill has " +
                                          std::to_string(stateIn.size()) +
                                          " in-place state inputs but decode " +
                                          std::to_string(decodeIn.size()));
  if (stateIn.empty())
    return fail(SEQRT_ERROR_ARGUMENT,
                "session: prefill and decode have no in-place state (no KV "
                "cache inputs marked \"inplace\" in the metadata)");
  int64_t capacity = -1;
  for (size_t s = 0; s < stateIn.size(); ++s) {
    const TensorType &a = prefill.inputs[stateIn[s]];
    const TensorType &b = decode.inputs[decodeIn[s]];
    if (a.dtype != b.dtype || a.shape != b.shape)
      return fail(SEQRT_ERROR_ARGUMENT,
                  "session: state " + std::to_string(s) + " is " + a.str() +
                      " in prefill (input " + std::to_string(stateIn[s]) +
                      ") but " + b.str() + " in decode (input " +
                      std::to_string(decodeIn[s]) + ")");
    bool recurrent = prefill.recurrentInput[stateIn[s]];
    if (recurrent != decode.recurrentInput[decodeIn[s]])
      return fail(SEQRT_ERROR_ARGUMENT,
                  "session: state " + std::to_string(s) +
                      " is recurrent in only one of prefill and decode");
    // Conv and SSM states summarise the whole past: no capacity.
    if (recurrent)
      continue;
    // Metadata checks make in-place types static and of rank >= 1.
    if (a.rank() != 4 || a.shape[0] != 1 ||
        (capacity >= 0 && a.shape[2] != capacity))
      return fail(SEQRT_ERROR_ARGUMENT,
                  "session: state " + std::to_string(s) + " is " + a.str() +
                      "; expected KV caches [1, Hkv, Cap, D] sharing one "
                      "capacity Cap");
    capacity = a.shape[2];
  }
  // Only recurrent state: positions are bounded by their i32 type alone.
  if (capacity < 0)
    capacity = INT32_MAX;
  session->capacity = static_cast<size_t>(capacity);
  if (session->capacity > static_cast<size_t>(INT32_MAX))
    return fail(SEQRT_ERROR_ARGUMENT, "session: the cache capacity " +
                                          std::to_string(capacity) +
                                          " does not fit an i32 position");
  if (seqrt_check_bound(artifact) != SEQRT_OK)
    return fail(SEQRT_ERROR_BINDING,
                std::string("session: ") + seqrt_last_error());

  session->state.resize(stateIn.size());
  for (size_t s = 0; s < stateIn.size(); ++s) {
    const TensorType &type = prefill.inputs[stateIn[s]];
    if (seqrt_tensor_alloc(type.dtype, static_cast<int32_t>(type.rank()),
                           type.shape.data(), &session->state[s]) != SEQRT_OK)
      return fail(SEQRT_ERROR_MEMORY,
                  "session: cannot allocate state " + std::to_string(s) + " (" +
                      type.str() + "): " + seqrt_last_error());
  }
  // On a GPU: the device copies, allocated and zeroed (uploaded) once.
  if (artifact->gpu) {
    seqrt::GpuBinding &gpu = *artifact->gpu;
    session->device.assign(stateIn.size(), 0);
    {
      std::lock_guard<std::mutex> lock(gpu.mutex);
      for (size_t s = 0; s < stateIn.size(); ++s) {
        size_t bytes = seqrt_tensor_byte_size(&session->state[s]);
        if (bytes != 0)
          if (seqrt_status status =
                  seqrt_gpu_alloc(gpu.context, bytes, &session->device[s]))
            return fail(status, "session: state " + std::to_string(s) + " (" +
                                    prefill.inputs[stateIn[s]].str() + ") on " +
                                    gpu.target->name + ": " +
                                    seqrt_last_error());
      }
    }
    if (seqrt_status status = session->upload("zeroing"))
      return status;
    session->prefillDevice.assign(prefill.inputs.size(), 0);
    session->decodeDevice.assign(decode.inputs.size(), 0);
    for (size_t s = 0; s < stateIn.size(); ++s) {
      session->prefillDevice[stateIn[s]] = session->device[s];
      session->decodeDevice[decodeIn[s]] = session->device[s];
    }
  }
  *out = session.release();
  return SEQRT_OK;
}

extern "C" void seqrt_session_free(seqrt_session *session) { delete session; }

extern "C" seqrt_status seqrt_session_prefill(seqrt_session *session,
                                              const int32_t *ids, size_t n,
                                              float *logits) {
  if (!session || (!ids && n))
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_session_prefill: null argument");
  return session->run(session->prefill, ids, n, logits);
}

extern "C" seqrt_status seqrt_session_decode(seqrt_session *session,
                                             int32_t token, float *logits) {
  if (!session)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_session_decode: null argument");
  return session->run(session->decode, &token, 1, logits);
}

extern "C" void seqrt_session_reset(seqrt_session *session) {
  if (!session)
    return;
  for (seqrt_tensor &tensor : session->state)
    std::memset(tensor.data, 0, seqrt_tensor_byte_size(&tensor));
  session->position = 0;
  // The device copies too; if that fails, the next call retries it and
  // reports the failure (reset returns nothing).
  if (!session->device.empty() && session->upload("resetting") != SEQRT_OK)
    session->resetPending = true;
}

extern "C" seqrt_status seqrt_session_sync(seqrt_session *session) {
  if (!session)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_session_sync: null argument");
  return session->download();
}

extern "C" size_t seqrt_session_position(const seqrt_session *session) {
  return session ? session->position : 0;
}

extern "C" size_t seqrt_session_capacity(const seqrt_session *session) {
  return session ? session->capacity : 0;
}

extern "C" size_t seqrt_session_vocab_size(const seqrt_session *session) {
  return session ? session->vocab : 0;
}



extern "C" size_t seqrt_session_num_states(const seqrt_session *session) {
  return session ? session->state.size() : 0;
}

extern "C" seqrt_status seqrt_session_state(const seqrt_session *session,
                                            size_t index, seqrt_tensor *out) {
  if (!session || !out)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_session_state: null argument");
  if (index >= session->state.size())
    return fail(SEQRT_ERROR_ARGUMENT,
                "seqrt_session_state: state " + std::to_string(index) +
                    " out of range (the session has " +
                    std::to_string(session->state.size()) + ")");
  // On a GPU the host buffer is refreshed from the device copy first.
  if (seqrt_status status = const_cast<seqrt_session *>(session)->download())
    return status;
  *out = session->state[index];
  out->owner_ = nullptr;
  return SEQRT_OK;
}
