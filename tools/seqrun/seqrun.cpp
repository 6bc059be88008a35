//===- seqrun.cpp - Run a seqc artifact -----------------------------------===//
//
// seqrun loads a `.seqpkg` artifact through the seqrt C API, binds its
// weights from safetensors or GGUF files, runs one entry point on inputs from
// .npy files, safetensors tensors or numbers, and prints, saves, checks against
// goldens or times the outputs. See `seqrun --help`.
//
// Exit codes: 0 success, 1 an error (message on stderr, prefixed
// "seqrun: ") or a failed --expect, 2 bad usage.
//
//===----------------------------------------------------------------------===//

#include "Compare.h"
#include "Convert.h"
#include "Generate.h"
#include "Options.h"
#include "TensorIO.h"

#include "Npy.h"
#include "seqrt/seqrt.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

using namespace seqrun;

namespace {
/// Element count --print shows per output.
constexpr int64_t kPrintLimit = 64;

int error(const std::string &message) {
  std::fprintf(stderr, "seqrun: %s\n", message.c_str());
  return 1;
}

int usageError(const std::string &message) {
  std::fprintf(stderr, "seqrun: %s\nrun 'seqrun --help' for usage\n",
               message.c_str());
  return 2;
}

/// Tensors freed on scope exit.
class TensorList {
public:
  explicit TensorList(seqrt_artifact *artifact, size_t size)
      : artifact(artifact), tensors(size) {}
  ~TensorList() { clear(); }
  void clear() {
    for (seqrt_tensor &tensor : tensors)
      seqrt_tensor_free(artifact, &tensor);
  }
  seqrt_tensor &operator[](size_t i) { return tensors[i]; }
  seqrt_tensor *data() { return tensors.data(); }
  size_t size() const { return tensors.size(); }

private:
  seqrt_artifact *artifact;
  std::vector<seqrt_tensor> tensors;
};

struct ArtifactDeleter {
  void operator()(seqrt_artifact *artifact) const {
    seqrt_artifact_free(artifact);
  }
};
using ArtifactPtr = std::unique_ptr<seqrt_artifact, ArtifactDeleter>;

std::string typeString(const seqrt_tensor_type &type) {
  return seqrun::typeString(type.dtype, type.rank, type.shape);
}

std::string signature(const seqrt_artifact *artifact, size_t entry) {
  std::string out = std::string(seqrt_entry_name(artifact, entry)) + "(";
  seqrt_tensor_type type;
  for (size_t i = 0; i < seqrt_entry_num_inputs(artifact, entry); ++i) {
    seqrt_entry_input_type(artifact, entry, i, &type);
    out += (i ? ", " : "") + typeString(type);
  }
  out += ") -> (";
  for (size_t i = 0; i < seqrt_entry_num_outputs(artifact, entry); ++i) {
    seqrt_entry_output_type(artifact, entry, i, &type);
    out += (i ? ", " : "") + typeString(type);
  }
  return out + ")";
}

void printInfo(const seqrt_artifact *artifact, const std::string &path) {
  std::printf("artifact: %s\n", path.c_str());
  std::printf("producer: %s\n", seqrt_artifact_producer(artifact));
  std::printf("target: %s %s", seqrt_artifact_target_kind(artifact),
              seqrt_artifact_target_triple(artifact));
  if (*seqrt_artifact_target_cpu(artifact))
    std::printf(" (%s)", seqrt_artifact_target_cpu(artifact));
  std::printf("\ntargets: %s\n", seqrt_artifact_targets(artifact));
  std::printf("device: %s\n", seqrt_artifact_device(artifact));
  std::printf("entries: %zu\n", seqrt_artifact_num_entries(artifact));
  for (size_t e = 0; e < seqrt_artifact_num_entries(artifact); ++e)
    std::printf("  %s\n", signature(artifact, e).c_str());
  size_t numParams = seqrt_artifact_num_parameters(artifact);
  std::printf("parameters: %zu\n", numParams);
  for (size_t p = 0; p < numParams; ++p) {
    seqrt_tensor_type type;
    seqrt_parameter_type(artifact, p, &type);
    std::string encoding = seqrt_parameter_encoding(artifact, p);
    if (!encoding.empty())
      encoding = " encoding " + encoding;
    std::printf("  %s: %s %s%s%s\n", seqrt_parameter_symbol(artifact, p),
                seqrt_parameter_key(artifact, p), typeString(type).c_str(),
                encoding.c_str(),
                seqrt_parameter_is_bound(artifact, p) ? "" : " (unbound)");
  }
}

/// The entry to run: --entry, or the only one.
bool pickEntry(const seqrt_artifact *artifact, const std::string &name,
               size_t &entry, std::string &message) {
  if (!name.empty()) {
    if (seqrt_entry_find(artifact, name.c_str(), &entry) == SEQRT_OK)
      return true;
    message = seqrt_last_error();
  } else if (seqrt_artifact_num_entries(artifact) == 1) {
    entry = 0;
    return true;
  } else {
    message = "the artifact has " +
              std::to_string(seqrt_artifact_num_entries(artifact)) +
              " entries; pick one with --entry";
  }
  message += " (entries:";
  for (size_t e = 0; e < seqrt_artifact_num_entries(artifact); ++e)
    message += std::string(" ") + seqrt_entry_name(artifact, e);
  message += ")";
  return false;
}

/// Fills `inputs` from --input and --zeros.
bool prepareInputs(const seqrt_artifact *artifact, size_t entry,
                   const Options &options, TensorList &inputs,
                   std::string &message) {
  std::string name = seqrt_entry_name(artifact, entry);
  auto inRange = [&](const IndexedArg &arg, const char *flag) {
    if (arg.index < inputs.size())
      return true;
    message = std::string(flag) + " " + std::to_string(arg.index) +
              ": entry '" + name + "' has " + std::to_string(inputs.size()) +
              " inputs";
    return false;
  };
  for (const IndexedArg &arg : options.inputs) {
    if (!inRange(arg, "--input"))
      return false;
    seqrt_tensor_type type;
    seqrt_entry_input_type(artifact, entry, arg.index, &type);
    if (!loadTensor(arg.value, type, /*convert=*/true, inputs[arg.index],
                    message)) {
      message = "input " + std::to_string(arg.index) + ": " + message;
      return false;
    }
  }
  for (const IndexedArg &arg : options.zeros) {
    if (!inRange(arg, "--zeros"))
      return false;
    seqrt_tensor_type type;
    seqrt_entry_input_type(artifact, entry, arg.index, &type);
    if (!makeZeros(arg.value, type, inputs[arg.index], message)) {
      message = "input " + std::to_string(arg.index) + ": " + message;
      return false;
    }
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].data || inputs[i].owner_)
      continue;
    seqrt_tensor_type type;
    seqrt_entry_input_type(artifact, entry, i, &type);
    message = "entry '" + name + "' input " + std::to_string(i) + " (" +
              typeString(type) + ") is not given; use --input " +
              std::to_string(i) + "=FILE or --zeros " + std::to_string(i);
    return false;
  }
  return true;
}

