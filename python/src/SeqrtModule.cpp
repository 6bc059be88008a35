//===- SeqrtModule.cpp - nanobind bindings of the seqrt C API -------------===//
//
// This file implements `seqrt._seqrt`, the native half of the `seqrt`
// Python package (python/seqrt/__init__.py is the public half). It is a
// thin layer over runtime/include/seqrt/seqrt.h:
//
// - Inputs arrive as nanobind ndarrays (NumPy arrays through the buffer
//   protocol, torch tensors and anything else through DLPack) and are
//   passed to the runtime as views of the caller's memory: no copy. They
//   must be CPU, C-contiguous and of the entry's dtype; the Python layer
//   makes a contiguous copy only when the layout is not (documented).
// - Outputs are `Buffer` objects that own the runtime's result tensor (freed
//   with seqrt_tensor_free when the last array viewing it goes away) and
//   export it through `__array_interface__`: numpy.asarray(buffer) is a
//   view of the memory the code wrote, with the Buffer as its base.
// - Every failing seqrt call raises the exception class
//   seqrt.errors.exception_for(status, message, kind) picks, carrying the
//   runtime's message (seqrt_last_error, read on the calling thread).
// - Calls into generated code (seqrt_call, session prefill/decode) release
//   the GIL, so several Python threads can run one artifact at once.
//
//===----------------------------------------------------------------------===//

#include "seqrt/seqrt.h"

#include "Gguf.h"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace nb = nanobind;

