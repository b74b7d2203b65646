#pragma once
// FSS_HD marks per-element protocol math that both backends run: __host__ __device__ under
// nvcc, nothing under a host compiler. Write such a function once; never copy it into a kernel.
#if defined(__CUDACC__)
#define FSS_HD __host__ __device__ __forceinline__
#else
#define FSS_HD inline
#endif