bool checkOutputIndices(const std::vector<IndexedArg> &args, const char *flag,
                        size_t numOutputs, std::string &message) {
  for (const IndexedArg &arg : args) {
    if (arg.index >= numOutputs) {
      message = std::string(flag) + " " + std::to_string(arg.index) +
                ": the entry has " + std::to_string(numOutputs) + " outputs";
      return false;
    }
  }
  return true;
}

/// --bench's medians of one entry (ms per call) and its generated tokens
/// per call (-1 when it reports none).
struct BenchResult {
  double wall = 0, cpu = 0;
  int64_t tokens = -1;
};

/// Calls the entry once (or, with --bench, warmup + reps times, printing
/// timings, and into `result` when given); `outputs` holds the last call's
/// results.
bool run(seqrt_artifact *artifact, const std::string &entryName,
         const Options &options, TensorList &inputs, TensorList &outputs,
         std::string &message, BenchResult *result = nullptr) {
  auto callOnce = [&] {
    outputs.clear();
    return seqrt_call(artifact, entryName.c_str(), inputs.data(), inputs.size(),
                      outputs.data(), outputs.size()) == SEQRT_OK;
  };
  if (!options.bench) {
    if (!callOnce())
      message = seqrt_last_error();
    return message.empty();
  }
  for (int i = 0; i < options.warmup; ++i) {
    if (!callOnce()) {
      message = seqrt_last_error();
      return false;
    }
  }
  // Wall time, and the process's CPU time (all threads): on a loaded
  // machine the wall time mostly measures waiting for a core.
  auto cpuNow = [] {
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e3 +
           static_cast<double>(now.tv_nsec) / 1e6;
  };
  std::vector<double> times, cpuTimes;
  for (int i = 0; i < options.reps; ++i) {
    double cpuStart = cpuNow();
    auto start = std::chrono::steady_clock::now();
    bool ok = callOnce();
    auto stop = std::chrono::steady_clock::now();
    double cpuStop = cpuNow();
    if (!ok) {
      message = seqrt_last_error();
      return false;
    }
    times.push_back(
        std::chrono::duration<double, std::milli>(stop - start).count());
    cpuTimes.push_back(cpuStop - cpuStart);
  }
  std::vector<double> sorted = times;
  std::sort(sorted.begin(), sorted.end());
  size_t n = sorted.size();
  double median =
      n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  double mean = 0;
  for (double t : times)
    mean += t / static_cast<double>(n);
  std::printf("bench: entry '%s': median %.3f ms, min %.3f ms, mean %.3f ms "
              "over %zu reps (%d warmup)\n",
              entryName.c_str(), median, sorted.front(), mean, n,
              options.warmup);
  std::sort(cpuTimes.begin(), cpuTimes.end());
  double cpuMedian =
      n % 2 ? cpuTimes[n / 2] : (cpuTimes[n / 2 - 1] + cpuTimes[n / 2]) / 2;
  std::printf("bench: entry '%s': cpu median %.3f ms (process CPU time per "
              "call, all threads)\n",
              entryName.c_str(), cpuMedian);
  if (result)
    *result = {median, cpuMedian, -1};
  size_t entry = 0;
  if (seqrt_entry_find(artifact, entryName.c_str(), &entry) == SEQRT_OK) {
    int64_t countOutput = seqrt_entry_generated_count_output(artifact, entry);
    if (countOutput >= 0 && static_cast<size_t>(countOutput) < outputs.size()) {
      const seqrt_tensor &counts = outputs[countOutput];
      int64_t generated = 0;
      for (int64_t i = 0; i < seqrt_tensor_num_elements(&counts); ++i)
        generated += static_cast<const int32_t *>(counts.data)[i];
      std::printf("bench: %lld tokens generated per call: %.1f tokens/s\n",
                  static_cast<long long>(generated),
                  static_cast<double>(generated) / (median / 1e3));
      if (result)
        result->tokens = generated;
    }
  }
  return true;
}

