#ifndef REELPACK_OJPH_SHIM_H
#define REELPACK_OJPH_SHIM_H
// OpenJPH is C++ and reports errors with exceptions; this extern "C" boundary
// catches them so Swift sees plain status codes and the library's own message.
// Implemented in ojph_shim.cpp.
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Outcome of an encode or decode call.
typedef enum {
    RP_OJPH_OK = 0,
    /// The input frame or parameters cannot be encoded (geometry, depth, step).
    RP_OJPH_UNSUPPORTED = 1,
    /// The codestream is corrupt, truncated or not HTJ2K/JPEG 2000.
    RP_OJPH_MALFORMED = 2,
    /// The codestream declares more than the caller's limits allow.
    RP_OJPH_LIMIT = 3,
    /// The library failed for another reason (out of memory, ...).
    RP_OJPH_FAILURE = 4,
} rp_ojph_status;

/// Encoder settings. Block size is 64x64 unless given; tiles are not used.
typedef struct {
    uint32_t width;
    uint32_t height;
    /// 1, 3 or 4 planes (2 is accepted too, coded without colour transform).
    uint32_t components;
    /// Bits per sample, 1...16; samples must fit in it.
    uint32_t bit_depth;
    /// Non-zero: reversible 5/3 wavelet (lossless). Zero: irreversible 9/7.
    int32_t reversible;
    /// Quantisation step for the irreversible path (> 0, e.g. 0.0001 ... 0.5).
    float quantization_step;
    /// Non-zero: RCT/ICT over the first three planes (3 or 4 components only).
    int32_t color_transform;
    /// Wavelet decomposition levels, 0...32 (5 is usual); lowered so that
    /// 2^(levels+1) does not exceed the smaller side (OpenJPH 0.9 decodes such
    /// small images wrongly otherwise).
    uint32_t decompositions;
    /// Code-block size (powers of two, 4...1024, area <= 4096); 0 means 64.
    uint32_t block_width;
    uint32_t block_height;
} rp_ojph_encode_params;

/// Result of a call: encoded bytes or a decode's geometry, plus the library's
/// messages. Always freed with `rp_ojph_result_free`.
typedef struct rp_ojph_result rp_ojph_result;

/// Encodes `samples` (planar: plane after plane, rows top first, `components *
/// width * height` values) into a raw HTJ2K codestream (J2C) in memory.
/// `*out` receives a result (bytes on success, message on failure) or NULL only
/// when even that could not be allocated.
rp_ojph_status rp_ojph_encode(const uint16_t *samples, size_t sample_count,
                              const rp_ojph_encode_params *params,
                              rp_ojph_result **out);

/// Decodes a raw codestream into planar samples at the codestream's bit depth
/// (lossy values clamped to 0...2^depth-1), in two calls. The main header is
/// checked first (against what OpenJPH 0.9 handles, and the limits: each side
/// at most `max_side`, components 1...4, unsigned, no subsampling, one depth of
/// 1...16, `width * height * components` at most `max_samples`).
/// With `samples` NULL only the header is read: the result's geometry tells the
/// caller what to allocate. With a buffer of exactly `width * height *
/// components` values, the image is decoded into it (plane after plane).
rp_ojph_status rp_ojph_decode(const uint8_t *data, size_t size,
                              uint32_t max_side, uint64_t max_samples,
                              uint16_t *samples, size_t sample_count,
                              rp_ojph_result **out);

/// The codestream bytes of a successful encode (NULL, 0 otherwise).
const uint8_t *rp_ojph_result_bytes(const rp_ojph_result *result, size_t *count);

/// Geometry of a decode: width, height, components, bit depth, and whether the
/// codestream is reversible (lossless-capable 5/3).
void rp_ojph_result_geometry(const rp_ojph_result *result, uint32_t *width,
                             uint32_t *height, uint32_t *components,
                             uint32_t *bit_depth, int32_t *reversible);

/// The library's error and warning messages and the shim's own, joined by
/// "; " (empty string when there were none). Valid until the result is freed.
const char *rp_ojph_result_message(const rp_ojph_result *result);

/// Frees a result (NULL is ignored).
void rp_ojph_result_free(rp_ojph_result *result);

/// "major.minor.patch" of the OpenJPH headers compiled against.
const char *rp_ojph_version(void);

#ifdef __cplusplus
}
#endif
#endif
