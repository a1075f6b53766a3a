// SPDX-License-Identifier: MIT
#pragma once

#include <cstdlib> // defines __GLIBC__ on glibc systems, which the test below needs

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace cxr {

// glibc returns every large buffer to the system with munmap and page-faults it back on the
// next batch; LibTorch CPU training allocates such buffers each step. Keeping them mapped made
// training 1.3-3x faster here (see docs/benchmarks.md). Call once at the start of main(),
// before any thread starts.
inline void tuneAllocatorForLargeBuffers()
{
#if defined(__GLIBC__)
    // M_MMAP_THRESHOLD cannot go above 32 MiB, and one batch of activations is larger than
    // that, so serve every allocation from the heap and never trim it back.
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    // One arena for every thread: a thread's own arena grows in 64 MiB heaps that cannot hold
    // those buffers, so training on a worker thread (the GUI's) ran 1.6-1.8x slower than on
    // the main thread until all threads shared the main heap (docs/benchmarks.md).
    mallopt(M_ARENA_MAX, 1);
#endif
}

// Hands the heap's free pages back to the system after large short-lived work (a scan, a
// leakage check): with trimming turned off above, they would otherwise stay resident.
inline void releaseFreedMemory()
{
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

} // namespace cxr
