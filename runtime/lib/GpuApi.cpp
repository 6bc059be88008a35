//===- GpuApi.cpp - The seqrt_gpu_* C API ---------------------------------===//
//
// This file implements the GPU layer's C API (seqrt/gpu.h) on GpuDriver:
// argument checks, the objects behind the opaque handles, and messages
// that name the kernel and entry of a launch (also when the failure
// surfaces at a later synchronization).
//
//===----------------------------------------------------------------------===//

#include "GpuDriver.h"

#include "Error.h"

#include <cstring>
#include <new>
#include <string>
#include <vector>

using namespace seqrt;

struct seqrt_gpu_context {
  GpuDriver *driver;
  seqrt_gpu_api api;
  int32_t ordinal;
  GpuHandle context;
  GpuHandle stream;
  /// What was enqueued last ("kernel 'k', entry 'main'"), for the message
  /// of a failure that surfaces when the stream is synchronized.
  std::string lastLaunch;
};

struct seqrt_gpu_function {
  GpuHandle handle;
  std::string name;
  seqrt_gpu_module *module;
};

struct seqrt_gpu_module {
  seqrt_gpu_context *context;
  GpuHandle handle;
  std::vector<std::unique_ptr<seqrt_gpu_function>> functions;
  /// The image, kept while the module is loaded: the CUDA driver copies
  /// it, but HIP does not promise to.
  std::vector<char> image;
};

struct seqrt_gpu_event {
  seqrt_gpu_context *context;
  GpuHandle handle;
  bool recorded;
};

namespace {
/// Makes the context current and returns its driver, or null (status set).
GpuDriver *enter(seqrt_gpu_context *context, seqrt_status &status) {
  if (!context) {
    status = fail(SEQRT_ERROR_ARGUMENT, "null GPU context");
    return nullptr;
  }
  status = context->driver->makeCurrent(context->ordinal, context->context);
  return status ? nullptr : context->driver;
}

/// Waits for the stream; a failure names what ran last.
seqrt_status drain(seqrt_gpu_context *context) {
  std::string what = context->lastLaunch.empty()
                         ? std::string()
                         : "after " + context->lastLaunch;
  return context->driver->streamSynchronize(context->stream, what);
}
} // namespace

extern "C" const char *seqrt_gpu_api_name(seqrt_gpu_api api) {
  switch (api) {
  case SEQRT_GPU_CUDA:
    return "cuda";
  case SEQRT_GPU_HIP:
    return "hip";
  }
  return "unknown";
}

extern "C" seqrt_status seqrt_gpu_probe(seqrt_gpu_api api) {
  seqrt_status status;
  getGpuDriver(api, status);
  return status;
}

extern "C" seqrt_status seqrt_gpu_device_count(seqrt_gpu_api api,
                                               int32_t *count) {
  if (!count)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_gpu_device_count: null count");
  *count = 0;
  seqrt_status status;
  GpuDriver *driver = getGpuDriver(api, status);
  if (!driver)
    return status;
  return driver->deviceCount(*count);
}

extern "C" seqrt_status seqrt_gpu_device_info_get(seqrt_gpu_api api,
                                                  int32_t ordinal,
                                                  seqrt_gpu_device_info *info) {
  if (!info)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_gpu_device_info_get: null info");
  seqrt_status status;
  GpuDriver *driver = getGpuDriver(api, status);
  if (!driver)
    return status;
  return driver->deviceInfo(ordinal, *info);
}

extern "C" seqrt_status seqrt_gpu_context_create(seqrt_gpu_api api,
                                                 int32_t ordinal,
                                                 seqrt_gpu_context **out) {
  if (!out)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_gpu_context_create: null out");
  *out = nullptr;
  seqrt_status status;
  GpuDriver *driver = getGpuDriver(api, status);
  if (!driver)
    return status;
  GpuHandle context = nullptr, stream = nullptr;
  if (seqrt_status s = driver->contextCreate(ordinal, context, stream))
    return s;
  auto *result = new (std::nothrow)
      seqrt_gpu_context{driver, api, ordinal, context, stream, {}};
  if (!result) {
    driver->contextDestroy(ordinal, context, stream);
    return fail(SEQRT_ERROR_MEMORY, "out of host memory");
  }
  *out = result;
  return SEQRT_OK;
}

extern "C" void seqrt_gpu_context_free(seqrt_gpu_context *context) {
  if (!context)
    return;
  context->driver->contextDestroy(context->ordinal, context->context,
                                  context->stream);
  delete context;
}

