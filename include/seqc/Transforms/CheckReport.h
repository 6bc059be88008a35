//===- CheckReport.h - run-time check reports with a message ----*- C++ -*-===//
//
// The one way generated code reports a failed run-time check: a call of a
// private declaration carrying `seq.check_message` (a printf format) and
// `seq.check_code` (a seqrt_code_status), which seq-lower-checks turns
// into the code and the formatted message in the call's status record.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TRANSFORMS_CHECKREPORT_H
#define SEQC_TRANSFORMS_CHECKREPORT_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringRef.h"
#include <string>

namespace mlir {
namespace seq {

/// The attributes of a report declaration (read by seq-lower-checks).
inline constexpr llvm::StringLiteral kCheckMessageAttr = "seq.check_message";
inline constexpr llvm::StringLiteral kCheckCodeAttr = "seq.check_code";
/// A unit attribute on a `cf.assert` whose failure was reported already
/// (by a check report just before it): seq-lower-checks lowers it into
/// leaving the failing code only, with no code or message of its own.
inline constexpr llvm::StringLiteral kCheckLeaveAttr = "seq.check_leave";

/// `file:line:col` of `loc` (its first file location), or its text.
std::string describeLocation(Location loc);

/// `text` with every `%` doubled, for use inside a printf format.
std::string escapeFormat(llvm::StringRef text);

/// Emits at `builder`'s insertion point a report of `code` whose message is
/// "<op name> at <file:line:col>: " followed by `format` (a printf format:
/// `%ld` for each integer or index value, `%g` for each float) formatted
/// with `values`. Integers and indices travel as i64, floats as f64. The
/// first report of a call wins; the code goes on after it.
void emitCheckReport(OpBuilder &builder, Location loc, Operation *op,
                     int32_t code, llvm::StringRef format, ValueRange values);

} // namespace seq
} // namespace mlir

#endif // SEQC_TRANSFORMS_CHECKREPORT_H
