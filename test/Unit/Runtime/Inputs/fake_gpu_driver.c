/*===- fake_gpu_driver.c - A CUDA/HIP driver on host memory -------*- C -*-===*\
|*                                                                            *|
|* Stands in for libcuda.so.1 and libamdhip64.so in the GPU runtime's tests   *|
|* (SEQRT_CUDA_LIBRARY / SEQRT_HIP_LIBRARY point at it). It exports the       *|
|* subset of the CUDA driver API and the HIP module API that seqrt uses:      *|
|*                                                                            *|
|* - devices: FAKE_GPU_DEVICES of them (default 1; 0 makes cuInit/hipInit     *|
|*   fail with NO_DEVICE, as on a machine without a GPU);                     *|
|* - device memory is host memory; every copy and free is checked against     *|
|*   the live allocations (INVALID_VALUE otherwise);                          *|
|* - a module image is a host ELF shared object, a kernel a function in it    *|
|*   (fake_gpu.h), run once per block; anything else is INVALID_IMAGE;        *|
|* - FAKE_GPU_CC=<major>.<minor> (CUDA, default 9.0) and FAKE_GPU_GFX=gfx<N>  *|
|*   (HIP, default gfx942) set the architecture the devices report;           *|
|* - FAKE_GPU_FAIL=<entry>[=<code>] makes that entry point return the code    *|
|*   (default 1, INVALID_VALUE), after FAKE_GPU_FAIL_AFTER successful calls   *|
|*   of it (default 0);                                                       *|
|* - fake_gpu_last_launch() reports the last launch's configuration and       *|
|*   fake_gpu_live_allocations() the allocations not freed;                   *|
|* - FAKE_GPU_TRACE=1 prints each launch (kernel, grid, block) on stderr;    *|
|*   FAKE_GPU_TRACE_COPIES=1 each host<->device copy and its size (a session *|
|*   that keeps its KV caches on the device copies them only when asked);    *|
|* - FAKE_GPU_FAULT=<kernel> makes that kernel fault (reported at the next    *|
|*   synchronization) and FAKE_GPU_REPORT_LEAKS=1 prints the allocations     *|
|*   still live when the process exits (seqrun's tests: no device memory     *|
|*   leaks after an error).                                                   *|
|*                                                                            *|
|* Built with FAKE_GPU_OMIT_LAUNCH it lacks cuLaunchKernel and                *|
|* hipModuleLaunchKernel (the missing-symbol test).                           *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include "fake_gpu.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

enum {
  OK = 0,
  INVALID_VALUE = 1,
  OUT_OF_MEMORY = 2,
  NO_DEVICE = 100,
  INVALID_DEVICE = 101,
  INVALID_IMAGE = 200,
  INVALID_CONTEXT = 201,
  NOT_FOUND = 500,
  ILLEGAL_ADDRESS = 700
};

/* The entry point named in FAKE_GPU_FAIL fails with its code. */
static int injected(const char *entry) {
  const char *spec = getenv("FAKE_GPU_FAIL");
  if (!spec)
    return OK;
  size_t n = strlen(entry);
  if (strncmp(spec, entry, n) != 0 || (spec[n] != '\0' && spec[n] != '='))
    return OK;
  /* FAKE_GPU_FAIL_AFTER=<n>: the first n calls succeed. */
  static long calls;
  const char *after = getenv("FAKE_GPU_FAIL_AFTER");
  if (after && calls++ < atol(after))
    return OK;
  return spec[n] == '=' ? atoi(spec + n + 1) : INVALID_VALUE;
}
#define INJECT(name)                                                           \
  do {                                                                         \
    int code_ = injected(name);                                                \
    if (code_)                                                                 \
      return code_;                                                            \
  } while (0)

/* FAKE_GPU_CC: the CUDA compute capability, 9.0 by default. */
static int capability(int minor) {
  const char *cc = getenv("FAKE_GPU_CC");
  int major = 9, min = 0;
  if (cc)
    sscanf(cc, "%d.%d", &major, &min);
  return minor ? min : major;
}

