//===- Options.h - seqrun command line --------------------------*- C++ -*-===//
//
// This file declares seqrun's options and their parser.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRUN_OPTIONS_H
#define SEQRUN_OPTIONS_H

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
  std::vector<IndexedArg> inputs;
  std::vector<IndexedArg> zeros; ///< value: "" or a shape like 2x3
  std::vector<IndexedArg> outputs;
  std::vector<IndexedArg> expects;
  double rtol = 1e-5;
  double atol = 1e-6;
  bool bench = false;
  int warmup = 3;
  int reps = 10;
  bool print = false;
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
