//===- SeqDialect.cpp - seq dialect registration and attributes -----------===//
//
// This file implements the seq dialect: registration of its operations and
// attributes, and the attribute verifiers.
//
//===----------------------------------------------------------------------===//

#include "seq/IR/SeqDialect.h"
#include "seq/IR/SeqOps.h"

#include "VerifyUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::seq;

#include "seq/IR/SeqDialect.cpp.inc"
#include "seq/IR/SeqEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "seq/IR/SeqAttrs.cpp.inc"

void SeqDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "seq/IR/SeqAttentionOps.cpp.inc"
      ,
#define GET_OP_LIST
#include "seq/IR/SeqScanOps.cpp.inc"
      ,
#define GET_OP_LIST
#include "seq/IR/SeqMoEOps.cpp.inc"
      ,
#define GET_OP_LIST
#include "seq/IR/SeqDecodeOps.cpp.inc"
      ,
#define GET_OP_LIST
#include "seq/IR/SeqModelOps.cpp.inc"
      ,
#define GET_OP_LIST
#include "seq/IR/SeqQuantOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "seq/IR/SeqAttrs.cpp.inc"
      >();
}

int64_t seq::blockElements(QuantFormat format) {
  switch (format) {
  case QuantFormat::F16:
  case QuantFormat::BF16:
    return 1;
  case QuantFormat::Q8_0:
  case QuantFormat::Q4_0:
  case QuantFormat::Q4_1:
    return 32;
  case QuantFormat::Q4_K:
  case QuantFormat::Q6_K:
    return 256;
  }
  llvm_unreachable("unknown quant format");
}

int64_t seq::blockBytes(QuantFormat format) {
  switch (format) {
  case QuantFormat::F16:
  case QuantFormat::BF16:
    return 2; // f16 or bf16 v
  case QuantFormat::Q8_0:
    return 2 + 32; // f16 d; i8 qs[32]
  case QuantFormat::Q4_0:
    return 2 + 16; // f16 d; u8 qs[16]
  case QuantFormat::Q4_1:
    return 2 + 2 + 16; // f16 d, m; u8 qs[16]
  case QuantFormat::Q4_K:
    return 2 + 2 + 12 + 128; // f16 d, dmin; u8 scales[12], qs[128]
  case QuantFormat::Q6_K:
    return 128 + 64 + 16 + 2; // u8 ql[128], qh[64]; i8 scales[16]; f16 d
  }
  llvm_unreachable("unknown quant format");
}

LogicalResult SamplingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   APFloat temperature, int64_t topK,
                                   APFloat topP) {
  if (!temperature.isFinite() ||
      (temperature.isNegative() && !temperature.isZero()))
    return emitError() << "expects a finite, non-negative temperature";
  if (topK < 0)
    return emitError() << "expects top_k >= 0 (0 disables it), got " << topK;
  if (!isFinitePositive(topP) || topP.convertToFloat() > 1.0f)
    return emitError() << "expects top_p in (0, 1], got "
                       << topP.convertToFloat();
  return success();
}