static int deviceCount(void) {
  const char *n = getenv("FAKE_GPU_DEVICES");
  return n ? atoi(n) : 1;
}

/*===-- Memory ------------------------------------------------------------===*/

#define MAX_ALLOCATIONS 4096
static struct {
  char *base;
  size_t size;
} allocations[MAX_ALLOCATIONS];

static int allocate(size_t bytes, uint64_t *out) {
  if (bytes > ((size_t)1 << 34))
    return OUT_OF_MEMORY;
  for (int i = 0; i < MAX_ALLOCATIONS; ++i)
    if (!allocations[i].base) {
      char *p = aligned_alloc(256, (bytes + 255) / 256 * 256);
      if (!p)
        return OUT_OF_MEMORY;
      memset(p, 0xA5, bytes);
      allocations[i].base = p;
      allocations[i].size = bytes;
      *out = (uint64_t)(uintptr_t)p;
      return OK;
    }
  return OUT_OF_MEMORY;
}

static int release(uint64_t ptr) {
  for (int i = 0; i < MAX_ALLOCATIONS; ++i)
    if (allocations[i].base &&
        (uint64_t)(uintptr_t)allocations[i].base == ptr) {
      free(allocations[i].base);
      allocations[i].base = NULL;
      return OK;
    }
  return INVALID_VALUE;
}

/* Whether [ptr, ptr + bytes) lies in one live allocation. */
static int inside(uint64_t ptr, size_t bytes) {
  for (int i = 0; i < MAX_ALLOCATIONS; ++i) {
    uint64_t base = (uint64_t)(uintptr_t)allocations[i].base;
    if (allocations[i].base && ptr >= base &&
        ptr - base <= allocations[i].size &&
        bytes <= allocations[i].size - (ptr - base))
      return 1;
  }
  return 0;
}

EXPORT int fake_gpu_live_allocations(void) {
  int live = 0;
  for (int i = 0; i < MAX_ALLOCATIONS; ++i)
    live += allocations[i].base != NULL;
  return live;
}

__attribute__((destructor)) static void reportLeaks(void) {
  if (getenv("FAKE_GPU_REPORT_LEAKS"))
    fprintf(stderr, "fake GPU driver: %d allocations live at exit\n",
            fake_gpu_live_allocations());
}

/*===-- Modules and launches ----------------------------------------------===*/

typedef struct Module {
  void *handle;
  int fd;
} Module;

static int loadModule(const void *image, void **out) {
  if (memcmp(image, "\177ELF", 4) != 0)
    return INVALID_IMAGE;
  /* The image's size is not passed (as with cuModuleLoadData): the ELF
   * section header table ends it. */
  const unsigned char *bytes = image;
  uint64_t shoff;
  uint16_t shentsize, shnum;
  memcpy(&shoff, bytes + 0x28, 8);
  memcpy(&shentsize, bytes + 0x3A, 2);
  memcpy(&shnum, bytes + 0x3C, 2);
  size_t size = shoff + (size_t)shentsize * shnum;
  int fd = memfd_create("fake_gpu_module", MFD_CLOEXEC);
  if (fd < 0 || write(fd, image, size) != (ssize_t)size) {
    if (fd >= 0)
      close(fd);
    return INVALID_IMAGE;
  }
  char path[64];
  /* dlopen returns an object still loaded under the same path (one whose
   * unload did not unmap it) instead of the new image: move to a
   * descriptor no loaded object is named after (the old one stays open,
   * so its number stays taken). */
  for (;;) {
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    void *stale = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    if (!stale)
      break;
    dlclose(stale);
    int next = fcntl(fd, F_DUPFD_CLOEXEC, fd + 1);
    if (next < 0) {
      close(fd);
      return INVALID_IMAGE;
    }
    fd = next;
  }
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    close(fd);
    return INVALID_IMAGE;
  }
  Module *module = malloc(sizeof *module);
  module->handle = handle;
  module->fd = fd;
  *out = module;
  return OK;
}

