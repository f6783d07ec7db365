/* ts_conv: int8 CONV_2D kernels (see ts_conv.h). Accumulators are uint32_t so that their
 * wrap-around is defined and equal to the reference's two's-complement int32 addition. */
#include "ts_conv.h"

/* The requantized, offset and clamped int8 of one accumulator. */
TS_INLINE int8_t conv_output(uint32_t acc, int32_t multiplier, int32_t shift, const ts_conv_s8_params *p)
{
    const int32_t v = ts_add_wrap(ts_requantize((int32_t)acc, multiplier, shift), p->output_offset);
    return (int8_t)ts_clamp(v, p->act_min, p->act_max);
}

/* Output pixel `i` (row-major over out_h x out_w) of one batch. */
TS_INLINE int8_t *conv_out_pixel(const ts_conv_s8_params *p, int8_t *out, int32_t i)
{
    const int32_t oy = i / p->out_w, ox = i - oy * p->out_w;
    return out + (ptrdiff_t)oy * p->out_row_pitch + (ptrdiff_t)ox * p->out_c;
}

/* The int16 im2col column of output pixel `i`: k_h x k_w x in_c values (input + input_offset),
 * 0 for taps in the padding. */
static void conv_im2col(const ts_conv_s8_params *p, const int8_t *in, int32_t i, int16_t *TS_RESTRICT col)
{
    const int32_t oy = i / p->out_w, ox = i - oy * p->out_w;
    const int32_t iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
    const int32_t cin = p->in_c, off = p->input_offset;
    int32_t fy, fx, c;
    for (fy = 0; fy < p->k_h; ++fy) {
        const int32_t iy = iy0 + fy * p->dilation_h;
        const int8_t *row;
        if (iy < 0 || iy >= p->in_h) {
            memset(col, 0, (size_t)p->k_w * (size_t)cin * sizeof(int16_t));
            col += p->k_w * cin;
            continue;
        }
        row = in + (ptrdiff_t)iy * p->in_row_pitch;
        for (fx = 0; fx < p->k_w; ++fx) {
            const int32_t ix = ix0 + fx * p->dilation_w;
            if (ix < 0 || ix >= p->in_w) {
                memset(col, 0, (size_t)cin * sizeof(int16_t));
            } else {
                const int8_t *src = row + (ptrdiff_t)ix * cin;
                for (c = 0; c < cin; ++c)
                    col[c] = (int16_t)(src[c] + off);
            }
            col += cin;
        }
    }
}

/* Two output pixels from their im2col columns, two output channels at a time. */
static void conv_dot2(const ts_conv_s8_params *p, const int16_t *col0, const int16_t *col1, const int8_t *filter,
                      const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *o0, int8_t *o1)
{
    const int32_t k = p->k_h * p->k_w * p->in_c;
    int32_t oc = 0, j;
    for (; oc + 1 < p->out_c; oc += 2) {
        const int8_t *f0 = filter + (ptrdiff_t)oc * k, *f1 = f0 + k;
        uint32_t a00 = bias ? (uint32_t)bias[oc] : 0u, a10 = bias ? (uint32_t)bias[oc + 1] : 0u;
        uint32_t a01 = a00, a11 = a10;
        for (j = 0; j < k; ++j) {
            const int32_t c0 = col0[j], c1 = col1[j], w0 = f0[j], w1 = f1[j];
            a00 += (uint32_t)(w0 * c0);
            a01 += (uint32_t)(w0 * c1);
            a10 += (uint32_t)(w1 * c0);
            a11 += (uint32_t)(w1 * c1);
        }
        o0[oc] = conv_output(a00, mult[oc], shift[oc], p);
        o1[oc] = conv_output(a01, mult[oc], shift[oc], p);
        o0[oc + 1] = conv_output(a10, mult[oc + 1], shift[oc + 1], p);
        o1[oc + 1] = conv_output(a11, mult[oc + 1], shift[oc + 1], p);
    }
    if (oc < p->out_c) {
        const int8_t *f0 = filter + (ptrdiff_t)oc * k;
        uint32_t a00 = bias ? (uint32_t)bias[oc] : 0u, a01 = a00;
        for (j = 0; j < k; ++j) {
            const int32_t w0 = f0[j];
            a00 += (uint32_t)(w0 * col0[j]);
            a01 += (uint32_t)(w0 * col1[j]);
        }
        o0[oc] = conv_output(a00, mult[oc], shift[oc], p);
        o1[oc] = conv_output(a01, mult[oc], shift[oc], p);
    }
}

