#ifndef REELPACK_OJPH_SHIM_H
#define REELPACK_OJPH_SHIM_H
// OpenJPH is C++ and reports errors with exceptions; this extern "C" boundary
// catches them so Swift sees plain return codes. Implemented in ojph_shim.cpp.
#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
