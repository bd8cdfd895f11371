#ifndef ACCESSREVIEW_CLIBZ_SHIM_H
#define ACCESSREVIEW_CLIBZ_SHIM_H
#include <zlib.h>

/// deflateInit2 is a macro; Swift sees this function instead.
static inline int accessreview_deflate_init(z_stream *stream, int level, int window_bits) {
    return deflateInit2(stream, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
}
#endif
