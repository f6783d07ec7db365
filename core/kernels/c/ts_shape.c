#include "ts_shape.h"

/* n elements of the es-byte pattern `fill` at dst (doubling copies: log2(n) memcpy calls). */
static void ts_fill_elems(uint8_t *dst, const uint8_t *fill, int32_t es, int32_t n)
{
    size_t total, done;
    if (n <= 0)
        return;
    if (es == 1) {
        memset(dst, fill[0], (size_t)n);
        return;
    }
    total = (size_t)n * (size_t)es;
    memcpy(dst, fill, (size_t)es);
    done = (size_t)es;
    while (done < total) {
        const size_t chunk = done < total - done ? done : total - done;
        memcpy(dst + done, dst, chunk);
        done += chunk;
    }
}

void ts_concat(const ts_concat_params *p, const uint8_t *const *inputs, const int32_t *chunk_bytes,
               uint8_t *TS_RESTRICT output)
{
    int32_t b, k;
    for (b = 0; b < p->outer; ++b)
        for (k = 0; k < p->count; ++k) {
            const size_t chunk = (size_t)chunk_bytes[k];
            memcpy(output, inputs[k] + (size_t)b * chunk, chunk);
            output += chunk;
        }
}

void ts_pad(const ts_pad_params *p, const uint8_t *TS_RESTRICT input, const uint8_t *fill,
            uint8_t *TS_RESTRICT output)
{
    const int32_t es = p->elem_size;
    int32_t out_shape[TS_SHAPE_MAX_RANK], idx[TS_SHAPE_MAX_RANK];
    int32_t d, rows = 1, r;
    const int32_t last = TS_SHAPE_MAX_RANK - 1;
    const size_t in_row = (size_t)p->in_shape[last] * (size_t)es;
    for (d = 0; d < TS_SHAPE_MAX_RANK; ++d) {
        out_shape[d] = p->in_shape[d] + p->before[d] + p->after[d];
        idx[d] = 0;
        if (d < last)
            rows *= out_shape[d];
    }
    if (out_shape[last] <= 0)
        return;
    /* Output rows (the innermost dimension) in order; a row inside the input's box gets the next
     * input row between its borders, any other row is all padding. */
    for (r = 0; r < rows; ++r) {
        int inside = 1;
        for (d = 0; d < last; ++d)
            if (idx[d] < p->before[d] || idx[d] >= p->before[d] + p->in_shape[d])
                inside = 0;
        if (inside) {
            ts_fill_elems(output, fill, es, p->before[last]);
            output += (size_t)p->before[last] * (size_t)es;
            memcpy(output, input, in_row);
            output += in_row;
            input += in_row;
            ts_fill_elems(output, fill, es, p->after[last]);
            output += (size_t)p->after[last] * (size_t)es;
        } else {
            ts_fill_elems(output, fill, es, out_shape[last]);
            output += (size_t)out_shape[last] * (size_t)es;
        }
        for (d = last - 1; d >= 0; --d) {
            if (++idx[d] < out_shape[d])
                break;
            idx[d] = 0;
        }
    }
}

void ts_transpose(const ts_transpose_params *p, const uint8_t *TS_RESTRICT input, uint8_t *TS_RESTRICT output)
{
    const int32_t es = p->elem_size;
    const int32_t last = TS_SHAPE_MAX_RANK - 1;
    const int32_t n = p->out_shape[last];
    const size_t step = (size_t)p->in_stride[last] * (size_t)es;
    int32_t idx[TS_SHAPE_MAX_RANK];
    int32_t d, rows = 1, r, i;
    size_t src = 0; /* element offset of the current row's first source element */
    for (d = 0; d < last; ++d) {
        idx[d] = 0;
        rows *= p->out_shape[d];
    }
    if (n <= 0)
        return;
    for (r = 0; r < rows; ++r) {
        const uint8_t *s = input + src * (size_t)es;
        if (p->in_stride[last] == 1) {
            memcpy(output, s, (size_t)n * (size_t)es);
            output += (size_t)n * (size_t)es;
        } else if (es == 1) {
            for (i = 0; i < n; ++i, s += step)
                *output++ = *s;
        } else if (es == 2) {
            for (i = 0; i < n; ++i, s += step, output += 2)
                memcpy(output, s, 2);
        } else if (es == 4) {
            for (i = 0; i < n; ++i, s += step, output += 4)
                memcpy(output, s, 4);
        } else {
            for (i = 0; i < n; ++i, s += step, output += es)
                memcpy(output, s, (size_t)es);
        }
        for (d = last - 1; d >= 0; --d) {
            src += (size_t)p->in_stride[d];
            if (++idx[d] < p->out_shape[d])
                break;
            src -= (size_t)p->in_stride[d] * (size_t)p->out_shape[d];
            idx[d] = 0;
        }
    }
}

void ts_resize_nearest(const ts_resize_nearest_params *p, const int32_t *src_y, const int32_t *src_x,
                       const uint8_t *TS_RESTRICT input, uint8_t *TS_RESTRICT output)
{
    const size_t pb = (size_t)p->pixel_bytes;
    const size_t out_row = (size_t)p->out_w * pb;
    int32_t b, oy, ox;
    for (b = 0; b < p->batches; ++b) {
        const uint8_t *image = input + (size_t)b * (size_t)p->in_h * (size_t)p->in_w * pb;
        for (oy = 0; oy < p->out_h; ++oy) {
            if (oy > 0 && src_y[oy] == src_y[oy - 1]) {
                /* Same source row as the previous output row: copy that row whole. */
                memcpy(output, output - out_row, out_row);
            } else {
                const uint8_t *row = image + (size_t)src_y[oy] * (size_t)p->in_w * pb;
                uint8_t *o = output;
                if (pb == 1) {
                    for (ox = 0; ox < p->out_w; ++ox)
                        *o++ = row[src_x[ox]];
                } else {
                    for (ox = 0; ox < p->out_w; ++ox, o += pb)
                        memcpy(o, row + (size_t)src_x[ox] * pb, pb);
                }
            }
            output += out_row;
        }
    }
}