static int unloadModule(void *m) {
  Module *module = m;
  if (!module)
    return INVALID_VALUE;
  dlclose(module->handle);
  close(module->fd);
  free(module);
  return OK;
}

static int getFunction(void **out, void *m, const char *name) {
  Module *module = m;
  if (!module || !name)
    return INVALID_VALUE;
  void *f = dlsym(module->handle, name);
  if (!f)
    return NOT_FOUND;
  *out = f;
  return OK;
}

static struct {
  unsigned grid[3], block[3], shared;
  void *stream;
  int count;
} lastLaunch;
/* A fault of a kernel, reported by the next synchronization. */
static int stickyError;

EXPORT void fake_gpu_last_launch(unsigned grid[3], unsigned block[3],
                                 unsigned *shared, int *count) {
  memcpy(grid, lastLaunch.grid, sizeof lastLaunch.grid);
  memcpy(block, lastLaunch.block, sizeof lastLaunch.block);
  *shared = lastLaunch.shared;
  *count = lastLaunch.count;
}

#ifndef FAKE_GPU_OMIT_LAUNCH
static int launch(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                  unsigned by, unsigned bz, unsigned shared, void *stream,
                  void **params, void **extra) {
  if (!f || !gx || !gy || !gz || !bx || !by || !bz || extra ||
      (uint64_t)bx * by * bz > 1024)
    return INVALID_VALUE;
  if (stickyError)
    return stickyError;
  fake_gpu_block block = {{gx, gy, gz}, {bx, by, bz}, {0, 0, 0}, shared, NULL};
  lastLaunch.grid[0] = gx, lastLaunch.grid[1] = gy, lastLaunch.grid[2] = gz;
  lastLaunch.block[0] = bx, lastLaunch.block[1] = by, lastLaunch.block[2] = bz;
  lastLaunch.shared = shared;
  lastLaunch.stream = stream;
  lastLaunch.count++;
  block.shared = shared ? malloc(shared) : NULL;
  fake_gpu_kernel kernel = (fake_gpu_kernel)f;
  /* FAKE_GPU_TRACE: each launch on stderr; FAKE_GPU_FAULT: this kernel
   * faults (an illegal address on a GPU). */
  const char *fault = getenv("FAKE_GPU_FAULT");
  Dl_info symbol;
  const char *name =
      dladdr(f, &symbol) && symbol.dli_sname ? symbol.dli_sname : "?";
  if (getenv("FAKE_GPU_TRACE"))
    fprintf(stderr, "fake GPU launch: %s grid %ux%ux%u block %ux%ux%u\n", name,
            gx, gy, gz, bx, by, bz);
  if (fault && strcmp(name, fault) == 0) {
    stickyError = ILLEGAL_ADDRESS;
    free(block.shared);
    return OK;
  }
  for (unsigned z = 0; z < gz; ++z)
    for (unsigned y = 0; y < gy; ++y)
      for (unsigned x = 0; x < gx; ++x) {
        block.index[0] = x, block.index[1] = y, block.index[2] = z;
        if (kernel(&block, params)) {
          stickyError = ILLEGAL_ADDRESS;
          free(block.shared);
          return OK; /* reported when synchronizing */
        }
      }
  free(block.shared);
  return OK;
}
#endif

static int synchronize(void) {
  int e = stickyError;
  return e;
}

