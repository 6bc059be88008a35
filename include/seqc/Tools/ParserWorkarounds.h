//===- ParserWorkarounds.h - Inputs that crash the MLIR parser --*- C++ -*-===//
//
// The MLIR 22 parser crashes (instead of reporting an error) on two
// constructs: a dense array of `index` (`array<index: 2>`, in
// parseDenseArrayAttr) and a non-integer in `linalg.transpose`'s
// `permutation = [...]`. seqc and seqc-opt scan their input for them first
// and reject them with a located error.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TOOLS_PARSERWORKAROUNDS_H
#define SEQC_TOOLS_PARSERWORKAROUNDS_H

#include "mlir/Support/LLVM.h"

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace mlir {
namespace seq {

/// Scans the main buffer of `sourceMgr` (outside comments and string
/// literals) for constructs that crash the MLIR 22 parser. Reports the first
/// one as "FILE:LINE:COL: error: ..." and returns failure.
LogicalResult rejectParserCrashers(llvm::SourceMgr &sourceMgr);

} // namespace seq
} // namespace mlir

#endif // SEQC_TOOLS_PARSERWORKAROUNDS_H
