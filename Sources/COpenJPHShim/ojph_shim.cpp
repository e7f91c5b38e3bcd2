// extern "C" boundary over OpenJPH 0.9 (see include/ojph_shim.h).
//
// OpenJPH reports an error by printing it to its error stream and throwing
// std::runtime_error("ojph error"); warnings and information go to stdout.
// In 0.9 `configure_error` copies the handler object by value into the
// library's own (slicing it), so a custom handler never runs. Instead the
// three streams are pointed at unbuffered cookie streams whose writer appends
// to a per-thread string: each call then knows exactly what the library said
// on its own thread, and nothing reaches the process's stdout or stderr.
#include "ojph_shim.h"

#include <openjph/ojph_arch.h>
#include <openjph/ojph_codestream.h>
#include <openjph/ojph_defs.h>
#include <openjph/ojph_file.h>
#include <openjph/ojph_mem.h>
#include <openjph/ojph_message.h>
#include <openjph/ojph_params.h>
#include <openjph/ojph_version.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

struct rp_ojph_result {
    std::vector<uint8_t> bytes;
    std::vector<uint16_t> samples;
    uint32_t width = 0, height = 0, components = 0, bit_depth = 0;
    int32_t reversible = 0;
    std::string message;
};

namespace {

/// What the library printed on this thread during the current call.
thread_local std::string tls_messages;

#if defined(__GLIBC__)
ssize_t capture_write(void *, const char *buf, size_t size) {
    tls_messages.append(buf, size);
    return static_cast<ssize_t>(size);
}
FILE *make_capture_stream() {
    cookie_io_functions_t io = {nullptr, capture_write, nullptr, nullptr};
    return fopencookie(nullptr, "w", io);
}
#elif defined(__APPLE__)
int capture_write(void *, const char *buf, int size) {
    tls_messages.append(buf, static_cast<size_t>(size));
    return size;
}
FILE *make_capture_stream() { return funopen(nullptr, nullptr, capture_write, nullptr, nullptr); }
#else
FILE *make_capture_stream() { return nullptr; }
#endif

/// Points the library's message streams at the capture stream, once per process.
void install_message_capture() {
    static std::once_flag once;
    std::call_once(once, [] {
        FILE *stream = make_capture_stream();
        if (stream == nullptr) return;
        // Unbuffered: every fprintf reaches capture_write on the calling thread.
        setvbuf(stream, nullptr, _IONBF, 0);
        ojph::set_error_stream(stream);
        ojph::set_warning_stream(stream);
        ojph::set_info_stream(stream);
    });
}

/// The library's messages of this call, one per line, joined by "; ".
std::string collected_messages() {
    std::string text;
    size_t start = 0;
    while (start < tls_messages.size()) {
        size_t end = tls_messages.find('\n', start);
        if (end == std::string::npos) end = tls_messages.size();
        if (end > start) {
            if (!text.empty()) text += "; ";
            text.append(tls_messages, start, end - start);
        }
        start = end + 1;
    }
    return text;
}

/// Joins the library's messages and `extra` into the result's message.
void finish_message(rp_ojph_result *result, const std::string &extra) {
    std::string text = collected_messages();
    if (!extra.empty()) {
        if (!text.empty()) text += "; ";
        text += extra;
    }
    result->message = text;
    tls_messages.clear();
}

/// Validation failure found by the shim itself, before the library is called.
struct shim_error {
    rp_ojph_status status;
    std::string text;
};

bool is_power_of_two(uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }

void check_encode_params(const rp_ojph_encode_params &p, size_t sample_count) {
    if (p.width == 0 || p.height == 0)
        throw shim_error{RP_OJPH_UNSUPPORTED, "image is empty"};
    if (p.components < 1 || p.components > 4)
        throw shim_error{RP_OJPH_UNSUPPORTED, std::to_string(p.components) + " components (1 to 4 supported)"};
    if (p.bit_depth < 1 || p.bit_depth > 16)
        throw shim_error{RP_OJPH_UNSUPPORTED, "bit depth " + std::to_string(p.bit_depth) + " (1 to 16 supported)"};
    uint64_t expected = uint64_t(p.width) * p.height * p.components;
    if (expected != sample_count)
        throw shim_error{RP_OJPH_UNSUPPORTED, "expected " + std::to_string(expected) + " samples, got " +
                                                  std::to_string(sample_count)};
    if (!p.reversible && !(p.quantization_step > 0.0f && p.quantization_step <= 2.0f))
        throw shim_error{RP_OJPH_UNSUPPORTED, "quantisation step must be in (0, 2]"};
    if (p.color_transform && p.components < 3)
        throw shim_error{RP_OJPH_UNSUPPORTED, "colour transform needs 3 or 4 components"};
    if (p.decompositions > 32)
        throw shim_error{RP_OJPH_UNSUPPORTED, "more than 32 decomposition levels"};
    uint32_t bw = p.block_width ? p.block_width : 64, bh = p.block_height ? p.block_height : 64;
    if (!is_power_of_two(bw) || !is_power_of_two(bh) || bw < 4 || bh < 4 || bw > 1024 || bh > 1024 ||
        uint64_t(bw) * bh > 4096)
        throw shim_error{RP_OJPH_UNSUPPORTED, "code-block size must be powers of two from 4 to 1024, area at most 4096"};
}

void encode(const uint16_t *samples, size_t sample_count, const rp_ojph_encode_params &p, rp_ojph_result *result) {
    check_encode_params(p, sample_count);
    if (p.bit_depth < 16) {
        const uint16_t limit = uint16_t((1u << p.bit_depth) - 1);
        for (size_t i = 0; i < sample_count; ++i)
            if (samples[i] > limit)
                throw shim_error{RP_OJPH_UNSUPPORTED, "sample " + std::to_string(i) + " = " + std::to_string(samples[i]) +
                                                          " exceeds " + std::to_string(p.bit_depth) + " bits"};
    }

    ojph::codestream cs;
    ojph::param_siz siz = cs.access_siz();
    siz.set_image_extent(ojph::point(p.width, p.height));
    siz.set_image_offset(ojph::point(0, 0));
    siz.set_tile_size(ojph::size(p.width, p.height));
    siz.set_tile_offset(ojph::point(0, 0));
    siz.set_num_components(p.components);
    for (ojph::ui32 c = 0; c < p.components; ++c)
        siz.set_component(c, ojph::point(1, 1), p.bit_depth, false);

    ojph::param_cod cod = cs.access_cod();
    cod.set_num_decomposition(p.decompositions);
    cod.set_block_dims(p.block_width ? p.block_width : 64, p.block_height ? p.block_height : 64);
    cod.set_progression_order("RPCL");
    cod.set_color_transform(p.color_transform != 0);
    cod.set_reversible(p.reversible != 0);
    if (!p.reversible) cs.access_qcd().set_irrev_quant(p.quantization_step);
    // The colour transform works line by line across components.
    cs.set_planar(p.color_transform == 0);

    ojph::mem_outfile file;
    // A first guess at the size keeps reallocations few: about 1 byte a sample.
    file.open(std::max<size_t>(65536, sample_count));
    cs.write_headers(&file);

    const size_t plane = size_t(p.width) * p.height;
    std::vector<uint32_t> row(p.components, 0);
    ojph::ui32 comp = 0;
    ojph::line_buf *line = cs.exchange(nullptr, comp);
    const size_t total_rows = size_t(p.height) * p.components;
    for (size_t n = 0; n < total_rows; ++n) {
        if (line == nullptr || comp >= p.components || row[comp] >= p.height)
            throw shim_error{RP_OJPH_FAILURE, "encoder asked for an unexpected line"};
        const uint16_t *src = samples + comp * plane + size_t(row[comp]) * p.width;
        ojph::si32 *dst = line->i32;
        for (uint32_t x = 0; x < p.width; ++x) dst[x] = src[x];
        ++row[comp];
        line = cs.exchange(line, comp);
    }
    cs.flush();
    const size_t length = size_t(file.tell());
    result->bytes.assign(file.get_data(), file.get_data() + length);
    cs.close();
}

void decode(const uint8_t *data, size_t size, uint32_t max_side, uint64_t max_samples, rp_ojph_result *result) {
    if (data == nullptr || size < 2 || data[0] != 0xFF || data[1] != 0x4F)
        throw shim_error{RP_OJPH_MALFORMED, "no SOC marker: not a JPEG 2000 codestream"};
    ojph::mem_infile file;
    file.open(data, size);
    ojph::codestream cs;
    cs.read_headers(&file);

    ojph::param_siz siz = cs.access_siz();
    const ojph::ui32 nc = siz.get_num_components();
    if (nc < 1 || nc > 4)
        throw shim_error{RP_OJPH_LIMIT, std::to_string(nc) + " components (1 to 4 supported)"};
    const ojph::point extent = siz.get_image_extent(), offset = siz.get_image_offset();
    if (extent.x <= offset.x || extent.y <= offset.y)
        throw shim_error{RP_OJPH_MALFORMED, "image area is empty"};
    const uint32_t width = extent.x - offset.x, height = extent.y - offset.y;
    if (width > max_side || height > max_side)
        throw shim_error{RP_OJPH_LIMIT, "image " + std::to_string(width) + "x" + std::to_string(height) +
                                            " exceeds " + std::to_string(max_side) + " a side"};
    if (uint64_t(width) * height * nc > max_samples)
        throw shim_error{RP_OJPH_LIMIT, "image exceeds " + std::to_string(max_samples) + " samples"};
    const ojph::size tile = siz.get_tile_size();
    const ojph::point tile_offset = siz.get_tile_offset();
    if (tile.w == 0 || tile.h == 0 || tile_offset.x > offset.x || tile_offset.y > offset.y)
        throw shim_error{RP_OJPH_MALFORMED, "bad tile grid"};
    const uint64_t tiles = (uint64_t(extent.x - tile_offset.x) + tile.w - 1) / tile.w *
                           ((uint64_t(extent.y - tile_offset.y) + tile.h - 1) / tile.h);
    if (tiles > 65536)
        throw shim_error{RP_OJPH_LIMIT, std::to_string(tiles) + " tiles (at most 65536)"};
    const ojph::ui32 depth = siz.get_bit_depth(0);
    for (ojph::ui32 c = 0; c < nc; ++c) {
        const ojph::point d = siz.get_downsampling(c);
        if (d.x != 1 || d.y != 1)
            throw shim_error{RP_OJPH_UNSUPPORTED, "subsampled components are not supported"};
        if (siz.is_signed(c))
            throw shim_error{RP_OJPH_UNSUPPORTED, "signed components are not supported"};
        if (siz.get_bit_depth(c) != depth)
            throw shim_error{RP_OJPH_UNSUPPORTED, "components of different bit depths are not supported"};
        if (siz.get_recon_width(c) != width || siz.get_recon_height(c) != height)
            throw shim_error{RP_OJPH_MALFORMED, "component size differs from the image size"};
    }
    if (depth < 1 || depth > 16)
        throw shim_error{RP_OJPH_UNSUPPORTED, "bit depth " + std::to_string(depth) + " (1 to 16 supported)"};

    result->width = width;
    result->height = height;
    result->components = nc;
    result->bit_depth = depth;
    result->reversible = cs.access_cod().is_reversible() ? 1 : 0;

    cs.create();
    const size_t plane = size_t(width) * height;
    result->samples.assign(plane * nc, 0);
    const ojph::si32 maxv = ojph::si32((1u << depth) - 1);
    std::vector<uint32_t> row(nc, 0);
    const size_t total_rows = size_t(height) * nc;
    for (size_t n = 0; n < total_rows; ++n) {
        ojph::ui32 comp = 0;
        ojph::line_buf *line = cs.pull(comp);
        if (line == nullptr || comp >= nc || row[comp] >= height)
            throw shim_error{RP_OJPH_MALFORMED, "decoder returned an unexpected line"};
        if (line->size < width)
            throw shim_error{RP_OJPH_MALFORMED, "decoder returned a short line"};
        uint16_t *dst = result->samples.data() + comp * plane + size_t(row[comp]) * width;
        const ojph::si32 *src = line->i32;
        for (uint32_t x = 0; x < width; ++x) {
            ojph::si32 v = src[x];
            dst[x] = uint16_t(v < 0 ? 0 : (v > maxv ? maxv : v));
        }
        ++row[comp];
    }
    cs.close();
}

/// Runs `body`, turning every exception into a status and a message.
template <typename Body>
rp_ojph_status guarded(rp_ojph_result **out, rp_ojph_status library_error, Body body) {
    if (out == nullptr) return RP_OJPH_FAILURE;
    *out = nullptr;
    install_message_capture();
    tls_messages.clear();
    rp_ojph_result *result = new (std::nothrow) rp_ojph_result();
    if (result == nullptr) return RP_OJPH_FAILURE;
    *out = result;
    rp_ojph_status status = RP_OJPH_OK;
    std::string extra;
    try {
        body(result);
    } catch (const shim_error &e) {
        status = e.status;
        extra = e.text;
    } catch (const std::bad_alloc &) {
        status = RP_OJPH_FAILURE;
        extra = "out of memory";
    } catch (const std::exception &e) {
        status = library_error;
        // The library's text went to the message stream; "ojph error" adds nothing.
        if (std::strcmp(e.what(), "ojph error") != 0) extra = e.what();
    } catch (...) {
        status = library_error;
        extra = "unknown exception";
    }
    if (status != RP_OJPH_OK) {
        result->bytes.clear();
        result->samples.clear();
    }
    try {
        finish_message(result, extra);
    } catch (...) {
        result->message.clear();
    }
    return status;
}

} // namespace