static double nowMs(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int newEvent(void **out) {
  double *e = malloc(sizeof *e);
  *e = -1;
  *out = e;
  return OK;
}

static int elapsed(float *ms, void *start, void *stop) {
  if (!start || !stop || *(double *)start < 0 || *(double *)stop < 0)
    return INVALID_VALUE;
  *ms = (float)(*(double *)stop - *(double *)start);
  return OK;
}

static const char *errorName(int code, int hip) {
  switch (code) {
  case OK:
    return hip ? "hipSuccess" : "CUDA_SUCCESS";
  case INVALID_VALUE:
    return hip ? "hipErrorInvalidValue" : "CUDA_ERROR_INVALID_VALUE";
  case OUT_OF_MEMORY:
    return hip ? "hipErrorOutOfMemory" : "CUDA_ERROR_OUT_OF_MEMORY";
  case NO_DEVICE:
    return hip ? "hipErrorNoDevice" : "CUDA_ERROR_NO_DEVICE";
  case INVALID_DEVICE:
    return hip ? "hipErrorInvalidDevice" : "CUDA_ERROR_INVALID_DEVICE";
  case INVALID_IMAGE:
    return hip ? "hipErrorInvalidImage" : "CUDA_ERROR_INVALID_IMAGE";
  case INVALID_CONTEXT:
    return hip ? "hipErrorInvalidContext" : "CUDA_ERROR_INVALID_CONTEXT";
  case NOT_FOUND:
    return hip ? "hipErrorNotFound" : "CUDA_ERROR_NOT_FOUND";
  case ILLEGAL_ADDRESS:
    return hip ? "hipErrorIllegalAddress" : "CUDA_ERROR_ILLEGAL_ADDRESS";
  }
  return NULL;
}

static const char *errorString(int code) {
  switch (code) {
  case OK:
    return "no error";
  case INVALID_VALUE:
    return "invalid argument";
  case OUT_OF_MEMORY:
    return "out of memory";
  case NO_DEVICE:
    return "no CUDA-capable device is detected";
  case INVALID_DEVICE:
    return "invalid device ordinal";
  case INVALID_IMAGE:
    return "device kernel image is invalid";
  case INVALID_CONTEXT:
    return "invalid device context";
  case NOT_FOUND:
    return "named symbol not found";
  case ILLEGAL_ADDRESS:
    return "an illegal memory access was encountered";
  }
  return NULL;
}

static int initialised;
static int checkDevice(int ordinal) {
  if (!initialised)
    return 3; /* NOT_INITIALIZED */
  return ordinal >= 0 && ordinal < deviceCount() ? OK : INVALID_DEVICE;
}

static int fakeContext; /* the primary context's address */
static int fakeStream;

/*===-- CUDA driver API ---------------------------------------------------===*/

EXPORT int cuInit(unsigned flags) {
  INJECT("cuInit");
  if (flags)
    return INVALID_VALUE;
  if (deviceCount() <= 0)
    return NO_DEVICE;
  initialised = 1;
  return OK;
}
EXPORT int cuGetErrorName(int code, const char **out) {
  *out = errorName(code, 0);
  return *out ? OK : INVALID_VALUE;
}
EXPORT int cuGetErrorString(int code, const char **out) {
  *out = errorString(code);
  return *out ? OK : INVALID_VALUE;
}
EXPORT int cuDeviceGetCount(int *count) {
  INJECT("cuDeviceGetCount");
  *count = deviceCount();
  return OK;
}
EXPORT int cuDeviceGet(int *device, int ordinal) {
  INJECT("cuDeviceGet");
  int e = checkDevice(ordinal);
  if (!e)
    *device = ordinal;
  return e;
}
EXPORT int cuDeviceGetName(char *name, int len, int device) {
  INJECT("cuDeviceGetName");
  if (checkDevice(device))
    return INVALID_DEVICE;
  snprintf(name, len, "Fake NVIDIA GPU %d", device);
  return OK;
}
EXPORT int cuDeviceGetAttribute(int *value, int attribute, int device) {
  INJECT("cuDeviceGetAttribute");
  if (checkDevice(device))
    return INVALID_DEVICE;
  switch (attribute) {
  case 8: /* MAX_SHARED_MEMORY_PER_BLOCK */
    *value = 49152;
    return OK;
  case 10: /* WARP_SIZE */
    *value = 32;
    return OK;
  case 16: /* MULTIPROCESSOR_COUNT */
    *value = 132;
    return OK;
  case 75: /* COMPUTE_CAPABILITY_MAJOR */
    *value = capability(0);
    return OK;
  case 76: /* COMPUTE_CAPABILITY_MINOR */
    *value = capability(1);
    return OK;
  case 97: /* MAX_SHARED_MEMORY_PER_BLOCK_OPTIN */
    *value = 232448;
    return OK;
  }
  return INVALID_VALUE;
}
EXPORT int cuDeviceTotalMem_v2(size_t *bytes, int device) {
  INJECT("cuDeviceTotalMem_v2");
  if (checkDevice(device))
    return INVALID_DEVICE;
  *bytes = (size_t)80 << 30;
  return OK;
}
EXPORT int cuDevicePrimaryCtxRetain(void **context, int device) {
  INJECT("cuDevicePrimaryCtxRetain");
  if (checkDevice(device))
    return INVALID_DEVICE;
  *context = &fakeContext;
  return OK;
}
EXPORT int cuDevicePrimaryCtxRelease_v2(int device) {
  return checkDevice(device);
}
EXPORT int cuCtxSetCurrent(void *context) {
  INJECT("cuCtxSetCurrent");
  return context == &fakeContext ? OK : INVALID_CONTEXT;
}
EXPORT int cuStreamCreate(void **stream, unsigned flags) {
  INJECT("cuStreamCreate");
  (void)flags;
  *stream = &fakeStream;
  return OK;
}
EXPORT int cuStreamDestroy_v2(void *stream) {
  return stream == &fakeStream ? OK : INVALID_VALUE;
}
EXPORT int cuStreamSynchronize(void *stream) {
  INJECT("cuStreamSynchronize");
  return stream == &fakeStream ? synchronize() : INVALID_VALUE;
}
/* CUdeviceptr is unsigned long long in cuda.h (and in GpuCuda.cpp): the
 * exported signatures must be the ones seqrt calls through, or a call is
 * undefined behaviour (UBSan's -fsanitize=function reports it). */
typedef unsigned long long CUdeviceptr;
EXPORT int cuMemAlloc_v2(CUdeviceptr *ptr, size_t bytes) {
  INJECT("cuMemAlloc_v2");
  if (!bytes)
    return INVALID_VALUE;
  uint64_t p = 0;
  int status = allocate(bytes, &p);
  if (status == OK)
    *ptr = p;
  return status;
}
/* FAKE_GPU_TRACE_COPIES: each copy's direction and size on stderr. */
static void traceCopy(const char *direction, size_t bytes) {
  static int trace = -1;
  if (trace < 0)
    trace = getenv("FAKE_GPU_TRACE_COPIES") != NULL;
  if (trace)
    fprintf(stderr, "fake GPU copy: %s %zu bytes\n", direction, bytes);
}

EXPORT int cuMemFree_v2(CUdeviceptr ptr) {
  INJECT("cuMemFree_v2");
  return release(ptr);
}
EXPORT int cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t bytes) {
  INJECT("cuMemcpyHtoD_v2");
  traceCopy("to device", bytes);
  if (!inside(dst, bytes))
    return INVALID_VALUE;
  memcpy((void *)(uintptr_t)dst, src, bytes);
  return OK;
}
EXPORT int cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t bytes) {
  INJECT("cuMemcpyDtoH_v2");
  traceCopy("to host", bytes);
  if (!inside(src, bytes))
    return INVALID_VALUE;
  memcpy(dst, (void *)(uintptr_t)src, bytes);
  return OK;
}
EXPORT int cuModuleLoadData(void **module, const void *image) {
  INJECT("cuModuleLoadData");
  return loadModule(image, module);
}
EXPORT int cuModuleUnload(void *module) { return unloadModule(module); }
EXPORT int cuModuleGetFunction(void **function, void *module,
                               const char *name) {
  INJECT("cuModuleGetFunction");
  return getFunction(function, module, name);
}
EXPORT int cuFuncSetAttribute(void *function, int attribute, int value) {
  INJECT("cuFuncSetAttribute");
  return function && attribute == 8 && value >= 0 && value <= 232448
             ? OK
             : INVALID_VALUE;
}
#ifndef FAKE_GPU_OMIT_LAUNCH
EXPORT int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz,
                          unsigned bx, unsigned by, unsigned bz,
                          unsigned shared, void *stream, void **params,
                          void **extra) {
  INJECT("cuLaunchKernel");
  if (stream != &fakeStream || shared > 232448)
    return INVALID_VALUE;
  return launch(f, gx, gy, gz, bx, by, bz, shared, stream, params, extra);
}
#endif
EXPORT int cuEventCreate(void **event, unsigned flags) {
  INJECT("cuEventCreate");
  (void)flags;
  return newEvent(event);
}
EXPORT int cuEventDestroy_v2(void *event) {
  free(event);
  return OK;
}
EXPORT int cuEventRecord(void *event, void *stream) {
  INJECT("cuEventRecord");
  if (stream != &fakeStream)
    return INVALID_VALUE;
  *(double *)event = nowMs();
  return OK;
}
EXPORT int cuEventSynchronize(void *event) {
  INJECT("cuEventSynchronize");
  return event ? synchronize() : INVALID_VALUE;
}
EXPORT int cuEventElapsedTime(float *ms, void *start, void *stop) {
  INJECT("cuEventElapsedTime");
  return elapsed(ms, start, stop);
}

