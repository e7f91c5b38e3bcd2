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
#include <mutex>
#include <malloc.h>

struct rp_ojph_result {
    std::vector<uint8_t> bytes;
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

/// OpenJPH 0.9's block coder reads memory it never wrote (valgrind: "conditional jump
/// depends on uninitialised value" in codeblock::encode, on frames whose subbands end
/// mid-quad, e.g. 780 pixels wide): the decoded samples do not depend on it, but the
/// codestream's bytes do, so the same frame encoded twice could differ by a few bytes.
/// glibc's M_PERTURB fills every block malloc hands out with one fixed byte, which makes
/// what the coder reads, and so every encode, the same. Set once, for the process.
void make_heap_deterministic() {
    static std::once_flag once;
    std::call_once(once, [] { mallopt(M_PERTURB, 0x5a); });
}

void encode(const uint16_t *samples, size_t sample_count, const rp_ojph_encode_params &p, rp_ojph_result *result) {
    check_encode_params(p, sample_count);
    make_heap_deterministic();
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
    // OpenJPH 0.9 reconstructs wrongly (even reversibly) when 2^(levels-1) reaches
    // the smaller image side (8x8 with 4 levels), and lossy already when 2^levels
    // does (16x16 with 4 levels): keep 2^(levels+1) <= that side.
    uint32_t levels = p.decompositions, min_side = std::min(p.width, p.height);
    while (levels > 0 && (uint64_t(2) << levels) > min_side) --levels;
    cod.set_num_decomposition(levels);
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

/// Checks the main header (SOC to the first SOT) for what OpenJPH 0.9 decodes
/// without reaching one of its internal assertions, which abort the process in
/// Debian's build: a progression order, wavelet or QCD style it does not know, a
/// QCD with fewer subbands than COD's levels, a QCD style that contradicts the
/// wavelet, more QCC segments than components. Every segment must lie inside
/// the data. Throws shim_error; returns normally when OpenJPH may be called.
void check_main_header(const uint8_t *data, size_t size) {
    auto malformed = [](const std::string &text) { return shim_error{RP_OJPH_MALFORMED, text}; };
    auto unsupported = [](const std::string &text) { return shim_error{RP_OJPH_UNSUPPORTED, text}; };
    auto u8 = [&](size_t at) -> uint32_t { return at < size ? data[at] : 0; };
    auto u16 = [&](size_t at) -> uint32_t { return (u8(at) << 8) | u8(at + 1); };
    auto u32 = [&](size_t at) -> uint32_t { return (u16(at) << 16) | u16(at + 2); };

    if (size < 4 || u16(0) != 0xFF4F || u16(2) != 0xFF51)
        throw malformed("the codestream does not start with SOC and SIZ markers (FF4F FF51)");
    const uint32_t lsiz = u16(4);
    if (6 + size_t(lsiz) > size || lsiz < 41) throw malformed("the SIZ marker segment is cut short");
    const uint32_t csiz = u16(40);
    if (csiz < 1 || csiz > 4) throw unsupported("SIZ declares " + std::to_string(csiz) + " components (1 to 4 supported)");
    if (lsiz != 38 + 3 * csiz) throw malformed("SIZ length does not match its component count");
    const uint64_t xsiz = u32(8), ysiz = u32(12), xo = u32(16), yo = u32(20);
    const uint64_t xt = u32(24), yt = u32(28), xto = u32(32), yto = u32(36);
    if (xsiz <= xo || ysiz <= yo) throw malformed("SIZ declares an empty image");
    if (xt == 0 || yt == 0 || xto > xo || yto > yo || xto + xt <= xo || yto + yt <= yo)
        throw malformed("SIZ declares an impossible tile grid");
    for (uint32_t c = 0; c < csiz; ++c) {
        const uint32_t ssiz = u8(42 + 3 * c), dx = u8(43 + 3 * c), dy = u8(44 + 3 * c);
        if (dx == 0 || dy == 0) throw malformed("SIZ component subsampling of 0");
        if ((ssiz & 0x7F) + 1 > 38) throw malformed("SIZ component depth above 38 bits");
    }

    bool have_cod = false, have_qcd = false, reversible = false;
    uint32_t levels = 0, qcc_count = 0;
    uint32_t qcd_style = 0, qcd_guard = 0;
    size_t at = 4 + lsiz;
    // Checks a QCD or QCC body [from, from + length) once COD is known.
    auto check_quantisation = [&](size_t from, size_t length, const char *name) {
        if (length < 1) throw malformed(std::string(name) + " is empty");
        const uint32_t sq = u8(from), style = sq & 0x1F, guard = sq >> 5;
        if (style == 1) throw unsupported(std::string(name) + " uses scalar derived quantisation");
        if (style != 0 && style != 2) throw malformed(std::string(name) + " has an unknown quantisation style");
        const size_t subbands = 3 * size_t(levels) + 1;
        if (length != 1 + (style == 0 ? subbands : 2 * subbands))
            throw malformed(std::string(name) + " does not have one entry per subband of the COD levels");
        if ((style == 0) != reversible)
            throw malformed(std::string(name) + " quantisation contradicts the COD wavelet");
        for (size_t i = 0; i < subbands; ++i) {
            const uint32_t exponent = style == 0 ? (u8(from + 1 + i) >> 3) : (u16(from + 1 + 2 * i) >> 11);
            if (guard + exponent > 31) throw malformed(std::string(name) + " declares more than 31 magnitude bits");
        }
        return std::make_pair(style, guard);
    };
    std::vector<std::pair<size_t, size_t>> pending_qcc;
    while (true) {
        if (at + 4 > size) throw malformed("the main header ends before the first tile (no SOT marker)");
        const uint32_t marker = u16(at);
        if (marker == 0xFF90) break;  // SOT: first tile-part
        if ((marker & 0xFF00) != 0xFF00 || marker < 0xFF30)
            throw malformed("bytes that are not a marker in the main header");
        const uint32_t length = u16(at + 2);
        if (length < 2 || at + 2 + length > size) throw malformed("a main-header marker segment is cut short");
        const size_t body = at + 4, body_length = length - 2;
        switch (marker) {
        case 0xFF52: {  // COD
            if (have_cod) throw malformed("two COD marker segments");
            have_cod = true;
            const uint32_t scod = u8(body);
            if (scod & ~0x7u) throw malformed("COD has unknown coding style bits");
            if (u8(body + 1) > 4) throw malformed("COD has an unknown progression order");
            if (u16(body + 2) != 1) throw unsupported("COD declares " + std::to_string(u16(body + 2)) + " quality layers (1 supported)");
            if (u8(body + 4) > 1) throw unsupported("COD declares a multiple component transform other than RCT/ICT");
            if (u8(body + 4) == 1 && csiz < 3) throw malformed("COD asks for a colour transform with fewer than 3 components");
            levels = u8(body + 5);
            if (levels > 32) throw malformed("COD declares more than 32 decomposition levels");
            const uint32_t xcb = u8(body + 6), ycb = u8(body + 7);
            if (xcb > 8 || ycb > 8 || xcb + ycb > 8) throw malformed("COD declares an impossible code-block size");
            if (!(u8(body + 8) & 0x40)) throw unsupported("not a high-throughput (Part 15) codestream: COD code-blocks are Part 1");
            const uint32_t wavelet = u8(body + 9);
            if (wavelet > 1) throw malformed("COD declares an unknown wavelet");
            reversible = wavelet == 1;
            if (body_length != 10 + ((scod & 1) ? levels + 1 : 0)) throw malformed("COD length does not match its fields");
            if (scod & 1)
                for (uint32_t r = 1; r <= levels; ++r) {
                    const uint32_t pp = u8(body + 10 + r);
                    if ((pp & 0x0F) == 0 || (pp >> 4) == 0) throw malformed("COD precinct size of 1 above resolution 0");
                }
            break;
        }
        case 0xFF5C:  // QCD
            if (have_qcd) throw malformed("two QCD marker segments");
            if (!have_cod) throw unsupported("QCD before COD");
            have_qcd = true;
            {
                auto sg = check_quantisation(body, body_length, "QCD");
                qcd_style = sg.first;
                qcd_guard = sg.second;
            }
            break;
        case 0xFF5D:  // QCC
            if (++qcc_count > csiz) throw malformed("more QCC marker segments than components");
            pending_qcc.emplace_back(body, body_length);
            break;
        case 0xFF53: throw unsupported("COC marker segments are not supported");
        case 0xFF5E: throw unsupported("RGN marker segments are not supported");
        case 0xFF5F: throw unsupported("POC marker segments are not supported");
        case 0xFF60: throw unsupported("PPM marker segments are not supported");
        case 0xFF50: case 0xFF56: case 0xFF59: case 0xFF55: case 0xFF57: case 0xFF63: case 0xFF64:
            break;  // CAP, PRF, CPF, TLM, PLM, CRG, COM: read or skipped by OpenJPH
        default: throw malformed("unknown marker in the main header");
        }
        at += 2 + size_t(length);
    }
    if (!have_cod || !have_qcd) throw malformed("the main header lacks COD or QCD");
    // OpenJPH 0.9 reconstructs some small images (or tiles) wrongly when the
    // levels are many for their size: seen reversibly from 2^(levels-1) >= the
    // smaller side (8x8, 4 levels), irreversibly from 2^levels (16x16, 4 levels).
    // Refuse that range (it errs on the safe side) rather than return wrong samples.
    {
        auto smallest_span = [](uint64_t origin, uint64_t end, uint64_t tile_origin, uint64_t tile) {
            const uint64_t first_end = std::min(end, tile_origin + ((origin - tile_origin) / tile + 1) * tile);
            const uint64_t last_start = std::max(origin, tile_origin + ((end - 1 - tile_origin) / tile) * tile);
            return std::min(first_end - origin, end - last_start);
        };
        const uint64_t min_side = std::min(smallest_span(xo, xsiz, xto, xt), smallest_span(yo, ysiz, yto, yt));
        const uint32_t shift = reversible ? (levels > 0 ? levels - 1 : 0) : levels;
        if (levels > 0 && (uint64_t(1) << shift) >= min_side)
            throw unsupported(std::to_string(levels) + " decomposition levels for an image or tile side of " +
                              std::to_string(min_side) + " pixels: OpenJPH 0.9 decodes that wrongly");
    }
    (void)qcd_style;
    (void)qcd_guard;
    for (const auto &q : pending_qcc) {
        const size_t index_bytes = csiz < 257 ? 1 : 2;
        if (q.second < index_bytes) throw malformed("QCC is empty");
        const uint32_t comp = index_bytes == 1 ? u8(q.first) : u16(q.first);
        if (comp >= csiz) throw malformed("QCC names a component that does not exist");
        check_quantisation(q.first + index_bytes, q.second - index_bytes, "QCC");
    }
}

void decode(const uint8_t *data, size_t size, uint32_t max_side, uint64_t max_samples, uint16_t *out,
            size_t out_count, rp_ojph_result *result) {
    if (data == nullptr) throw shim_error{RP_OJPH_MALFORMED, "no data"};
    check_main_header(data, size);
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
    const size_t plane = size_t(width) * height;
    if (out == nullptr) return;  // header only: the caller sizes its buffer
    if (out_count != plane * nc)
        throw shim_error{RP_OJPH_FAILURE, "output buffer holds " + std::to_string(out_count) + " samples, the image " +
                                              std::to_string(plane * nc)};

    cs.create();
    // OpenJPH reads every tile in create() and only reports a short file as
    // information, decoding the missing data as zero; a cut file is an error here.
    if (tls_messages.find("terminated early") != std::string::npos)
        throw shim_error{RP_OJPH_MALFORMED, "the codestream is truncated"};
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
        uint16_t *dst = out + comp * plane + size_t(row[comp]) * width;
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
                              uint16_t *samples, size_t sample_count, rp_ojph_result **out) {
    return guarded(out, RP_OJPH_MALFORMED, [&](rp_ojph_result *result) {
        decode(data, size, max_side, max_samples, samples, sample_count, result);
    });
}

const uint8_t *rp_ojph_result_bytes(const rp_ojph_result *result, size_t *count) {
    if (count) *count = result ? result->bytes.size() : 0;
    return (result && !result->bytes.empty()) ? result->bytes.data() : nullptr;
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