/// --output: .npy, with bf16 widened (exactly) to f32 since NumPy has no
/// bfloat16.
bool saveOutput(const std::string &path, const seqrt_tensor &output,
                std::string &message) {
  if (output.dtype != SEQRT_DTYPE_BF16)
    return seqrt::writeNpy(path, output, message);
  seqrt_tensor widened;
  if (!convertTensor(output, SEQRT_DTYPE_F32, widened, message))
    return false;
  bool ok = seqrt::writeNpy(path, widened, message);
  seqrt_tensor_free(nullptr, &widened);
  return ok;
}

/// --expect: prints one line per golden; false if any fails.
bool checkExpectations(const Options &options, const seqrt_artifact *artifact,
                       size_t entry, TensorList &outputs, bool &hadError) {
  bool allPass = true;
  for (const IndexedArg &arg : options.expects) {
    seqrt_tensor &got = outputs[arg.index];
    seqrt_tensor_type type;
    seqrt_entry_output_type(artifact, entry, arg.index, &type);
    seqrt_tensor want;
    std::string message;
    if (!loadTensor(arg.value, type, /*convert=*/false, want, message)) {
      error("golden for output " + std::to_string(arg.index) + ": " + message);
      hadError = true;
      allPass = false;
      continue;
    }
    Comparison result = compareTensors(got, want, options.rtol, options.atol);
    std::string what = "output " + std::to_string(arg.index) + " " +
                       seqrun::typeString(got.dtype, got.rank, got.shape);
    if (!result.mismatch.empty()) {
      std::printf("%s: FAIL: %s\n", what.c_str(), result.mismatch.c_str());
    } else {
      std::printf("%s: %s: max abs error %.3g, max rel error %.3g",
                  what.c_str(), result.pass ? "PASS" : "FAIL",
                  result.maxAbsError, result.maxRelError);
      if (result.worst >= 0)
        std::printf(", worst at %s (got %.7g, want %.7g)",
                    indexString(got, result.worst).c_str(),
                    elementAsDouble(got, result.worst),
                    elementAsDouble(want, result.worst));
      std::printf("; %lld of %lld elements out of tolerance (rtol %g, atol "
                  "%g)\n",
                  static_cast<long long>(result.failures),
                  static_cast<long long>(result.count), options.rtol,
                  options.atol);
    }
    allPass &= result.pass;
    seqrt_tensor_free(nullptr, &want);
  }
  return allPass;
}
/// --check-numerics: the first NaN or Inf of the floating-point outputs,
/// as "output N TYPE element [i, j] is nan"; empty if there is none.
std::string firstNonFinite(TensorList &outputs) {
  for (size_t o = 0; o < outputs.size(); ++o) {
    const seqrt_tensor &out = outputs[o];
    if (out.dtype != SEQRT_DTYPE_F32 && out.dtype != SEQRT_DTYPE_F16 &&
        out.dtype != SEQRT_DTYPE_BF16 && out.dtype != SEQRT_DTYPE_F64)
      continue;
    for (int64_t i = 0; i < seqrt_tensor_num_elements(&out); ++i) {
      double x = elementAsDouble(out, i);
      if (std::isfinite(x))
        continue;
      return "output " + std::to_string(o) + " " +
             seqrun::typeString(out.dtype, out.rank, out.shape) + " element " +
             indexString(out, i) + " is " +
             (std::isnan(x) ? "nan"
              : x > 0       ? "inf"
                            : "-inf");
    }
  }
  return "";
}