extern "C" seqrt_status
seqrt_gpu_context_device(const seqrt_gpu_context *context,
                         seqrt_gpu_device_info *info) {
  if (!context || !info)
    return fail(SEQRT_ERROR_ARGUMENT,
                "seqrt_gpu_context_device: null argument");
  return context->driver->deviceInfo(context->ordinal, *info);
}

extern "C" seqrt_status seqrt_gpu_alloc(seqrt_gpu_context *context,
                                        size_t bytes, seqrt_gpu_ptr *out) {
  if (!out)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_gpu_alloc: null out");
  *out = 0;
  if (bytes == 0)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_gpu_alloc: 0 bytes");
  seqrt_status status;
  GpuDriver *driver = enter(context, status);
  if (!driver)
    return status;
  return driver->alloc(bytes, *out);
}

extern "C" seqrt_status seqrt_gpu_free(seqrt_gpu_context *context,
                                       seqrt_gpu_ptr ptr) {
  if (ptr == 0)
    return SEQRT_OK;
  seqrt_status status;
  GpuDriver *driver = enter(context, status);
  if (!driver)
    return status;
  return driver->free(ptr);
}

extern "C" seqrt_status seqrt_gpu_copy_to_device(seqrt_gpu_context *context,
                                                 seqrt_gpu_ptr dst,
                                                 const void *src,
                                                 size_t bytes) {
  if (bytes == 0)
    return SEQRT_OK;
  if (!dst || !src)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_gpu_copy_to_device: null pointer");
  seqrt_status status;
  GpuDriver *driver = enter(context, status);
  if (!driver)
    return status;
  if (seqrt_status s = drain(context))
    return s;
  return driver->copyToDevice(dst, src, bytes);
}

extern "C" seqrt_status seqrt_gpu_copy_to_host(seqrt_gpu_context *context,
                                               void *dst, seqrt_gpu_ptr src,
                                               size_t bytes) {
  if (bytes == 0)
    return SEQRT_OK;
  if (!dst || !src)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_gpu_copy_to_host: null pointer");
  seqrt_status status;
  GpuDriver *driver = enter(context, status);
  if (!driver)
    return status;
  if (seqrt_status s = drain(context))
    return s;
  return driver->copyToHost(dst, src, bytes);
}

extern "C" seqrt_status seqrt_gpu_module_load(seqrt_gpu_context *context,
                                              const void *image, size_t size,
                                              seqrt_gpu_module **out) {
  if (!out)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_gpu_module_load: null out");
  *out = nullptr;
  if (!image || size == 0)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_gpu_module_load: empty image");
  seqrt_status status;
  GpuDriver *driver = enter(context, status);
  if (!driver)
    return status;
  // A copy with a terminating NUL: PTX is loaded as a C string, and the
  // caller's buffer may be a mapping that ends at the last byte. The module
  // keeps it.
  std::vector<char> copy;
  try {
    copy.resize(size + 1);
  } catch (const std::bad_alloc &) {
    return fail(SEQRT_ERROR_MEMORY, "out of host memory");
  }
  std::memcpy(copy.data(), image, size);
  copy[size] = '\0';
  GpuHandle handle = nullptr;
  if (seqrt_status s = driver->moduleLoad(copy.data(), handle))
    return s;
  auto *module =
      new (std::nothrow) seqrt_gpu_module{context, handle, {}, std::move(copy)};
  if (!module) {
    driver->moduleUnload(handle);
    return fail(SEQRT_ERROR_MEMORY, "out of host memory");
  }
  *out = module;
  return SEQRT_OK;
}

extern "C" void seqrt_gpu_module_free(seqrt_gpu_module *module) {
  if (!module)
    return;
  seqrt_status status;
  if (GpuDriver *driver = enter(module->context, status))
    driver->moduleUnload(module->handle);
  delete module;
}

extern "C" seqrt_status seqrt_gpu_function_get(seqrt_gpu_module *module,
                                               const char *name,
                                               seqrt_gpu_function **out) {
  if (!out)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_gpu_function_get: null out");
  *out = nullptr;
  if (!module || !name || !*name)
    return fail(SEQRT_ERROR_ARGUMENT,
                "seqrt_gpu_function_get: null module or empty name");
  for (auto &function : module->functions)
    if (function->name == name) {
      *out = function.get();
      return SEQRT_OK;
    }
  seqrt_status status;
  GpuDriver *driver = enter(module->context, status);
  if (!driver)
    return status;
  GpuHandle handle = nullptr;
  if (seqrt_status s = driver->functionGet(module->handle, name, handle))
    return s;
  module->functions.push_back(std::unique_ptr<seqrt_gpu_function>(
      new seqrt_gpu_function{handle, name, module}));
  *out = module->functions.back().get();
  return SEQRT_OK;
}