namespace {

using InputArray = nb::ndarray<nb::ro, nb::device::cpu>;

/// Raises the typed exception for a failed seqrt call. `kind` refines the
/// class where the status alone does not ("token", "cache").
[[noreturn]] void raiseStatus(seqrt_status status, std::string message,
                              const char *kind = "") {
  nb::object errors = nb::module_::import_("seqrt.errors");
  nb::object exception = errors.attr("exception_for")(static_cast<int>(status),
                                                      std::move(message), kind);
  PyErr_SetObject(reinterpret_cast<PyObject *>(Py_TYPE(exception.ptr())),
                  exception.ptr());
  throw nb::python_error();
}

/// Raises for `status` with this thread's last runtime error.
void check(seqrt_status status) {
  if (status != SEQRT_OK)
    raiseStatus(status, seqrt_last_error());
}

/// A runtime error of our own making (an argument the binding rejects
/// before the runtime sees it).
[[noreturn]] void raiseArgument(const std::string &message) {
  raiseStatus(SEQRT_ERROR_ARGUMENT, message);
}

/// The NumPy array-interface type string of a dtype. bf16 has no NumPy
/// type: its buffers are exported as their raw 16-bit patterns ("<u2"),
/// which the Python layer views as torch.bfloat16 (or leaves as bits).
const char *typeString(seqrt_dtype dtype) {
  switch (dtype) {
  case SEQRT_DTYPE_F32:
    return "<f4";
  case SEQRT_DTYPE_F16:
    return "<f2";
  case SEQRT_DTYPE_BF16:
    return "<u2";
  case SEQRT_DTYPE_F64:
    return "<f8";
  case SEQRT_DTYPE_I1:
    return "|b1";
  case SEQRT_DTYPE_I8:
    return "|i1";
  case SEQRT_DTYPE_I32:
    return "<i4";
  case SEQRT_DTYPE_I64:
    return "<i8";
  }
  return "|V1";
}

/// The seqrt dtype a DLPack dtype denotes for an input of type `expected`:
/// the same type, or uint16/int16 bits for a bf16 or f16 input.
bool matchesDtype(nb::dlpack::dtype dt, seqrt_dtype expected) {
  if (dt.lanes != 1)
    return false;
  using Code = nb::dlpack::dtype_code;
  auto code = static_cast<Code>(dt.code);
  switch (expected) {
  case SEQRT_DTYPE_F32:
    return code == Code::Float && dt.bits == 32;
  case SEQRT_DTYPE_F64:
    return code == Code::Float && dt.bits == 64;
  case SEQRT_DTYPE_F16:
    return (code == Code::Float || code == Code::UInt) && dt.bits == 16;
  case SEQRT_DTYPE_BF16:
    return (code == Code::Bfloat || code == Code::UInt) && dt.bits == 16;
  case SEQRT_DTYPE_I1:
    return code == Code::Bool && dt.bits == 8;
  case SEQRT_DTYPE_I8:
    return (code == Code::Int || code == Code::UInt) && dt.bits == 8;
  case SEQRT_DTYPE_I32:
    return code == Code::Int && dt.bits == 32;
  case SEQRT_DTYPE_I64:
    return code == Code::Int && dt.bits == 64;
  }
  return false;
}

/// A printable DLPack dtype ("float32", "bfloat16", ...).
std::string dlpackName(nb::dlpack::dtype dt) {
  using Code = nb::dlpack::dtype_code;
  const char *base = "type";
  switch (static_cast<Code>(dt.code)) {
  case Code::Int:
    base = "int";
    break;
  case Code::UInt:
    base = "uint";
    break;
  case Code::Float:
    base = "float";
    break;
  case Code::Bfloat:
    base = "bfloat";
    break;
  case Code::Bool:
    return "bool";
  default:
    break;
  }
  return base + std::to_string(dt.bits);
}

/// A C-contiguous row-major check in element strides.
bool isContiguous(const InputArray &array) {
  int64_t expected = 1;
  for (size_t d = array.ndim(); d-- > 0;) {
    if (array.shape(d) != 1 && array.stride(d) != expected)
      return false;
    expected *= static_cast<int64_t>(array.shape(d));
  }
  return true;
}

/// Describes `array` as a seqrt tensor of dtype `dtype` (a view, no copy),
/// after checking device, layout and dtype. `what` names it in errors.
seqrt_tensor wrapArray(const InputArray &array, seqrt_dtype dtype,
                       const std::string &what) {
  if (array.ndim() > SEQRT_MAX_RANK)
    raiseArgument(what + ": rank " + std::to_string(array.ndim()) +
                  " exceeds the runtime's " + std::to_string(SEQRT_MAX_RANK));
  if (!isContiguous(array))
    raiseArgument(what + ": not C-contiguous");
  if (!matchesDtype(array.dtype(), dtype))
    raiseArgument(what + ": expected " + seqrt_dtype_name(dtype) + ", got " +
                  dlpackName(array.dtype()));
  int64_t shape[SEQRT_MAX_RANK] = {};
  for (size_t d = 0; d < array.ndim(); ++d)
    shape[d] = static_cast<int64_t>(array.shape(d));
  seqrt_tensor tensor;
  check(seqrt_tensor_wrap(dtype, static_cast<int32_t>(array.ndim()), shape,
                          const_cast<void *>(array.data()), &tensor));
  return tensor;
}

/// (dtype name, shape) of a tensor type, for the Python layer.
nb::tuple typeTuple(const seqrt_tensor_type &type) {
  nb::list shape;
  for (int32_t d = 0; d < type.rank; ++d)
    shape.append(type.shape[d]);
  return nb::make_tuple(seqrt_dtype_name(type.dtype), nb::tuple(shape));
}

/// A tensor the runtime wrote, owned (freed on destruction) or a view kept
/// valid by `keepAlive` (session state, logits buffers).
class Buffer {
public:
  Buffer(seqrt_tensor tensor, nb::object keepAlive)
      : tensor(tensor), keepAlive(std::move(keepAlive)) {}
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;
  ~Buffer() { seqrt_tensor_free(nullptr, &tensor); }

  uintptr_t dataPtr() const { return reinterpret_cast<uintptr_t>(tensor.data); }
  std::string dtype() const { return seqrt_dtype_name(tensor.dtype); }
  nb::tuple shape() const {
    nb::list shape;
    for (int32_t d = 0; d < tensor.rank; ++d)
      shape.append(tensor.shape[d]);
    return nb::tuple(shape);
  }
  size_t nbytes() const { return seqrt_tensor_byte_size(&tensor); }
  bool owned() const { return tensor.owner_ != nullptr; }

