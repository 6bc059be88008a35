//===- Options.h - seqrun command line --------------------------*- C++ -*-===//
//
// This file declares seqrun's options and their parser.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRUN_OPTIONS_H
#define SEQRUN_OPTIONS_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace seqrun {

/// `INDEX=VALUE` (VALUE may be empty for --zeros INDEX).
struct IndexedArg {
  size_t index = 0;
  std::string value;
};

struct Options {
  std::string model;
  std::string entry;
  std::vector<std::string> weights;
  /// --draft-weights: bound to the parameters keyed "draft/<name>".
  std::vector<std::string> draftWeights;
  /// --extra-weights=warn: a weights tensor no parameter takes is a
  /// warning naming it, not an error.
  bool warnExtraWeights = false;
  std::vector<IndexedArg> inputs;
  std::vector<IndexedArg> zeros; ///< value: "" or a shape like 2x3
  std::vector<IndexedArg> outputs;
  std::vector<IndexedArg> expects;
  double rtol = 1e-5;
  double atol = 1e-6;
  bool bench = false;
  int warmup = 3;
  int reps = 10;
  int threads = 0; ///< 0: OMP_NUM_THREADS, else one per core
  /// --device: auto, cpu, cuda[:N] or hip[:N] (seqrt_artifact_load_device).
  std::string device = "auto";
  bool print = false;
  bool checkNumerics = false;
  // Generation (a session over prefill/decode).
  std::vector<int32_t> promptIds;
  std::string prompt, chat, system, tokenizer;
  bool hasPromptIds = false, hasPrompt = false, hasChat = false,
       hasSystem = false;
  int maxNewTokens = 64;
  double temperature = 0.0;
  int topK = 0;
  double topP = 1.0;
  uint64_t seed = 0;
  std::vector<int32_t> eos;
  int prefillChunk = 0; ///< 0: the whole prompt in one prefill

  bool generates() const { return hasPromptIds || hasPrompt || hasChat; }
  bool info = false;
  bool help = false;
  bool version = false;
};

/// Parses argv. Returns false and sets `error` on bad usage.
bool parseOptions(int argc, char **argv, Options &options, std::string &error);

/// The --help text.
const char *usageText();

/// The --version text: seqrun's (seqc's) version, the artifact format
/// version it reads and the targets it runs.
std::string versionText();

} // namespace seqrun

#endif // SEQRUN_OPTIONS_H