extern "C" {

rp_ojph_status rp_ojph_encode(const uint16_t *samples, size_t sample_count, const rp_ojph_encode_params *params,
                              rp_ojph_result **out) {
    return guarded(out, RP_OJPH_UNSUPPORTED, [&](rp_ojph_result *result) {
        if (samples == nullptr || params == nullptr) throw shim_error{RP_OJPH_UNSUPPORTED, "no samples"};
        encode(samples, sample_count, *params, result);
    });
}

rp_ojph_status rp_ojph_decode(const uint8_t *data, size_t size, uint32_t max_side, uint64_t max_samples,
                              rp_ojph_result **out) {
    return guarded(out, RP_OJPH_MALFORMED,
                   [&](rp_ojph_result *result) { decode(data, size, max_side, max_samples, result); });
}

const uint8_t *rp_ojph_result_bytes(const rp_ojph_result *result, size_t *count) {
    if (count) *count = result ? result->bytes.size() : 0;
    return (result && !result->bytes.empty()) ? result->bytes.data() : nullptr;
}

const uint16_t *rp_ojph_result_samples(const rp_ojph_result *result, size_t *count) {
    if (count) *count = result ? result->samples.size() : 0;
    return (result && !result->samples.empty()) ? result->samples.data() : nullptr;
}

void rp_ojph_result_geometry(const rp_ojph_result *result, uint32_t *width, uint32_t *height, uint32_t *components,
                             uint32_t *bit_depth, int32_t *reversible) {
    if (width) *width = result ? result->width : 0;
    if (height) *height = result ? result->height : 0;
    if (components) *components = result ? result->components : 0;
    if (bit_depth) *bit_depth = result ? result->bit_depth : 0;
    if (reversible) *reversible = result ? result->reversible : 0;
}

const char *rp_ojph_result_message(const rp_ojph_result *result) { return result ? result->message.c_str() : ""; }

void rp_ojph_result_free(rp_ojph_result *result) { delete result; }

const char *rp_ojph_version(void) {
#define RP_OJPH_STR2(x) #x
#define RP_OJPH_STR(x) RP_OJPH_STR2(x)
    return RP_OJPH_STR(OPENJPH_VERSION_MAJOR) "." RP_OJPH_STR(OPENJPH_VERSION_MINOR) "." RP_OJPH_STR(
        OPENJPH_VERSION_PATCH);
}

} // extern "C"