  nb::dict arrayInterface() const {
    nb::dict interface;
    interface["version"] = 3;
    interface["shape"] = shape();
    interface["typestr"] = typeString(tensor.dtype);
    // An empty tensor may have a null pointer, which NumPy rejects.
    static char empty;
    void *data = tensor.data ? tensor.data : &empty;
    interface["data"] =
        nb::make_tuple(reinterpret_cast<uintptr_t>(data), false);
    return interface;
  }

  const seqrt_tensor &get() const { return tensor; }

private:
  seqrt_tensor tensor;
  nb::object keepAlive;
};

/// A loaded artifact and what must live as long as it: caller memory bound
/// with bind_parameter.
class Artifact {
public:
  explicit Artifact(const std::string &path) {
    seqrt_status status;
    {
      nb::gil_scoped_release release;
      status = seqrt_artifact_load(path.c_str(), &artifact);
      if (status != SEQRT_OK)
        error = seqrt_last_error();
    }
    if (status != SEQRT_OK)
      raiseStatus(status, error);
  }
  Artifact(const Artifact &) = delete;
  Artifact &operator=(const Artifact &) = delete;
  ~Artifact() { seqrt_artifact_free(artifact); }

  seqrt_artifact *get() const { return artifact; }

  std::string metadata() const { return seqrt_artifact_metadata(artifact); }
  std::string producer() const { return seqrt_artifact_producer(artifact); }
  std::string targetKind() const {
    return seqrt_artifact_target_kind(artifact);
  }
  std::string targetTriple() const {
    return seqrt_artifact_target_triple(artifact);
  }
  std::string targetCpu() const { return seqrt_artifact_target_cpu(artifact); }

  /// [(name, [(dtype, shape)], [(dtype, shape, inplace_input)],
  ///   generated_count_output)]
  nb::list entries() const {
    nb::list entries;
    for (size_t e = 0, n = seqrt_artifact_num_entries(artifact); e < n; ++e) {
      nb::list inputs, outputs;
      seqrt_tensor_type type;
      for (size_t i = 0; i < seqrt_entry_num_inputs(artifact, e); ++i) {
        check(seqrt_entry_input_type(artifact, e, i, &type));
        inputs.append(typeTuple(type));
      }
      for (size_t o = 0; o < seqrt_entry_num_outputs(artifact, e); ++o) {
        check(seqrt_entry_output_type(artifact, e, o, &type));
        nb::tuple t = typeTuple(type);
        outputs.append(nb::make_tuple(
            t[0], t[1], seqrt_entry_inplace_input(artifact, e, o)));
      }
      entries.append(
          nb::make_tuple(seqrt_entry_name(artifact, e), inputs, outputs,
                         seqrt_entry_generated_count_output(artifact, e)));
    }
    return entries;
  }

  /// [(key, symbol, dtype, shape, encoding, bound)]
  nb::list parameters() const {
    nb::list params;
    for (size_t p = 0, n = seqrt_artifact_num_parameters(artifact); p < n;
         ++p) {
      seqrt_tensor_type type;
      check(seqrt_parameter_type(artifact, p, &type));
      nb::tuple t = typeTuple(type);
      params.append(nb::make_tuple(seqrt_parameter_key(artifact, p),
                                   seqrt_parameter_symbol(artifact, p), t[0],
                                   t[1], seqrt_parameter_encoding(artifact, p),
                                   seqrt_parameter_is_bound(artifact, p) != 0));
    }
    return params;
  }

  /// Binds the file's tensors; with a non-empty `prefix`, a tensor `name`
  /// binds the parameter keyed `prefix + name` only (a draft model's
  /// weights in a speculative artifact: prefix "draft/").
  void bindFile(const std::string &path, const std::string &prefix) {
    seqrt_status status;
    {
      nb::gil_scoped_release release;
      status = prefix.empty()
                   ? seqrt_bind_weights(artifact, path.c_str())
                   : seqrt_bind_weights_prefixed(artifact, path.c_str(),
                                                 prefix.c_str());
      if (status != SEQRT_OK)
        error = seqrt_last_error();
    }
    if (status != SEQRT_OK)
      raiseStatus(status, error);
  }

