//===- Options.cpp - seqrun command line ----------------------------------===//
//
// This file implements seqrun's option parser: `--flag VALUE` and
// `--flag=VALUE` forms, repeatable INDEX=VALUE options, one positional
// artifact path.
//
//===----------------------------------------------------------------------===//

#include "Options.h"

#include "Target.h"
#include "seqc/Version.h"
#include "seqrt/Artifact.h"

#include <charconv>
#include <cstring>
#include <set>

using namespace seqrun;

const char *seqrun::usageText() {
  return R"(usage: seqrun MODEL.seqpkg [options]

Runs a seqc artifact: one entry point on given inputs, or text generation.
INDEX is an input or output position.

Artifact:
  --info                  print the targets, entries and parameters, run nothing
  --device D              auto (default), cpu, cuda[:N] or hip[:N]
  --weights FILE|DIR      safetensors or GGUF file (repeat for shards), or a
                          model directory (every *.safetensors in it); a
                          tensor no parameter takes is an error, a warning
                          with --extra-weights=warn
  --draft-weights FILE|DIR  the draft model's weights (seqc --draft-model)

Generation (a session over the prefill and decode entries):
  --prompt-ids "1 2 3"    prompt token ids; prints the generated ids
  --prompt TEXT           prompt text; prints the generated text
  --chat TEXT [--system TEXT]  one user message in the model's chat template
  --max-new-tokens N (64), --eos ID (repeat; default: the model's EOS)
  --temperature T (0: greedy), --top-k K (0: all), --top-p P (1), --seed S
  --tokenizer FILE|DIR    tokenizer.json, GGUF or model directory (default:
                          from --weights)
  --prefill-chunk N       prefill the prompt N tokens at a time

Entry (--entry NAME; default: the only one):
  --input INDEX=FILE.npy  from .npy (floats rounded to the input's dtype)
  --input INDEX=FILE.safetensors:NAME, --input INDEX=NUMBER (a scalar)
  --zeros INDEX[=SHAPE]   all zeros (SHAPE like 1x4x16: dynamic extents)
  --print                 print the outputs (default if nothing else asked)
  --output INDEX=FILE.npy save one (bf16 as f32)
  --expect INDEX=FILE.npy compare one with a golden (or FILE.safetensors:NAME):
                          |got - want| <= atol + rtol * |want|, exact for ints
  --rtol R, --atol A      tolerances (default 1e-5 and 1e-6)
  --bench                 time it: --warmup N (3), then --reps N (10) calls
  --check-numerics        fail on the first NaN/Inf of an output (or logit),
                          naming it (seqc --check-numerics: the op too)

Generic:
  --threads N             threads of parallel code (default: OMP_NUM_THREADS,
                          else one per core)
  --help, -h              this text (--version: the version, what it runs)

Examples:
  seqrun model.seqpkg --info
  seqrun model.seqpkg --weights model.gguf --chat "Hi!" --max-new-tokens 48
  seqrun model.seqpkg --weights model.safetensors --entry generate \
      --input 0=prompt.npy --input 1=42 --output 0=tokens.npy --bench

Exit status: 0 success, 1 an error or a failed --expect, 2 bad usage.
)";
}

std::string seqrun::versionText() {
  return std::string("seqrun (seqc " SEQC_VERSION_STRING ")\n"
                     "  artifact format version ") +
         std::to_string(seqrt::kArtifactFormatVersion) + " and " +
         std::to_string(seqrt::kArtifactFormatVersionGPU) +
         " (GPU targets)\n"
         "  targets:\n"
         "    cpu  " +
         seqrt::hostArch() +
         " (this host)\n"
         "    cuda, hip  through libcuda.so.1 / libamdhip64.so when present\n";
}

namespace {
bool parseIndexed(const std::string &flag, const std::string &value,
                  bool valueOptional, IndexedArg &out, std::string &error) {
  size_t equals = value.find('=');
  std::string index = value.substr(0, equals);
  unsigned long long parsed = 0;
  auto [end, ec] =
      std::from_chars(index.data(), index.data() + index.size(), parsed);
  if (index.empty() || ec != std::errc() ||
      end != index.data() + index.size()) {
    error = flag + " expects INDEX" + (valueOptional ? "[=VALUE]" : "=VALUE") +
            " with a numeric INDEX, got '" + value + "'";
    return false;
  }
  if (equals == std::string::npos && !valueOptional) {
    error = flag + " expects INDEX=VALUE, got '" + value + "'";
    return false;
  }
  out.index = static_cast<size_t>(parsed);
  out.value = equals == std::string::npos ? "" : value.substr(equals + 1);
  if (out.value.empty() && !valueOptional) {
    error = flag + " " + value + ": empty VALUE";
    return false;
  }
  return true;
}

/// The most threads --threads accepts (libomp's own limit is higher; more
/// than this is a typo).
constexpr int kMaxThreads = 1024;

bool parseInt(const std::string &flag, const std::string &value, int min,
              int &out, std::string &error) {
  auto [end, ec] =
      std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || end != value.data() + value.size() || out < min) {
    error = flag + " expects an integer >= " + std::to_string(min) + ", got '" +
            value + "'";
    return false;
  }
  return true;
}

bool parseDouble(const std::string &flag, const std::string &value, double &out,
                 std::string &error) {
  auto [end, ec] =
      std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || end != value.data() + value.size() || out < 0) {
    error = flag + " expects a number >= 0, got '" + value + "'";
    return false;
  }
  return true;
}