/* One output pixel from its im2col column. */
static void conv_dot1(const ts_conv_s8_params *p, const int16_t *col0, const int8_t *filter, const int32_t *bias,
                      const int32_t *mult, const int32_t *shift, int8_t *o0)
{
    const int32_t k = p->k_h * p->k_w * p->in_c;
    int32_t oc, j;
    for (oc = 0; oc < p->out_c; ++oc) {
        const int8_t *f0 = filter + (ptrdiff_t)oc * k;
        uint32_t a0 = bias ? (uint32_t)bias[oc] : 0u, a1 = 0u;
        for (j = 0; j + 1 < k; j += 2) {
            a0 += (uint32_t)(f0[j] * col0[j]);
            a1 += (uint32_t)(f0[j + 1] * col0[j + 1]);
        }
        if (j < k)
            a0 += (uint32_t)(f0[j] * col0[j]);
        o0[oc] = conv_output(a0 + a1, mult[oc], shift[oc], p);
    }
}

/* Grouped convolution: direct, bounds-checked taps, no scratch. */
static void conv_grouped(const ts_conv_s8_params *p, const int8_t *in, const int8_t *filter, const int32_t *bias,
                         const int32_t *mult, const int32_t *shift, int8_t *out)
{
    const int32_t per_group = p->out_c / (p->in_c / p->filter_c);
    int32_t oy, ox, oc, fy, fx, c;
    for (oy = 0; oy < p->out_h; ++oy)
        for (ox = 0; ox < p->out_w; ++ox) {
            int8_t *o = out + (ptrdiff_t)oy * p->out_row_pitch + (ptrdiff_t)ox * p->out_c;
            const int32_t iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
            for (oc = 0; oc < p->out_c; ++oc) {
                const int32_t group = oc / per_group;
                uint32_t acc = 0u;
                for (fy = 0; fy < p->k_h; ++fy) {
                    const int32_t iy = iy0 + fy * p->dilation_h;
                    if (iy < 0 || iy >= p->in_h)
                        continue;
                    for (fx = 0; fx < p->k_w; ++fx) {
                        const int32_t ix = ix0 + fx * p->dilation_w;
                        const int8_t *src, *f;
                        if (ix < 0 || ix >= p->in_w)
                            continue;
                        src = in + (ptrdiff_t)iy * p->in_row_pitch + (ptrdiff_t)ix * p->in_c + group * p->filter_c;
                        f = filter + (((ptrdiff_t)oc * p->k_h + fy) * p->k_w + fx) * p->filter_c;
                        for (c = 0; c < p->filter_c; ++c)
                            acc += (uint32_t)(f[c] * (src[c] + p->input_offset));
                    }
                }
                if (bias)
                    acc += (uint32_t)bias[oc];
                o[oc] = conv_output(acc, mult[oc], shift[oc], p);
            }
        }
}

void ts_conv_s8(const ts_conv_s8_params *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                const int32_t *multiplier, const int32_t *shift, int8_t *output, int16_t *scratch)
{
    const ptrdiff_t in_batch = (ptrdiff_t)p->in_h * p->in_row_pitch;
    const ptrdiff_t out_batch = (ptrdiff_t)p->out_h * p->out_row_pitch;
    const int32_t pixels = p->out_h * p->out_w, k = p->k_h * p->k_w * p->in_c;
    int32_t b, i;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in = input + b * in_batch;
        int8_t *out = output + b * out_batch;
        if (p->filter_c != p->in_c) {
            conv_grouped(p, in, filter, bias, multiplier, shift, out);
            continue;
        }
        for (i = 0; i + 1 < pixels; i += 2) {
            conv_im2col(p, in, i, scratch);
            conv_im2col(p, in, i + 1, scratch + k);
            conv_dot2(p, scratch, scratch + k, filter, bias, multiplier, shift, conv_out_pixel(p, out, i),
                      conv_out_pixel(p, out, i + 1));
        }
        if (i < pixels) {
            conv_im2col(p, in, i, scratch);
            conv_dot1(p, scratch, filter, bias, multiplier, shift, conv_out_pixel(p, out, i));
        }
    }
}

