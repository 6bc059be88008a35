//===- CheckReport.cpp - run-time check reports with a message ------------===//
//
// This file implements emitCheckReport: the call of a report declaration
// (one per distinct message, code and argument types) that seq-lower-checks
// lowers into the call's status and message.
//
//===----------------------------------------------------------------------===//

#include "seqc/Transforms/CheckReport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/xxhash.h"

using namespace mlir;

std::string seq::describeLocation(Location loc) {
  if (auto file = loc->findInstanceOf<FileLineColLoc>())
    return (file.getFilename().getValue() + ":" + Twine(file.getLine()) + ":" +
            Twine(file.getColumn()))
        .str();
  std::string text;
  llvm::raw_string_ostream os(text);
  loc.print(os);
  return text;
}

std::string seq::escapeFormat(StringRef text) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '%')
      out += '%';
  }
  return out;
}

/// The declaration reporting `code` with `format` for arguments `types`:
/// an existing one with the same message, code and types, or a new one
/// named after their hash.
static func::FuncOp declareReport(ModuleOp module, Location loc,
                                  StringRef format, int32_t code,
                                  TypeRange types) {
  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  FunctionType type = builder.getFunctionType(types, {});
  // A hash of the contents (not llvm::hash_code, whose seed may change
  // between runs): the same module gives the same names.
  std::string key;
  llvm::raw_string_ostream os(key);
  os << format << '\0' << code << '\0' << type;
  uint64_t hash = llvm::xxh3_64bits(key);
  for (unsigned attempt = 0;; ++attempt) {
    std::string name = ("__seq_check_report_" + Twine::utohexstr(hash) +
                        (attempt ? "_" + Twine(attempt) : Twine()))
                           .str();
    auto existing = module.lookupSymbol<func::FuncOp>(name);
    if (!existing) {
      auto func = func::FuncOp::create(builder, loc, name, type);
      func.setPrivate();
      func->setAttr(seq::kCheckMessageAttr, builder.getStringAttr(format));
      func->setAttr(seq::kCheckCodeAttr, builder.getI32IntegerAttr(code));
      return func;
    }
    auto message = existing->getAttrOfType<StringAttr>(seq::kCheckMessageAttr);
    auto codeAttr = existing->getAttrOfType<IntegerAttr>(seq::kCheckCodeAttr);
    if (existing.getFunctionType() == type && message &&
        message.getValue() == format && codeAttr && codeAttr.getInt() == code)
      return existing;
  }
}

void seq::emitCheckReport(OpBuilder &builder, Location loc, Operation *op,
                          int32_t code, StringRef format, ValueRange values) {
  std::string message = escapeFormat((op->getName().getStringRef() + " at " +
                                      describeLocation(op->getLoc()))
                                         .str()) +
                        ": " + format.str();
  SmallVector<Value> arguments;
  for (Value value : values) {
    Type type = value.getType();
    if (type.isIndex())
      value =
          arith::IndexCastOp::create(builder, loc, builder.getI64Type(), value);
    else if (type.isInteger(1))
      value = arith::ExtUIOp::create(builder, loc, builder.getI64Type(), value);
    else if (type.isInteger() && type.getIntOrFloatBitWidth() < 64)
      value = arith::ExtSIOp::create(builder, loc, builder.getI64Type(), value);
    else if (isa<FloatType>(type) && !type.isF64())
      value = arith::ExtFOp::create(builder, loc, builder.getF64Type(), value);
    arguments.push_back(value);
  }
  auto module = op->getParentOfType<ModuleOp>();
  func::FuncOp report = declareReport(module, op->getLoc(), message, code,
                                      ValueRange(arguments).getTypes());
  func::CallOp::create(builder, loc, report, arguments);
}
