//===- Error.cpp - Thread-local error reporting ---------------------------===//
//
// This file implements the thread-local last-error message and the status
// names of the C API.
//
//===----------------------------------------------------------------------===//

#include "Error.h"

namespace {
thread_local std::string lastError;
} // namespace

seqrt_status seqrt::fail(seqrt_status status, std::string message) {
  lastError = std::move(message);
  return status;
}

extern "C" const char *seqrt_last_error(void) { return lastError.c_str(); }

extern "C" const char *seqrt_status_name(seqrt_status status) {
  switch (status) {
  case SEQRT_OK:
    return "SEQRT_OK";
  case SEQRT_ERROR_IO:
    return "SEQRT_ERROR_IO";
  case SEQRT_ERROR_FORMAT:
    return "SEQRT_ERROR_FORMAT";
  case SEQRT_ERROR_VERSION:
    return "SEQRT_ERROR_VERSION";
  case SEQRT_ERROR_CHECKSUM:
    return "SEQRT_ERROR_CHECKSUM";
  case SEQRT_ERROR_TARGET:
    return "SEQRT_ERROR_TARGET";
  case SEQRT_ERROR_BINDING:
    return "SEQRT_ERROR_BINDING";
  case SEQRT_ERROR_ARGUMENT:
    return "SEQRT_ERROR_ARGUMENT";
  case SEQRT_ERROR_MEMORY:
    return "SEQRT_ERROR_MEMORY";
  case SEQRT_ERROR_EXECUTION:
    return "SEQRT_ERROR_EXECUTION";
  }
  return "SEQRT_ERROR_UNKNOWN";
}