/// Binds a weights file, or every *.safetensors file of a checkpoint
/// directory (a Hugging Face model directory), in name order.
bool bindWeights(seqrt_artifact *artifact, const std::string &path,
                 std::string &message, const char *prefix = "") {
  std::error_code ec;
  std::vector<std::string> files;
  if (std::filesystem::is_directory(path, ec)) {
    for (const auto &entry : std::filesystem::directory_iterator(path, ec))
      if (entry.path().extension() == ".safetensors" &&
          entry.is_regular_file(ec))
        files.push_back(entry.path().string());
    if (ec || files.empty()) {
      message = "no .safetensors file in directory '" + path + "'";
      return false;
    }
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  for (const std::string &file : files)
    if (seqrt_bind_weights_prefixed(artifact, file.c_str(), prefix) !=
        SEQRT_OK) {
      message = seqrt_last_error();
      return false;
    }
  return true;
}
/// Sum of an i32 [B] output (a per-row count).
int64_t sumRows(const seqrt_tensor &counts) {
  int64_t sum = 0;
  for (int64_t i = 0; i < seqrt_tensor_num_elements(&counts); ++i)
    sum += static_cast<const int32_t *>(counts.data)[i];
  return sum;
}

/// For a speculative-decoding entry: tokens, verify steps and the mean
/// accepted length of the call (summed over rows).
void printSpeculation(seqrt_artifact *artifact, size_t entry,
                      TensorList &outputs) {
  int64_t count = seqrt_entry_generated_count_output(artifact, entry);
  int64_t steps = seqrt_entry_verify_steps_output(artifact, entry);
  int64_t accepted = seqrt_entry_accepted_drafts_output(artifact, entry);
  auto valid = [&](int64_t index) {
    return index >= 0 && static_cast<size_t>(index) < outputs.size();
  };
  if (!valid(count) || !valid(steps) || !valid(accepted))
    return;
  int64_t tokens = sumRows(outputs[count]);
  int64_t verifySteps = sumRows(outputs[steps]);
  int64_t kept = sumRows(outputs[accepted]);
  double perStep =
      verifySteps ? static_cast<double>(kept) / static_cast<double>(verifySteps)
                  : 0.0;
  std::printf("speculative: %lld tokens, %lld verify steps, mean accepted "
              "length %.2f draft tokens per verify step\n",
              static_cast<long long>(tokens),
              static_cast<long long>(verifySteps), perStep);
  // Adaptive K: the mean draft length k and the share of drafts accepted.
  int64_t drafted = seqrt_entry_drafted_tokens_output(artifact, entry);
  if (!valid(drafted))
    return;
  int64_t draftedTokens = sumRows(outputs[drafted]);
  std::printf("adaptive k: mean draft length %.2f tokens per verify step, "
              "acceptance %.2f (accepted / drafted)\n",
              verifySteps ? static_cast<double>(draftedTokens) /
                                static_cast<double>(verifySteps)
                          : 0.0,
              draftedTokens ? static_cast<double>(kept) /
                                  static_cast<double>(draftedTokens)
                            : 0.0);
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  std::string message;
  if (!parseOptions(argc, argv, options, message))
    return usageError(message);
  if (options.help) {
    std::fputs(usageText(), stdout);
    return 0;
  }
  if (options.version) {
    std::fputs(versionText().c_str(), stdout);
    return 0;
  }

  // libomp reads its thread count when it starts, which is when the
  // artifact's code is loaded; nothing runs on other threads yet.
  if (options.threads > 0)
    setenv("OMP_NUM_THREADS", std::to_string(options.threads).c_str(), 1);

  seqrt_artifact *raw = nullptr;
  if (seqrt_artifact_load_device(options.model.c_str(), options.device.c_str(),
                                 &raw) != SEQRT_OK)
    return error(seqrt_last_error());
  ArtifactPtr artifact(raw);
  // Say where it runs when there was a choice.
  if (std::string(seqrt_artifact_targets(artifact.get())) != "cpu" ||
      options.device != "auto")
    std::fprintf(stderr, "seqrun: device: %s\n",
                 seqrt_artifact_device(artifact.get()));
  seqrt_allow_extra_weights(artifact.get(), options.warnExtraWeights);
  for (const std::string &weights : options.weights)
    if (!bindWeights(artifact.get(), weights, message))
      return error(message);
  for (const std::string &weights : options.draftWeights)
    if (!bindWeights(artifact.get(), weights, message, "draft/"))
      return error(message);
  for (size_t i = 0; i < seqrt_num_extra_weights(artifact.get()); ++i)
    std::fprintf(stderr,
                 "seqrun: warning: tensor '%s' of the weights is not a "
                 "parameter of the artifact (ignored)\n",
                 seqrt_extra_weight(artifact.get(), i));
  if (options.info) {
    printInfo(artifact.get(), options.model);
    return 0;
  }
  if (seqrt_check_bound(artifact.get()) != SEQRT_OK)
    return error(std::string(seqrt_last_error()) +
                 (options.weights.empty() ? "; pass --weights FILE" : "") +
                 (options.draftWeights.empty() &&
                          std::string(seqrt_last_error()).find("'draft/") !=
                              std::string::npos
                      ? "; pass the draft model's weights with --draft-weights"
                      : ""));

  if (options.generates())
    return generate(artifact.get(), options, message) ? 0 : error(message);

  size_t entry = 0;
  if (!pickEntry(artifact.get(), options.entry, entry, message))
    return error(message);
  std::string entryName = seqrt_entry_name(artifact.get(), entry);
  size_t numOutputs = seqrt_entry_num_outputs(artifact.get(), entry);
  if (!checkOutputIndices(options.outputs, "--output", numOutputs, message) ||
      !checkOutputIndices(options.expects, "--expect", numOutputs, message))
    return error(message);

  TensorList inputs(artifact.get(),
                    seqrt_entry_num_inputs(artifact.get(), entry));
  if (!prepareInputs(artifact.get(), entry, options, inputs, message))
    return error(message);
  TensorList outputs(artifact.get(), numOutputs);
  BenchResult timed;
  if (!run(artifact.get(), entryName, options, inputs, outputs, message,
           &timed))
    return error(message);
  // --bench of a speculative entry also times plain decoding of the same
  // model (the artifact's `generate`, same inputs) and prints the ratio.
  size_t plain = 0;
  if (options.bench && timed.tokens > 0 &&
      seqrt_entry_verify_steps_output(artifact.get(), entry) >= 0 &&
      seqrt_entry_find(artifact.get(), "generate", &plain) == SEQRT_OK &&
      seqrt_entry_num_inputs(artifact.get(), plain) == inputs.size()) {
    TensorList plainOutputs(artifact.get(),
                            seqrt_entry_num_outputs(artifact.get(), plain));
    BenchResult base;
    if (!run(artifact.get(), "generate", options, inputs, plainOutputs,
             message, &base))
      return error(message);
    if (base.tokens > 0)
      std::printf(
          "bench: '%s' against plain decoding ('generate', same inputs): "
          "%.2fx the tokens/s (%.2fx in CPU time)\n",
          entryName.c_str(),
          (timed.tokens / timed.wall) / (base.tokens / base.wall),
          (timed.tokens / timed.cpu) / (base.tokens / base.cpu));
  }

  bool quiet =
      options.bench || !options.outputs.empty() || !options.expects.empty();
  if (options.print || !quiet)
    for (size_t i = 0; i < outputs.size(); ++i)
      std::printf("output %zu: %s = %s\n", i,
                  seqrun::typeString(outputs[i].dtype, outputs[i].rank,
                                     outputs[i].shape)
                      .c_str(),
                  valuesString(outputs[i], kPrintLimit).c_str());
  printSpeculation(artifact.get(), entry, outputs);
  if (options.checkNumerics) {
    // An artifact built with `seqc --check-numerics` has already failed
    // the call naming the op; this names at least the output.
    std::string found = firstNonFinite(outputs);
    if (!found.empty())
      return error("--check-numerics: " + found +
                   " (seqc --check-numerics compiles in checks that name "
                   "the op that produced it)");
  }
  for (const IndexedArg &arg : options.outputs)
    if (!saveOutput(arg.value, outputs[arg.index], message))
      return error(message);
  bool hadError = false;
  bool pass =
      checkExpectations(options, artifact.get(), entry, outputs, hadError);
  std::fflush(stdout);
  return pass && !hadError ? 0 : 1;
}