  /// Binds `key` to the array's memory, which this artifact keeps alive.
  void bindParameter(const std::string &key, nb::object owner,
                     InputArray array) {
    seqrt_dtype dtype = SEQRT_DTYPE_F32;
    bool found = false;
    for (size_t p = 0, n = seqrt_artifact_num_parameters(artifact); p < n;
         ++p) {
      if (key != seqrt_parameter_key(artifact, p))
        continue;
      seqrt_tensor_type type;
      check(seqrt_parameter_type(artifact, p, &type));
      dtype = type.dtype;
      found = true;
      break;
    }
    if (!found)
      raiseStatus(SEQRT_ERROR_BINDING,
                  "the artifact has no parameter with key '" + key + "'");
    seqrt_tensor tensor = wrapArray(array, dtype, "parameter '" + key + "'");
    check(seqrt_bind_parameter(artifact, key.c_str(), &tensor));
    boundArrays.push_back(std::move(owner));
  }

  void checkBound() const { check(seqrt_check_bound(artifact)); }

  /// Calls `entry` with `inputs` (already the entry's arity and dtypes as
  /// the Python layer arranged them). Returns one item per output: a
  /// Buffer, or the input index for an in-place state output.
  nb::list call(const std::string &entry, nb::list arrays) {
    size_t index = 0;
    check(seqrt_entry_find(artifact, entry.c_str(), &index));
    size_t numInputs = seqrt_entry_num_inputs(artifact, index);
    size_t numOutputs = seqrt_entry_num_outputs(artifact, index);
    if (nb::len(arrays) != numInputs)
      raiseArgument("entry '" + entry + "' takes " + std::to_string(numInputs) +
                    " inputs, got " + std::to_string(nb::len(arrays)));
    // Keep the ndarray handles (and so the caller's memory) for the call.
    std::vector<InputArray> held;
    std::vector<seqrt_tensor> inputs(numInputs);
    for (size_t i = 0; i < numInputs; ++i) {
      seqrt_tensor_type type;
      check(seqrt_entry_input_type(artifact, index, i, &type));
      std::string what = "entry '" + entry + "' input " + std::to_string(i);
      InputArray array;
      if (!nb::try_cast(arrays[i], array))
        raiseArgument(what + ": not an array on the CPU (NumPy, DLPack)");
      inputs[i] = wrapArray(array, type.dtype, what);
      held.push_back(std::move(array));
    }
    std::vector<seqrt_tensor> outputs(numOutputs);
    seqrt_status status;
    {
      nb::gil_scoped_release release;
      status = seqrt_call(artifact, entry.c_str(), inputs.data(), numInputs,
                          outputs.data(), numOutputs);
      if (status != SEQRT_OK)
        error = seqrt_last_error();
    }
    if (status != SEQRT_OK)
      raiseStatus(status, error);
    nb::list results;
    for (size_t o = 0; o < numOutputs; ++o) {
      int64_t inplace = seqrt_entry_inplace_input(artifact, index, o);
      if (inplace >= 0)
        results.append(inplace);
      else
        results.append(nb::cast(new Buffer(outputs[o], nb::none()),
                                nb::rv_policy::take_ownership));
    }
    return results;
  }

private:
  seqrt_artifact *artifact = nullptr;
  std::vector<nb::object> boundArrays;
  // The message of a failure on this thread, read before the GIL returns
  // (thread_local in the runtime: the same thread reads it).
  static thread_local std::string error;
};
thread_local std::string Artifact::error;

/// Logits of one token: an f32 [V] buffer the runtime fills.
Buffer *newLogits(size_t vocab) {
  int64_t shape[1] = {static_cast<int64_t>(vocab)};
  seqrt_tensor tensor;
  check(seqrt_tensor_alloc(SEQRT_DTYPE_F32, 1, shape, &tensor));
  return new Buffer(tensor, nb::none());
}

/// A generation session over an artifact's prefill and decode entries.
class Session {
public:
  Session(nb::object artifactObject)
      : artifactObject(std::move(artifactObject)) {
    Artifact &artifact = nb::cast<Artifact &>(this->artifactObject);
    check(seqrt_session_create(artifact.get(), &session));
  }
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;
  ~Session() { seqrt_session_free(session); }