/* 1x1: `n` contiguous pixels, two pixels by two output channels; input offset folded in the bias. */
static void pointwise_run(const ts_conv_s8_params *p, const int8_t *TS_RESTRICT in, const int8_t *TS_RESTRICT filter,
                          const int32_t *TS_RESTRICT bias, const int32_t *TS_RESTRICT mult,
                          const int32_t *TS_RESTRICT shift, int8_t *TS_RESTRICT out, int32_t n)
{
    const int32_t cin = p->in_c, cout = p->out_c;
    int32_t px = 0, oc, j;
    for (; px + 1 < n; px += 2) {
        const int8_t *x0 = in + (ptrdiff_t)px * cin, *x1 = x0 + cin;
        int8_t *o0 = out + (ptrdiff_t)px * cout, *o1 = o0 + cout;
        for (oc = 0; oc + 1 < cout; oc += 2) {
            const int8_t *f0 = filter + (ptrdiff_t)oc * cin, *f1 = f0 + cin;
            uint32_t a00 = (uint32_t)bias[oc], a10 = (uint32_t)bias[oc + 1];
            uint32_t a01 = a00, a11 = a10;
            for (j = 0; j < cin; ++j) {
                const int32_t v0 = x0[j], v1 = x1[j], w0 = f0[j], w1 = f1[j];
                a00 += (uint32_t)(w0 * v0);
                a01 += (uint32_t)(w0 * v1);
                a10 += (uint32_t)(w1 * v0);
                a11 += (uint32_t)(w1 * v1);
            }
            o0[oc] = conv_output(a00, mult[oc], shift[oc], p);
            o1[oc] = conv_output(a01, mult[oc], shift[oc], p);
            o0[oc + 1] = conv_output(a10, mult[oc + 1], shift[oc + 1], p);
            o1[oc + 1] = conv_output(a11, mult[oc + 1], shift[oc + 1], p);
        }
        if (oc < cout) {
            const int8_t *f0 = filter + (ptrdiff_t)oc * cin;
            uint32_t a00 = (uint32_t)bias[oc], a01 = a00;
            for (j = 0; j < cin; ++j) {
                const int32_t w0 = f0[j];
                a00 += (uint32_t)(w0 * x0[j]);
                a01 += (uint32_t)(w0 * x1[j]);
            }
            o0[oc] = conv_output(a00, mult[oc], shift[oc], p);
            o1[oc] = conv_output(a01, mult[oc], shift[oc], p);
        }
    }
    if (px < n) {
        const int8_t *x0 = in + (ptrdiff_t)px * cin;
        int8_t *o0 = out + (ptrdiff_t)px * cout;
        for (oc = 0; oc < cout; ++oc) {
            const int8_t *f0 = filter + (ptrdiff_t)oc * cin;
            uint32_t a0 = (uint32_t)bias[oc], a1 = 0u;
            for (j = 0; j + 1 < cin; j += 2) {
                a0 += (uint32_t)(f0[j] * x0[j]);
                a1 += (uint32_t)(f0[j + 1] * x0[j + 1]);
            }
            if (j < cin)
                a0 += (uint32_t)(f0[j] * x0[j]);
            o0[oc] = conv_output(a0 + a1, mult[oc], shift[oc], p);
        }
    }
}

void ts_conv_1x1_s8(const ts_conv_s8_params *p, const int8_t *input, const int8_t *filter,
                    const int32_t *folded_bias, const int32_t *multiplier, const int32_t *shift, int8_t *output)
{
    const int contiguous = p->in_row_pitch == p->in_w * p->in_c && p->out_row_pitch == p->out_w * p->out_c;
    int32_t r;
    if (contiguous) {
        pointwise_run(p, input, filter, folded_bias, multiplier, shift, output, p->batches * p->out_h * p->out_w);
        return;
    }
    for (r = 0; r < p->batches * p->out_h; ++r)
        pointwise_run(p, input + (ptrdiff_t)r * p->in_row_pitch, filter, folded_bias, multiplier, shift,
                      output + (ptrdiff_t)r * p->out_row_pitch, p->out_w);
}

/* Output channels [oc, oc + 2) (or just oc when it is the last) of one pixel into dst[oc..]; the
 * in-place variant: `px` may be the scratch copy or the arena, never written here. */