/*===-- HIP module API ----------------------------------------------------===*/

static int currentDevice;

EXPORT int hipInit(unsigned flags) {
  INJECT("hipInit");
  if (flags)
    return INVALID_VALUE;
  if (deviceCount() <= 0)
    return NO_DEVICE;
  initialised = 1;
  return OK;
}
EXPORT const char *hipGetErrorName(int code) {
  const char *name = errorName(code, 1);
  return name ? name : "hipErrorUnknown";
}
EXPORT const char *hipGetErrorString(int code) {
  const char *text = errorString(code);
  return text ? text : "unknown error";
}
EXPORT int hipGetDeviceCount(int *count) {
  INJECT("hipGetDeviceCount");
  *count = deviceCount();
  return *count ? OK : NO_DEVICE;
}
EXPORT int hipDeviceGet(int *device, int ordinal) {
  INJECT("hipDeviceGet");
  int e = checkDevice(ordinal);
  if (!e)
    *device = ordinal;
  return e;
}
EXPORT int hipDeviceGetName(char *name, int len, int device) {
  INJECT("hipDeviceGetName");
  if (checkDevice(device))
    return INVALID_DEVICE;
  snprintf(name, len, "Fake AMD GPU %d", device);
  return OK;
}
EXPORT int hipDeviceGetAttribute(int *value, int attribute, int device) {
  INJECT("hipDeviceGetAttribute");
  if (checkDevice(device))
    return INVALID_DEVICE;
  switch (attribute) {
  case 23: /* ComputeCapabilityMajor */
    *value = 9;
    return OK;
  case 61: /* ComputeCapabilityMinor */
    *value = 4;
    return OK;
  case 63: /* MultiprocessorCount */
    *value = 304;
    return OK;
  case 74: /* MaxSharedMemoryPerBlock */
    *value = 65536;
    return OK;
  case 87: /* WarpSize */
    *value = 64;
    return OK;
  }
  return INVALID_VALUE;
}
EXPORT int hipDeviceTotalMem(size_t *bytes, int device) {
  INJECT("hipDeviceTotalMem");
  if (checkDevice(device))
    return INVALID_DEVICE;
  *bytes = (size_t)192 << 30;
  return OK;
}
/* hipDeviceProp_tR0600: gcnArchName at byte 1160. */
EXPORT int hipGetDevicePropertiesR0600(void *properties, int device) {
  INJECT("hipGetDevicePropertiesR0600");
  if (checkDevice(device))
    return INVALID_DEVICE;
  memset(properties, 0, 1472);
  snprintf(properties, 256, "Fake AMD GPU %d", device);
  const char *gfx = getenv("FAKE_GPU_GFX");
  snprintf((char *)properties + 1160, 256, "%s:sramecc+:xnack-",
           gfx ? gfx : "gfx942");
  return OK;
}
EXPORT int hipSetDevice(int device) {
  INJECT("hipSetDevice");
  int e = checkDevice(device);
  if (!e)
    currentDevice = device;
  return e;
}
EXPORT int hipStreamCreate(void **stream) {
  INJECT("hipStreamCreate");
  *stream = &fakeStream;
  return OK;
}
EXPORT int hipStreamDestroy(void *stream) {
  return stream == &fakeStream ? OK : INVALID_VALUE;
}
EXPORT int hipStreamSynchronize(void *stream) {
  INJECT("hipStreamSynchronize");
  return stream == &fakeStream ? synchronize() : INVALID_VALUE;
}
EXPORT int hipMalloc(void **ptr, size_t bytes) {
  INJECT("hipMalloc");
  uint64_t p = 0;
  int e = bytes ? allocate(bytes, &p) : INVALID_VALUE;
  *ptr = (void *)(uintptr_t)p;
  return e;
}
EXPORT int hipFree(void *ptr) {
  INJECT("hipFree");
  return release((uint64_t)(uintptr_t)ptr);
}
EXPORT int hipMemcpyHtoD(void *dst, void *src, size_t bytes) {
  INJECT("hipMemcpyHtoD");
  traceCopy("to device", bytes);
  if (!inside((uint64_t)(uintptr_t)dst, bytes))
    return INVALID_VALUE;
  memcpy(dst, src, bytes);
  return OK;
}
EXPORT int hipMemcpyDtoH(void *dst, void *src, size_t bytes) {
  INJECT("hipMemcpyDtoH");
  traceCopy("to host", bytes);
  if (!inside((uint64_t)(uintptr_t)src, bytes))
    return INVALID_VALUE;
  memcpy(dst, src, bytes);
  return OK;
}
EXPORT int hipModuleLoadData(void **module, const void *image) {
  INJECT("hipModuleLoadData");
  return loadModule(image, module);
}
EXPORT int hipModuleUnload(void *module) { return unloadModule(module); }
EXPORT int hipModuleGetFunction(void **function, void *module,
                                const char *name) {
  INJECT("hipModuleGetFunction");
  return getFunction(function, module, name);
}
#ifndef FAKE_GPU_OMIT_LAUNCH
EXPORT int hipModuleLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz,
                                 unsigned bx, unsigned by, unsigned bz,
                                 unsigned shared, void *stream, void **params,
                                 void **extra) {
  INJECT("hipModuleLaunchKernel");
  if (stream != &fakeStream || shared > 65536)
    return INVALID_VALUE;
  return launch(f, gx, gy, gz, bx, by, bz, shared, stream, params, extra);
}
#endif
EXPORT int hipEventCreate(void **event) {
  INJECT("hipEventCreate");
  return newEvent(event);
}
EXPORT int hipEventDestroy(void *event) {
  free(event);
  return OK;
}
EXPORT int hipEventRecord(void *event, void *stream) {
  INJECT("hipEventRecord");
  if (stream != &fakeStream)
    return INVALID_VALUE;
  *(double *)event = nowMs();
  return OK;
}
EXPORT int hipEventSynchronize(void *event) {
  INJECT("hipEventSynchronize");
  return event ? synchronize() : INVALID_VALUE;
}
EXPORT int hipEventElapsedTime(float *ms, void *start, void *stop) {
  INJECT("hipEventElapsedTime");
  return elapsed(ms, start, stop);
}

/* Clears a kernel's fault (a real context would be lost; tests go on). */
EXPORT void fake_gpu_reset(void) { stickyError = 0; }
