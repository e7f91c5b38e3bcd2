#ifndef REELPACK_CZLIB_SHIM_H
#define REELPACK_CZLIB_SHIM_H
#include <zlib.h>
#endif
