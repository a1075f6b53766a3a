// SPDX-License-Identifier: MIT
#pragma once

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace cxr {

// glibc returns every large buffer to the system with munmap and page-faults it back on the
// next batch; LibTorch CPU training allocates such buffers each step. Keeping them mapped made
// training 1.3-3x faster here (see docs/benchmarks.md). Call once at the start of main().
inline void tuneAllocatorForLargeBuffers()
{
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

} // namespace cxr