TS_INLINE void pointwise_pixel(const ts_conv_s8_params *p, const int8_t *px, const int8_t *filter, const int32_t *bias,
                               const int32_t *mult, const int32_t *shift, int8_t *dst)
{
    const int32_t cin = p->in_c, cout = p->out_c;
    int32_t oc, j;
    for (oc = 0; oc + 1 < cout; oc += 2) {
        const int8_t *f0 = filter + (ptrdiff_t)oc * cin, *f1 = f0 + cin;
        uint32_t a0 = (uint32_t)bias[oc], a1 = (uint32_t)bias[oc + 1];
        for (j = 0; j < cin; ++j) {
            const int32_t v = px[j];
            a0 += (uint32_t)(f0[j] * v);
            a1 += (uint32_t)(f1[j] * v);
        }
        dst[oc] = conv_output(a0, mult[oc], shift[oc], p);
        dst[oc + 1] = conv_output(a1, mult[oc + 1], shift[oc + 1], p);
    }
    if (oc < cout) {
        const int8_t *f0 = filter + (ptrdiff_t)oc * cin;
        uint32_t a0 = (uint32_t)bias[oc];
        for (j = 0; j < cin; ++j)
            a0 += (uint32_t)(f0[j] * px[j]);
        dst[oc] = conv_output(a0, mult[oc], shift[oc], p);
    }
}

void ts_conv_1x1_s8_inplace(const ts_conv_s8_params *p, const int8_t *input, const int8_t *filter,
                            const int32_t *folded_bias, const int32_t *multiplier, const int32_t *shift,
                            int8_t *output, int8_t *scratch, int32_t backward)
{
    const int32_t pixels = p->batches * p->in_h * p->in_w, cin = p->in_c, cout = p->out_c;
    int32_t k;
    for (k = 0; k < pixels; ++k) {
        const int32_t px = backward ? pixels - 1 - k : k;
        int8_t *dst = output + (ptrdiff_t)px * cout;
        if (cout <= cin) {
            /* Shrink: the output pixel is built in scratch while input pixel px is read in
             * place, then stored (it may cover input pixel px, never one not read yet). */
            pointwise_pixel(p, input + (ptrdiff_t)px * cin, filter, folded_bias, multiplier, shift, scratch);
            memcpy(dst, scratch, (size_t)cout);
        } else {
            /* Expand: the input pixel goes to scratch first; the wider output pixel is then
             * written over it. */
            memcpy(scratch, input + (ptrdiff_t)px * cin, (size_t)cin);
            pointwise_pixel(p, scratch, filter, folded_bias, multiplier, shift, dst);
        }
    }
}

void ts_conv_f32(const ts_conv_f32_params *p, const float *input, const float *filter, const float *bias,
                 float *output)
{
    const int32_t per_group = p->out_c / (p->in_c / p->filter_c);
    int32_t b, oy, ox, oc, fy, fx, c;
    for (b = 0; b < p->batches; ++b) {
        const uint8_t *in = (const uint8_t *)input + (ptrdiff_t)b * p->in_h * p->in_row_pitch;
        uint8_t *out = (uint8_t *)output + (ptrdiff_t)b * p->out_h * p->out_row_pitch;
        for (oy = 0; oy < p->out_h; ++oy)
            for (ox = 0; ox < p->out_w; ++ox) {
                float *o = (float *)(out + (ptrdiff_t)oy * p->out_row_pitch) + (ptrdiff_t)ox * p->out_c;
                const int32_t iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
                for (oc = 0; oc < p->out_c; ++oc) {
                    const int32_t group = oc / per_group;
                    float total = 0.0f, v, lo;
                    for (fy = 0; fy < p->k_h; ++fy) {
                        const int32_t iy = iy0 + fy * p->dilation_h;
                        if (iy < 0 || iy >= p->in_h)
                            continue;
                        for (fx = 0; fx < p->k_w; ++fx) {
                            const int32_t ix = ix0 + fx * p->dilation_w;
                            const float *src, *f;
                            if (ix < 0 || ix >= p->in_w)
                                continue;
                            src = (const float *)(in + (ptrdiff_t)iy * p->in_row_pitch) + (ptrdiff_t)ix * p->in_c
                                + group * p->filter_c;
                            f = filter + (((ptrdiff_t)oc * p->k_h + fy) * p->k_w + fx) * p->filter_c;
                            for (c = 0; c < p->filter_c; ++c)
                                total += src[c] * f[c];
                        }
                    }
                    v = total + (bias ? bias[oc] : 0.0f);
                    lo = v < p->act_min ? p->act_min : v;            /* std::max(v, lo) */
                    o[oc] = p->act_max < lo ? p->act_max : lo;       /* std::min(.., hi) */
                }
            }
    }
}