  size_t position() const { return seqrt_session_position(session); }
  size_t capacity() const { return seqrt_session_capacity(session); }
  size_t vocabSize() const { return seqrt_session_vocab_size(session); }
  void reset() { seqrt_session_reset(session); }
  /// On a GPU: the state buffers refreshed from the device copies.
  void sync() { check(seqrt_session_sync(session)); }

  /// Prefills `ids` (int32, 1-D, contiguous) and returns the last logits.
  nb::object prefill(nb::ndarray<nb::ro, nb::device::cpu, nb::c_contig> ids) {
    if (ids.ndim() != 1 || !matchesDtype(ids.dtype(), SEQRT_DTYPE_I32))
      raiseArgument("session: token ids must be a 1-D int32 array");
    const auto *data = static_cast<const int32_t *>(ids.data());
    return run(data, ids.shape(0), /*decode=*/false);
  }

  nb::object decode(int64_t token) {
    if (token < INT32_MIN || token > INT32_MAX)
      raiseStatus(SEQRT_ERROR_ARGUMENT,
                  "session: token id " + std::to_string(token) +
                      " is outside the vocabulary (0 .. " +
                      std::to_string(vocabSize() - 1) + ")",
                  "token");
    int32_t id = static_cast<int32_t>(token);
    return run(&id, 1, /*decode=*/true);
  }

  /// The state buffers (views, valid while this session lives).
  nb::list states(nb::handle self) const {
    nb::list states;
    for (size_t s = 0, n = seqrt_session_num_states(session); s < n; ++s) {
      seqrt_tensor tensor;
      check(seqrt_session_state(session, s, &tensor));
      states.append(nb::cast(new Buffer(tensor, nb::borrow(self)),
                             nb::rv_policy::take_ownership));
    }
    return states;
  }

private:
  nb::object run(const int32_t *ids, size_t n, bool decode) {
    nb::object logits =
        nb::cast(newLogits(vocabSize()), nb::rv_policy::take_ownership);
    auto *out = static_cast<float *>(nb::cast<Buffer &>(logits).get().data);
    seqrt_status status;
    std::string message;
    {
      nb::gil_scoped_release release;
      status = decode ? seqrt_session_decode(session, ids[0], out)
                      : seqrt_session_prefill(session, ids, n, out);
      if (status != SEQRT_OK)
        message = seqrt_last_error();
    }
    if (status == SEQRT_OK)
      return logits;
    // Name what the session rejected: a token id or the cache capacity.
    const char *kind = "";
    if (status == SEQRT_ERROR_ARGUMENT) {
      size_t vocab = vocabSize();
      for (size_t i = 0; i < n; ++i)
        if (ids[i] < 0 || static_cast<uint64_t>(ids[i]) >= vocab)
          kind = "token";
      if (!*kind && n > capacity() - position())
        kind = "cache";
    }
    raiseStatus(status, message, kind);
  }

  nb::object artifactObject;
  seqrt_session *session = nullptr;
};

/// A tokenizer (byte-level BPE or SentencePiece), immutable once loaded.
class Tokenizer {
public:
  explicit Tokenizer(seqrt_tokenizer *tokenizer) : tokenizer(tokenizer) {}
  Tokenizer(const Tokenizer &) = delete;
  Tokenizer &operator=(const Tokenizer &) = delete;
  ~Tokenizer() { seqrt_tokenizer_free(tokenizer); }

  static Tokenizer *fromGguf(const std::string &path) {
    seqrt_tokenizer *tokenizer = nullptr;
    check(seqrt_tokenizer_load_gguf(path.c_str(), &tokenizer));
    return new Tokenizer(tokenizer);
  }
  static Tokenizer *fromJson(const std::string &path) {
    seqrt_tokenizer *tokenizer = nullptr;
    check(seqrt_tokenizer_load_json(path.c_str(), &tokenizer));
    return new Tokenizer(tokenizer);
  }

  std::vector<int32_t> encode(const std::string &text, bool addSpecial) const {
    size_t count = 0;
    check(seqrt_tokenizer_encode(tokenizer, text.data(), text.size(),
                                 addSpecial, nullptr, 0, &count));
    std::vector<int32_t> ids(count);
    if (count)
      check(seqrt_tokenizer_encode(tokenizer, text.data(), text.size(),
                                   addSpecial, ids.data(), ids.size(), &count));
    return ids;
  }