/// Token ids separated by spaces or commas, each in 0 .. 2^31 - 1.
bool parseIds(const std::string &flag, const std::string &value,
              std::vector<int32_t> &out, std::string &error) {
  out.clear();
  size_t i = 0;
  while (i < value.size()) {
    if (value[i] == ' ' || value[i] == ',' || value[i] == '\t') {
      ++i;
      continue;
    }
    size_t end = value.find_first_of(" ,\t", i);
    if (end == std::string::npos)
      end = value.size();
    int32_t id = 0;
    auto [ptr, ec] = std::from_chars(value.data() + i, value.data() + end, id);
    if (ec != std::errc() || ptr != value.data() + end || id < 0) {
      error = flag +
              " expects token ids (integers >= 0) separated by spaces "
              "or commas, got '" +
              value.substr(i, end - i) + "'";
      return false;
    }
    out.push_back(id);
    i = end;
  }
  if (out.empty()) {
    error = flag + " expects at least one token id";
    return false;
  }
  return true;
}

bool parseU64(const std::string &flag, const std::string &value, uint64_t &out,
              std::string &error) {
  auto [end, ec] =
      std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || end != value.data() + value.size()) {
    error = flag + " expects an integer in 0 .. 2^64 - 1, got '" + value + "'";
    return false;
  }
  return true;
}

/// Rejects a second INDEX=... for the same index of the same flag.
bool checkUnique(const std::string &what, const std::vector<IndexedArg> &args,
                 std::string &error) {
  std::set<size_t> seen;
  for (const IndexedArg &arg : args) {
    if (!seen.insert(arg.index).second) {
      error = what + " " + std::to_string(arg.index) + " is given twice";
      return false;
    }
  }
  return true;
}
} // namespace

