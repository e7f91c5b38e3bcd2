#include "ojph_shim.h"
