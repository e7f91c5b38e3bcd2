#ifndef REELPACK_CTIFF_SHIM_H
#define REELPACK_CTIFF_SHIM_H
#include <tiffio.h>
#endif