bool seqrun::parseOptions(int argc, char **argv, Options &options,
                          std::string &error) {
  static const std::set<std::string> kValueFlags = {
      "--entry",       "--weights",       "--input",      "--zeros",
      "--output",      "--expect",        "--rtol",       "--atol",
      "--warmup",      "--reps",          "--prompt-ids", "--prompt",
      "--chat",        "--system",        "--tokenizer",  "--max-new-tokens",
      "--temperature", "--top-k",         "--top-p",      "--seed",
      "--eos",         "--prefill-chunk", "--threads",    "--draft-weights",
      "--device",      "--extra-weights"};
  static const std::set<std::string> kBoolFlags = {
      "--bench", "--print",          "--info",   "--help",
      "-h",      "--check-numerics", "--version"};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-') {
      if (!options.model.empty()) {
        error = "unexpected argument '" + arg + "' (one artifact per run)";
        return false;
      }
      options.model = arg;
      continue;
    }
    std::string flag = arg, value;
    bool hasValue = false;
    if (size_t equals = arg.find('='); equals != std::string::npos) {
      flag = arg.substr(0, equals);
      value = arg.substr(equals + 1);
      hasValue = true;
    }
    if (kBoolFlags.count(flag)) {
      if (hasValue) {
        error = flag + " takes no value";
        return false;
      }
      options.bench |= flag == "--bench";
      options.print |= flag == "--print";
      options.checkNumerics |= flag == "--check-numerics";
      options.info |= flag == "--info";
      options.help |= flag == "--help" || flag == "-h";
      options.version |= flag == "--version";
      continue;
    }
    if (!kValueFlags.count(flag)) {
      error = "unknown option '" + flag + "'";
      return false;
    }
    if (!hasValue) {
      if (i + 1 >= argc) {
        error = flag + " needs a value";
        return false;
      }
      value = argv[++i];
    }
    IndexedArg indexed;
    bool ok = true;
    if (flag == "--entry") {
      options.entry = value;
    } else if (flag == "--weights") {
      options.weights.push_back(value);
    } else if (flag == "--draft-weights") {
      options.draftWeights.push_back(value);
    } else if (flag == "--extra-weights") {
      if (value != "error" && value != "warn") {
        error = flag + " expects error or warn, got '" + value + "'";
        ok = false;
      }
      options.warnExtraWeights = value == "warn";
    } else if (flag == "--input") {
      ok = parseIndexed(flag, value, false, indexed, error);
      options.inputs.push_back(indexed);
    } else if (flag == "--zeros") {
      ok = parseIndexed(flag, value, true, indexed, error);
      options.zeros.push_back(indexed);
    } else if (flag == "--output") {
      ok = parseIndexed(flag, value, false, indexed, error);
      options.outputs.push_back(indexed);
    } else if (flag == "--expect") {
      ok = parseIndexed(flag, value, false, indexed, error);
      options.expects.push_back(indexed);
    } else if (flag == "--rtol") {
      ok = parseDouble(flag, value, options.rtol, error);
    } else if (flag == "--atol") {
      ok = parseDouble(flag, value, options.atol, error);
    } else if (flag == "--warmup") {
      ok = parseInt(flag, value, 0, options.warmup, error);
    } else if (flag == "--reps") {
      ok = parseInt(flag, value, 1, options.reps, error);
    } else if (flag == "--device") {
      options.device = value;
    } else if (flag == "--threads") {
      ok = parseInt(flag, value, 1, options.threads, error);
      if (ok && options.threads > kMaxThreads) {
        error = flag + " expects at most " + std::to_string(kMaxThreads) +
                " threads, got " + value;
        ok = false;
      }
    } else if (flag == "--prompt-ids") {
      options.hasPromptIds = true;
      ok = parseIds(flag, value, options.promptIds, error);
    } else if (flag == "--prompt") {
      options.hasPrompt = true;
      options.prompt = value;
    } else if (flag == "--chat") {
      options.hasChat = true;
      options.chat = value;
    } else if (flag == "--system") {
      options.hasSystem = true;
      options.system = value;
    } else if (flag == "--tokenizer") {
      options.tokenizer = value;
    } else if (flag == "--max-new-tokens") {
      ok = parseInt(flag, value, 1, options.maxNewTokens, error);
    } else if (flag == "--temperature") {
      ok = parseDouble(flag, value, options.temperature, error);
    } else if (flag == "--top-k") {
      ok = parseInt(flag, value, 0, options.topK, error);
    } else if (flag == "--top-p") {
      ok = parseDouble(flag, value, options.topP, error);
      if (ok && (options.topP <= 0 || options.topP > 1)) {
        error = "--top-p expects a number in (0, 1], got '" + value + "'";
        ok = false;
      }
    } else if (flag == "--seed") {
      ok = parseU64(flag, value, options.seed, error);
    } else if (flag == "--eos") {
      std::vector<int32_t> ids;
      ok = parseIds(flag, value, ids, error);
      options.eos.insert(options.eos.end(), ids.begin(), ids.end());
    } else if (flag == "--prefill-chunk") {
      ok = parseInt(flag, value, 1, options.prefillChunk, error);
    }
    if (!ok)
      return false;
  }
  if (options.help || options.version)
    return true;
  if (options.model.empty()) {
    error = "no artifact given";
    return false;
  }
  int modes = options.hasPromptIds + options.hasPrompt + options.hasChat;
  if (modes > 1) {
    error = "give one of --prompt-ids, --prompt and --chat";
    return false;
  }
  if (options.hasSystem && !options.hasChat) {
    error = "--system goes with --chat";
    return false;
  }
  if (options.generates() &&
      (!options.entry.empty() || !options.inputs.empty() ||
       !options.zeros.empty() || !options.outputs.empty() ||
       !options.expects.empty() || options.print || options.bench)) {
    error = "--prompt-ids, --prompt and --chat run a session; they do not "
            "combine with --entry, --input, --zeros, --output, --expect, "
            "--print or --bench";
    return false;
  }
  std::vector<IndexedArg> given = options.inputs;
  given.insert(given.end(), options.zeros.begin(), options.zeros.end());
  return checkUnique("input", given, error) &&
         checkUnique("--output for output", options.outputs, error) &&
         checkUnique("--expect for output", options.expects, error);
}
