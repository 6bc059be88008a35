//===- Error.h - Thread-local error reporting -------------------*- C++ -*-===//
//
// This file declares how the runtime records the message that
// seqrt_last_error() returns.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_ERROR_H
#define SEQRT_LIB_ERROR_H

#include "seqrt/seqrt.h"

#include <string>

namespace seqrt {

/// Records `message` as this thread's last error and returns `status`.
seqrt_status fail(seqrt_status status, std::string message);

} // namespace seqrt

#endif // SEQRT_LIB_ERROR_H
