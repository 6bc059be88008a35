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

Loads a seqc artifact, binds its weights, runs one entry point and checks,
saves, prints or times its outputs. INDEX is an input or output position.

Artifact:
  --info                    print the entries and parameters, run nothing
  --entry NAME              entry to run (default: the only one)
  --weights FILE|DIR        safetensors or GGUF checkpoint, told apart by
                            the file's magic (repeat for shards), or a
                            model directory (every *.safetensors in it)

Inputs:
  --input INDEX=FILE.npy    from a .npy file (floats are rounded to the
                            input's dtype, e.g. f32 to bf16; integers are
                            widened or narrowed)
  --input INDEX=FILE.safetensors:NAME
                            from a tensor of a safetensors file
  --input INDEX=NUMBER      a scalar
  --zeros INDEX[=SHAPE]     all zeros (SHAPE like 1x4x16: dynamic extents)

Outputs:
  --print                   print them (the default when nothing else is
                            asked for)
  --output INDEX=FILE.npy   save one (bf16 as f32)
  --expect INDEX=FILE.npy   compare one with a golden (also
                            FILE.safetensors:NAME): |got - want| <= atol +
                            rtol * |want| as doubles, exact for integers
  --rtol R, --atol A        tolerances (default 1e-5 and 1e-6)

Timing:
  --bench                   time the entry: --warmup N (3) calls, then
                            --reps N (10) timed calls

Generic:
  --help, -h                this text
  --version                 seqrun's version and what it runs

Examples:
  seqrun model.seqpkg --info
  seqrun model.seqpkg --weights model.safetensors --entry generate \
      --input 0=prompt.npy --input 1=42 --output 0=tokens.npy
  seqrun model.seqpkg --zeros 0=1x16 --expect 0=golden.npy --bench

Exit status: 0 success, 1 an error or a failed --expect, 2 bad usage.
)";
}

std::string seqrun::versionText() {
  return std::string("seqrun (seqc " SEQC_VERSION_STRING ")\n"
                     "  artifact format version ") +
         std::to_string(seqrt::kArtifactFormatVersion) +
         "\n"
         "  targets:\n"
         "    cpu  " +
         seqrt::hostArch() + " (this host)\n";
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
      "--entry",  "--weights", "--input", "--zeros",  "--output",
      "--expect", "--rtol",    "--atol",  "--warmup", "--reps"};
  static const std::set<std::string> kBoolFlags = {
      "--bench", "--print", "--info", "--help", "-h", "--version"};
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
  std::vector<IndexedArg> given = options.inputs;
  given.insert(given.end(), options.zeros.begin(), options.zeros.end());
  return checkUnique("input", given, error) &&
         checkUnique("--output for output", options.outputs, error) &&
         checkUnique("--expect for output", options.expects, error);
}
