#ifndef REELPACK_COPENJPEG_SHIM_H
#define REELPACK_COPENJPEG_SHIM_H
#include <openjpeg.h>
#endif