  nb::bytes decode(const std::vector<int32_t> &ids, bool skipSpecial) const {
    size_t length = 0;
    check(seqrt_tokenizer_decode(tokenizer, ids.data(), ids.size(), skipSpecial,
                                 nullptr, 0, &length));
    std::string text(length + 1, '\0');
    check(seqrt_tokenizer_decode(tokenizer, ids.data(), ids.size(), skipSpecial,
                                 text.data(), text.size(), &length));
    return nb::bytes(text.data(), length);
  }

  size_t vocabSize() const { return seqrt_tokenizer_vocab_size(tokenizer); }
  int32_t bosId() const { return seqrt_tokenizer_bos_id(tokenizer); }
  int32_t eosId() const { return seqrt_tokenizer_eos_id(tokenizer); }
  int32_t tokenId(const std::string &text) const {
    return seqrt_tokenizer_token_id(tokenizer, text.c_str());
  }
  nb::object tokenText(int32_t id) const {
    const char *text = seqrt_tokenizer_token_text(tokenizer, id);
    if (!text)
      return nb::none();
    return nb::str(text);
  }
  bool isSpecial(int32_t id) const {
    return seqrt_tokenizer_is_special(tokenizer, id) != 0;
  }

  const seqrt_tokenizer *get() const { return tokenizer; }

private:
  seqrt_tokenizer *tokenizer;
};

/// Streaming detokenization: text in complete UTF-8 characters.
class Detokenizer {
public:
  Detokenizer(nb::object tokenizerObject, bool skipSpecial)
      : tokenizerObject(std::move(tokenizerObject)) {
    const Tokenizer &tokenizer =
        nb::cast<const Tokenizer &>(this->tokenizerObject);
    check(seqrt_detokenizer_create(tokenizer.get(), skipSpecial, &detokenizer));
  }
  Detokenizer(const Detokenizer &) = delete;
  Detokenizer &operator=(const Detokenizer &) = delete;
  ~Detokenizer() { seqrt_detokenizer_free(detokenizer); }

  nb::bytes push(int32_t id) {
    const char *text = nullptr;
    size_t length = 0;
    check(seqrt_detokenizer_push(detokenizer, id, &text, &length));
    return nb::bytes(text, length);
  }
  nb::bytes flush() {
    const char *text = nullptr;
    size_t length = 0;
    check(seqrt_detokenizer_flush(detokenizer, &text, &length));
    return nb::bytes(text, length);
  }

private:
  nb::object tokenizerObject;
  seqrt_detokenizer *detokenizer = nullptr;
};

/// seqrt_chat_render_json: the template with every variable as JSON.
std::string chatRenderJson(const std::string &chatTemplate,
                           const std::string &contextJson) {
  char *out = nullptr;
  check(
      seqrt_chat_render_json(chatTemplate.c_str(), contextJson.c_str(), &out));
  std::string text(out);
  seqrt_chat_free(out);
  return text;
}

/// A string value of a GGUF file's metadata (e.g. tokenizer.chat_template),
/// or None when the key is absent.
nb::object ggufString(const std::string &path, const std::string &key) {
  std::string error;
  bool ioError = false;
  std::unique_ptr<seqrt::GgufFile> file =
      seqrt::GgufFile::open(path, error, ioError);
  if (!file)
    raiseStatus(ioError ? SEQRT_ERROR_IO : SEQRT_ERROR_FORMAT, error);
  if (!file->find(key))
    return nb::none();
  std::optional<std::string_view> text = file->getString(key, error);
  if (!text)
    raiseStatus(SEQRT_ERROR_FORMAT, error);
  return nb::str(text->data(), text->size());
}

/// seqrt_sample over a 1-D f32 logits array.
int32_t sample(nb::ndarray<nb::ro, nb::device::cpu, nb::c_contig> logits,
               float temperature, int32_t topK, float topP, uint64_t seed,
               uint64_t counter) {
  if (logits.ndim() != 1 || !matchesDtype(logits.dtype(), SEQRT_DTYPE_F32))
    raiseArgument("sample: logits must be a 1-D float32 array");
  seqrt_sampling params = {temperature, topK, topP};
  int32_t token = 0;
  check(seqrt_sample(static_cast<const float *>(logits.data()), logits.shape(0),
                     &params, seed, counter, &token));
  return token;
}

} // namespace

