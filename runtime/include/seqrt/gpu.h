/*===- gpu.h - The seqc runtime's GPU layer (C API) ---------------*- C -*-===*\
|*                                                                            *|
|* Devices, memory, modules and kernel launches on NVIDIA GPUs through the    *|
|* CUDA driver API (libcuda.so.1) and on AMD GPUs through the HIP module API  *|
|* (libamdhip64.so). Neither is linked: each library is loaded with dlopen    *|
|* the first time its API is used, so one runtime works on machines with      *|
|* either, both or neither. SEQRT_CUDA_LIBRARY and SEQRT_HIP_LIBRARY name     *|
|* another library to load instead (a path or a soname).                      *|
|*                                                                            *|
|* Errors (seqrt_last_error) name the driver entry that failed, the kernel    *|
|* and the entry function of a launch, and the driver's own error name and    *|
|* string: SEQRT_ERROR_TARGET when the driver library or a device is missing, *|
|* SEQRT_ERROR_BINDING when the library lacks an entry point or a module      *|
|* lacks a kernel, SEQRT_ERROR_ARGUMENT for bad arguments,                    *|
|* SEQRT_ERROR_MEMORY when device memory runs out and SEQRT_ERROR_EXECUTION   *|
|* for any other failing driver call.                                         *|
|*                                                                            *|
|* Threads: a context may be used from any thread (each call makes its        *|
|* device current on the calling thread), one call at a time.                 *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef SEQRT_GPU_H
#define SEQRT_GPU_H

#include "seqrt/seqrt.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum seqrt_gpu_api SEQRT_ENUM_INT32 {
  SEQRT_GPU_CUDA = 0, /* NVIDIA, CUDA driver API */
  SEQRT_GPU_HIP = 1   /* AMD, HIP module API */
} seqrt_gpu_api;

/* "cuda", "hip". */
const char *seqrt_gpu_api_name(seqrt_gpu_api api);

/* Whether the API's driver library loads and has every entry point the
 * runtime uses (no device needed). On failure the message says why. */
seqrt_status seqrt_gpu_probe(seqrt_gpu_api api);

/*===-- Devices -----------------------------------------------------------===*/

typedef struct seqrt_gpu_device_info {
  char name[256];           /* "NVIDIA H100 80GB HBM3", "AMD Instinct MI300X" */
  char arch[64];            /* "sm_90", "sm_80"; the gcnArchName, "gfx942" */
  int32_t major, minor;     /* compute capability (HIP: as the driver says) */
  int32_t multiprocessors;  /* SMs / CUs */
  int32_t warp_size;        /* 32 / 64 */
  int64_t shared_per_block; /* bytes of shared memory a block may use */
  int64_t total_memory;     /* bytes of device memory */
} seqrt_gpu_device_info;

/* The number of devices (0 is a success: a driver without devices). */
seqrt_status seqrt_gpu_device_count(seqrt_gpu_api api, int32_t *count);
seqrt_status seqrt_gpu_device_info_get(seqrt_gpu_api api, int32_t ordinal,
                                       seqrt_gpu_device_info *info);

/*===-- Contexts and memory -----------------------------------------------===*/

/* A device's (primary) context with one stream, on which launches, copies
 * and events are ordered. */
typedef struct seqrt_gpu_context seqrt_gpu_context;

/* A device address; 0 is never a valid allocation. */
typedef uint64_t seqrt_gpu_ptr;

seqrt_status seqrt_gpu_context_create(seqrt_gpu_api api, int32_t ordinal,
                                      seqrt_gpu_context **out);
/* Releases the stream and the context; NULL is a no-op. Modules and device
 * memory must be freed first. */
void seqrt_gpu_context_free(seqrt_gpu_context *context);
/* The device the context was created on. */
seqrt_status seqrt_gpu_context_device(const seqrt_gpu_context *context,
                                      seqrt_gpu_device_info *info);

/* `bytes` > 0. */
seqrt_status seqrt_gpu_alloc(seqrt_gpu_context *context, size_t bytes,
                             seqrt_gpu_ptr *out);
/* 0 is a no-op. */
seqrt_status seqrt_gpu_free(seqrt_gpu_context *context, seqrt_gpu_ptr ptr);
/* Synchronous copies (they wait for the context's stream first). */
seqrt_status seqrt_gpu_copy_to_device(seqrt_gpu_context *context,
                                      seqrt_gpu_ptr dst, const void *src,
                                      size_t bytes);
seqrt_status seqrt_gpu_copy_to_host(seqrt_gpu_context *context, void *dst,
                                    seqrt_gpu_ptr src, size_t bytes);

/*===-- Modules, kernels and launches -------------------------------------===*/

typedef struct seqrt_gpu_module seqrt_gpu_module;
typedef struct seqrt_gpu_function seqrt_gpu_function;

/* Loads a cubin, fatbin or PTX text (CUDA) or an HSACO code object (HIP)
 * from memory; the image is copied (PTX gets its terminating NUL). */
seqrt_status seqrt_gpu_module_load(seqrt_gpu_context *context,
                                   const void *image, size_t size,
                                   seqrt_gpu_module **out);
/* Unloads; its functions become invalid. NULL is a no-op. */
void seqrt_gpu_module_free(seqrt_gpu_module *module);
/* The kernel `name`; owned by the module. */
seqrt_status seqrt_gpu_function_get(seqrt_gpu_module *module, const char *name,
                                    seqrt_gpu_function **out);

typedef struct seqrt_gpu_launch_config {
  uint32_t grid[3];      /* blocks (each > 0) */
  uint32_t block[3];     /* threads per block (each > 0, product <= 1024) */
  uint32_t shared_bytes; /* dynamic shared memory per block */
  const char *entry;     /* the entry function launching it, for messages;
                            may be NULL */
} seqrt_gpu_launch_config;

/* Enqueues the kernel on the context's stream. `params[i]` points at the
 * value of the kernel's i-th parameter (as cuLaunchKernel and
 * hipModuleLaunchKernel take them); `count` is their number, which the
 * caller must take from the kernel's signature. Errors found when the
 * kernel runs are reported by the next synchronizing call, naming this
 * kernel. */
seqrt_status seqrt_gpu_launch(seqrt_gpu_function *function,
                              const seqrt_gpu_launch_config *config,
                              void **params, size_t count);
/* Waits for everything enqueued on the context's stream. */
seqrt_status seqrt_gpu_synchronize(seqrt_gpu_context *context);

/*===-- Events (timing) ---------------------------------------------------===*/

typedef struct seqrt_gpu_event seqrt_gpu_event;

seqrt_status seqrt_gpu_event_create(seqrt_gpu_context *context,
                                    seqrt_gpu_event **out);
void seqrt_gpu_event_free(seqrt_gpu_event *event);
/* Records the event on the context's stream. */
seqrt_status seqrt_gpu_event_record(seqrt_gpu_event *event);
/* Milliseconds between two recorded events of one context, waiting for
 * `stop` to complete. */
seqrt_status seqrt_gpu_event_elapsed(seqrt_gpu_event *start,
                                     seqrt_gpu_event *stop, float *ms);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SEQRT_GPU_H */
