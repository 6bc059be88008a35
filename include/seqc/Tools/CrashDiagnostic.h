//===- CrashDiagnostic.h - Internal-error reports for the tools -*- C++ -*-===//
//
// seqc and seqc-opt turn a crash (a signal such as SIGSEGV or SIGABRT in the
// compiler, on any thread) into an internal-error diagnostic naming the
// input and the pass that was running, after LLVM's stack dump, and exit
// with kInternalErrorExitCode instead of dying of the signal.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TOOLS_CRASHDIAGNOSTIC_H
#define SEQC_TOOLS_CRASHDIAGNOSTIC_H

#include "llvm/ADT/StringRef.h"

namespace mlir {
class PassManager;
namespace seq {

/// The exit status of a tool that crashed (1 is bad input, 2 bad usage).
inline constexpr int kInternalErrorExitCode = 3;

/// Installs the crash handler for `tool` compiling `input`. Call once, after
/// llvm::InitLLVM (whose stack dump comes first).
void installCrashDiagnostic(llvm::StringRef tool, llvm::StringRef input);

/// Records what the tool is doing, e.g. "parsing" or "code generation".
void setCrashPhase(llvm::StringRef phase);

/// Records each pass `pm` runs, with the operation it runs on, as the
/// phase. With the hidden option --crash-in-pass=ARG (for the tests of
/// this diagnostic), raises SIGSEGV before running the pass ARG.
void addCrashPhaseInstrumentation(PassManager &pm);

} // namespace seq
} // namespace mlir

#endif // SEQC_TOOLS_CRASHDIAGNOSTIC_H
