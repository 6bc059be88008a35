//===- CrashDiagnostic.cpp - Internal-error reports for the tools ---------===//
//
// This file implements the crash handler of seqc and seqc-opt: an LLVM
// signal handler (run after the stack dump, on whichever thread crashed)
// that writes the internal-error diagnostic with write(2) only and exits
// with _exit, both async-signal-safe.
//
//===----------------------------------------------------------------------===//

#include "seqc/Tools/CrashDiagnostic.h"

#include "mlir/IR/Operation.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/PrettyStackTrace.h"
#include "llvm/Support/Signals.h"

#include <csignal>
#include <cstring>
#include <mutex>
#include <unistd.h>

using namespace mlir;

static llvm::cl::opt<std::string>
    crashInPass("crash-in-pass", llvm::cl::Hidden,
                llvm::cl::desc("Crash (SIGSEGV) before running the pass with "
                               "this argument, to test the internal-error "
                               "diagnostic"));

namespace {
/// Fixed buffers: the handler may not allocate.
char toolName[64];
char inputName[1024];
char phase[512] = "starting";
std::mutex phaseMutex;

void copy(char *buffer, size_t size, llvm::StringRef text) {
  size_t n = std::min(size - 1, text.size());
  std::memcpy(buffer, text.data(), n);
  buffer[n] = '\0';
}

void put(const char *text) {
  size_t left = std::strlen(text);
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, text, left);
    if (n <= 0)
      return;
    text += n;
    left -= static_cast<size_t>(n);
  }
}

void onCrash(void *) {
  put(toolName);
  put(": internal error: the compiler crashed on '");
  put(inputName);
  put("' while ");
  put(phase);
  put(".\nThis is a bug in seqc: please report it with the input file and "
      "the stack dump above.\n");
  ::_exit(seq::kInternalErrorExitCode);
}

struct CrashPhaseInstrumentation : public PassInstrumentation {
  void runBeforePass(Pass *pass, Operation *op) override {
    llvm::StringRef argument = pass->getArgument();
    std::string text = "running pass '" +
                       (argument.empty() ? pass->getName() : argument).str() +
                       "' on '" + op->getName().getStringRef().str() + "'";
    {
      std::lock_guard<std::mutex> lock(phaseMutex);
      copy(phase, sizeof(phase), text);
    }
    if (!crashInPass.empty() && argument == crashInPass)
      std::raise(SIGSEGV);
  }
};
} // namespace

void seq::installCrashDiagnostic(llvm::StringRef tool, llvm::StringRef input) {
  copy(toolName, sizeof(toolName), tool);
  copy(inputName, sizeof(inputName), input);
  llvm::setBugReportMsg("");
  llvm::sys::AddSignalHandler(onCrash, nullptr);
}

void seq::setCrashPhase(llvm::StringRef text) {
  std::lock_guard<std::mutex> lock(phaseMutex);
  copy(phase, sizeof(phase), text);
}

void seq::addCrashPhaseInstrumentation(PassManager &pm) {
  pm.addInstrumentation(std::make_unique<CrashPhaseInstrumentation>());
}
