//===- HfConfigFuzzer.cpp - libFuzzer target for the config.json import ---===//
//
// The Hugging Face import of a checkpoint directory whose config.json is
// the input: the JSON reader, the validation of every key and, when those
// pass, the graph the importer builds, which must verify. Each model_type
// gets the safetensors header of the test checkpoint of that family
// (test/Integration/CPU/Inputs/hf_*; the importer reads headers only), so
// a config that matches its checkpoint reaches the builders.
//
//===----------------------------------------------------------------------===//

#include "seq/IR/SeqDialect.h"
#include "seqc/Import/Import.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

using namespace mlir;
namespace json = llvm::json;

namespace {
/// The scratch directory: one subdirectory per model_type with its header-
/// only checkpoint, and "none" without one.
llvm::SmallString<128> scratch;
llvm::StringMap<std::string> directories;

std::optional<std::string> modelType(llvm::StringRef text) {
  llvm::Expected<json::Value> value = json::parse(text);
  if (!value) {
    llvm::consumeError(value.takeError());
    return std::nullopt;
  }
  const json::Object *obj = value->getAsObject();
  if (!obj)
    return std::nullopt;
  if (std::optional<llvm::StringRef> type = obj->getString("model_type"))
    return type->str();
  return std::nullopt;
}

bool writeFile(llvm::StringRef path, llvm::StringRef bytes) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return false;
  os << bytes;
  return !os.has_error();
}

void removeScratch() { llvm::sys::fs::remove_directories(scratch); }

/// Copies the header of every test checkpoint (its 8-byte length and JSON)
/// into a directory per model_type, the first checkpoint of a type winning.
void makeCheckpoints(llvm::StringRef inputs) {
  if (llvm::sys::fs::createUniqueDirectory("seqc-fuzz-hf", scratch)) {
    llvm::errs() << "cannot create a scratch directory\n";
    abort();
  }
  atexit(removeScratch);
  std::error_code ec;
  std::vector<std::string> found;
  for (llvm::sys::fs::directory_iterator it(inputs, ec), end; !ec && it != end;
       it.increment(ec))
    if (llvm::sys::path::filename(it->path()).starts_with("hf_"))
      found.push_back(it->path());
  llvm::sort(found);
  for (const std::string &dir : found) {
    auto config = llvm::MemoryBuffer::getFile(dir + "/config.json");
    auto weights = llvm::MemoryBuffer::getFile(dir + "/model.safetensors");
    if (!config || !weights || (*weights)->getBufferSize() < 8)
      continue;
    std::optional<std::string> type = modelType((*config)->getBuffer());
    if (!type || directories.count(*type))
      continue;
    uint64_t length = 0;
    memcpy(&length, (*weights)->getBufferStart(), 8);
    if (length > (*weights)->getBufferSize() - 8)
      continue;
    llvm::SmallString<128> out(scratch);
    llvm::sys::path::append(out, *type);
    if (llvm::sys::fs::create_directory(out))
      continue;
    llvm::SmallString<128> file(out);
    llvm::sys::path::append(file, "model.safetensors");
    if (!writeFile(file, (*weights)->getBuffer().take_front(8 + length)))
      continue;
    directories[*type] = out.str().str();
  }
  llvm::SmallString<128> none(scratch);
  llvm::sys::path::append(none, "none");
  llvm::sys::fs::create_directory(none);
  directories["none"] = none.str().str();
  if (directories.size() < 2) {
    llvm::errs() << "no test checkpoints in '" << inputs << "'\n";
    abort();
  }
}

/// A context shared by this many inputs (loading the dialect is the slow
/// part), then a fresh one: what a context uniques is never freed, and a
/// long run would grow past libFuzzer's memory limit.
constexpr unsigned kInputsPerContext = 4096;
std::unique_ptr<MLIRContext> sharedContext;
unsigned contextInputs = 0;

/// The context for the next input: single-threaded, diagnostics not
/// printed.
MLIRContext &nextContext() {
  if (!sharedContext || ++contextInputs == kInputsPerContext) {
    contextInputs = 0;
    DialectRegistry registry;
    registry.insert<seq::SeqDialect>();
    sharedContext = std::make_unique<MLIRContext>(
        registry, MLIRContext::Threading::DISABLED);
    sharedContext->loadAllAvailableDialects();
    sharedContext->printOpOnDiagnostic(false);
  }
  return *sharedContext;
}
} // namespace

/// LLVM's BumpPtrAllocator poisons the unused rest of its slabs when the code
/// that inlines it is built with ASan (the seq dialect's attribute storage,
/// here) and not in Debian's uninstrumented libMLIR, whose own allocations
/// from the same slab then look poisoned: manual poisoning off.
extern "C" const char *__asan_default_options() {
  return "allow_user_poisoning=0";
}

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  const char *inputs = getenv("SEQC_FUZZ_HF_INPUTS");
  makeCheckpoints(inputs ? inputs : SEQC_FUZZ_HF_INPUTS);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  std::optional<std::string> type = modelType(text);
  auto it = directories.find(type ? *type : "none");
  const std::string &dir =
      it != directories.end() ? it->second : directories["none"];
  if (!writeFile(dir + "/config.json", text))
    abort();
  MLIRContext &ctx = nextContext();
  ScopedDiagnosticHandler drop(&ctx, [](Diagnostic &) { return success(); });
  OwningOpRef<ModuleOp> module =
      seq::importHuggingFace(&ctx, dir, seq::ImportOptions());
  // What the importer builds verifies (seqc checks it as its next step).
  if (module && failed(verify(*module))) {
    llvm::errs() << "the imported module does not verify\n";
    abort();
  }
  return 0;
}