NB_MODULE(_seqrt, m) {
  m.doc() = "Native bindings of the seqc runtime (seqrt.h); use `seqrt`.";

  nb::class_<Buffer>(m, "Buffer",
                     "A tensor the runtime wrote; numpy.asarray(buffer) is a "
                     "view of it (no copy).")
      .def_prop_ro("data_ptr", &Buffer::dataPtr)
      .def_prop_ro("dtype", &Buffer::dtype)
      .def_prop_ro("shape", &Buffer::shape)
      .def_prop_ro("nbytes", &Buffer::nbytes)
      .def_prop_ro("owned", &Buffer::owned)
      .def_prop_ro("__array_interface__", &Buffer::arrayInterface);

  nb::class_<Artifact>(m, "Artifact")
      .def(nb::init<const std::string &>(), nb::arg("path"))
      .def_prop_ro("metadata", &Artifact::metadata)
      .def_prop_ro("producer", &Artifact::producer)
      .def_prop_ro("target_kind", &Artifact::targetKind)
      .def_prop_ro("target_triple", &Artifact::targetTriple)
      .def_prop_ro("target_cpu", &Artifact::targetCpu)
      .def("entries", &Artifact::entries)
      .def("parameters", &Artifact::parameters)
      .def("bind_file", &Artifact::bindFile, nb::arg("path"),
           nb::arg("prefix") = "")
      .def("bind_parameter", &Artifact::bindParameter, nb::arg("key"),
           nb::arg("owner"), nb::arg("array").noconvert())
      .def("check_bound", &Artifact::checkBound)
      .def("call", &Artifact::call, nb::arg("entry"), nb::arg("inputs"));

  nb::class_<Session>(m, "Session")
      .def(nb::init<nb::object>(), nb::arg("artifact"))
      .def_prop_ro("position", &Session::position)
      .def_prop_ro("capacity", &Session::capacity)
      .def_prop_ro("vocab_size", &Session::vocabSize)
      .def("reset", &Session::reset)
      .def("sync", &Session::sync)
      .def("prefill", &Session::prefill, nb::arg("ids").noconvert())
      .def("decode", &Session::decode, nb::arg("token"))
      .def("states", [](nb::handle self) {
        return nb::cast<const Session &>(self).states(self);
      });

  nb::class_<Tokenizer>(m, "Tokenizer")
      .def_static("from_gguf", &Tokenizer::fromGguf, nb::arg("path"))
      .def_static("from_json", &Tokenizer::fromJson, nb::arg("path"))
      .def("encode", &Tokenizer::encode, nb::arg("text"),
           nb::arg("add_special"))
      .def("decode", &Tokenizer::decode, nb::arg("ids"),
           nb::arg("skip_special"))
      .def_prop_ro("vocab_size", &Tokenizer::vocabSize)
      .def_prop_ro("bos_id", &Tokenizer::bosId)
      .def_prop_ro("eos_id", &Tokenizer::eosId)
      .def("token_id", &Tokenizer::tokenId, nb::arg("text"))
      .def("token_text", &Tokenizer::tokenText, nb::arg("id"))
      .def("is_special", &Tokenizer::isSpecial, nb::arg("id"));

  nb::class_<Detokenizer>(m, "Detokenizer")
      .def(nb::init<nb::object, bool>(), nb::arg("tokenizer"),
           nb::arg("skip_special"))
      .def("push", &Detokenizer::push, nb::arg("id"))
      .def("flush", &Detokenizer::flush);

  m.def("chat_render_json", &chatRenderJson, nb::arg("template"),
        nb::arg("context_json"));
  m.def("gguf_string", &ggufString, nb::arg("path"), nb::arg("key"));
  m.def("sample", &sample, nb::arg("logits").noconvert(),
        nb::arg("temperature"), nb::arg("top_k"), nb::arg("top_p"),
        nb::arg("seed"), nb::arg("counter"));
}