extern "C" seqrt_status seqrt_gpu_launch(seqrt_gpu_function *function,
                                         const seqrt_gpu_launch_config *config,
                                         void **params, size_t count) {
  if (!function || !config)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_gpu_launch: null argument");
  std::string what = "kernel '" + function->name + "'";
  if (config->entry && *config->entry)
    what += ", entry '" + std::string(config->entry) + "'";
  uint64_t threads = 1;
  for (int i = 0; i < 3; ++i) {
    if (config->grid[i] == 0 || config->block[i] == 0)
      return fail(SEQRT_ERROR_ARGUMENT,
                  "launch of " + what + ": grid and block extents must be " +
                      "positive");
    threads *= config->block[i];
  }
  if (threads > 1024)
    return fail(SEQRT_ERROR_ARGUMENT, "launch of " + what + ": " +
                                          std::to_string(threads) +
                                          " threads per block (at most 1024)");
  if (count > 0 && !params)
    return fail(SEQRT_ERROR_ARGUMENT,
                "launch of " + what + ": null parameter array");
  for (size_t i = 0; i < count; ++i)
    if (!params[i])
      return fail(SEQRT_ERROR_ARGUMENT, "launch of " + what + ": parameter " +
                                            std::to_string(i) + " is null");
  seqrt_gpu_context *context = function->module->context;
  seqrt_status status;
  GpuDriver *driver = enter(context, status);
  if (!driver)
    return status;
  if (seqrt_status s = driver->launch(
          function->handle, config->grid, config->block, config->shared_bytes,
          context->stream, count ? params : nullptr, what))
    return s;
  context->lastLaunch = what;
  return SEQRT_OK;
}

extern "C" seqrt_status seqrt_gpu_synchronize(seqrt_gpu_context *context) {
  seqrt_status status;
  if (!enter(context, status))
    return status;
  return drain(context);
}

extern "C" seqrt_status seqrt_gpu_event_create(seqrt_gpu_context *context,
                                               seqrt_gpu_event **out) {
  if (!out)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_gpu_event_create: null out");
  *out = nullptr;
  seqrt_status status;
  GpuDriver *driver = enter(context, status);
  if (!driver)
    return status;
  GpuHandle handle = nullptr;
  if (seqrt_status s = driver->eventCreate(handle))
    return s;
  *out = new seqrt_gpu_event{context, handle, false};
  return SEQRT_OK;
}

extern "C" void seqrt_gpu_event_free(seqrt_gpu_event *event) {
  if (!event)
    return;
  seqrt_status status;
  if (GpuDriver *driver = enter(event->context, status))
    driver->eventDestroy(event->handle);
  delete event;
}

extern "C" seqrt_status seqrt_gpu_event_record(seqrt_gpu_event *event) {
  if (!event)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_gpu_event_record: null event");
  seqrt_status status;
  GpuDriver *driver = enter(event->context, status);
  if (!driver)
    return status;
  if (seqrt_status s =
          driver->eventRecord(event->handle, event->context->stream))
    return s;
  event->recorded = true;
  return SEQRT_OK;
}

extern "C" seqrt_status seqrt_gpu_event_elapsed(seqrt_gpu_event *start,
                                                seqrt_gpu_event *stop,
                                                float *ms) {
  if (!start || !stop || !ms)
    return fail(SEQRT_ERROR_ARGUMENT, "seqrt_gpu_event_elapsed: null argument");
  if (start->context != stop->context)
    return fail(SEQRT_ERROR_ARGUMENT,
                "seqrt_gpu_event_elapsed: events of two contexts");
  if (!start->recorded || !stop->recorded)
    return fail(SEQRT_ERROR_ARGUMENT,
                "seqrt_gpu_event_elapsed: an event was never recorded");
  seqrt_status status;
  GpuDriver *driver = enter(start->context, status);
  if (!driver)
    return status;
  return driver->eventElapsed(start->handle, stop->handle, *ms);
}
