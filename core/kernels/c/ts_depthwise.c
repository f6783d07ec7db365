/* ts_depthwise: int8 DEPTHWISE_CONV_2D kernels (see ts_depthwise.h). Accumulators are uint32_t:
 * wrap-around is defined and equal to the reference's two's-complement int32 addition. */
#include "ts_depthwise.h"

/* Fully unroll the tap loops of the fixed-size variants (GCC; other compilers decide alone). */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 8
#define DW_UNROLL _Pragma("GCC unroll 7")
#else
#define DW_UNROLL
#endif

/* Output positions [lo, hi) along one axis whose taps all fall inside the input. */
typedef struct {
    int32_t y_lo, y_hi, x_lo, x_hi;
} dw_interior;

static void dw_axis(int32_t in, int32_t out, int32_t k, int32_t stride, int32_t dilation, int32_t pad, int32_t *lo,
                    int32_t *hi)
{
    const int32_t last = in - 1 + pad - (k - 1) * dilation; /* largest in-bounds start + pad */
    int32_t l = pad > 0 ? (pad + stride - 1) / stride : 0;
    int32_t h = last >= 0 ? last / stride + 1 : 0;
    if (l > out)
        l = out;
    if (h > out)
        h = out;
    if (h < l)
        h = l;
    *lo = l;
    *hi = h;
}

static dw_interior dw_interior_of(const ts_depthwise_s8_params *p)
{
    dw_interior r;
    dw_axis(p->in_h, p->out_h, p->k_h, p->stride_h, p->dilation_h, p->pad_top, &r.y_lo, &r.y_hi);
    dw_axis(p->in_w, p->out_w, p->k_w, p->stride_w, p->dilation_w, p->pad_left, &r.x_lo, &r.x_hi);
    return r;
}

TS_INLINE int8_t dw_output(uint32_t acc, int32_t multiplier, int32_t shift, const ts_depthwise_s8_params *p)
{
    const int32_t v = ts_add_wrap(ts_requantize((int32_t)acc, multiplier, shift), p->output_offset);
    return (int8_t)ts_clamp(v, p->act_min, p->act_max);
}

/* One output pixel with bounds-checked taps (padding: the tap is skipped). */
static int8_t dw_border(const ts_depthwise_s8_params *p, const int8_t *in, ptrdiff_t in_px, ptrdiff_t in_row,
                        const int8_t *f, int32_t kh, int32_t kw, uint32_t bias, int32_t mult, int32_t shift,
                        int32_t oy, int32_t ox)
{
    const int32_t iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
    uint32_t acc = bias;
    int32_t fy, fx;
    for (fy = 0; fy < kh; ++fy) {
        const int32_t iy = iy0 + fy * p->dilation_h;
        if (iy < 0 || iy >= p->in_h)
            continue;
        for (fx = 0; fx < kw; ++fx) {
            const int32_t ix = ix0 + fx * p->dilation_w;
            if (ix < 0 || ix >= p->in_w)
                continue;
            acc += (uint32_t)(f[fy * kw + fx] * (in[iy * in_row + ix * in_px] + p->input_offset));
        }
    }
    return dw_output(acc, mult, shift, p);
}

/* One output channel over the whole map. `in` is its input channel (pixels in_px apart, rows
 * in_row apart), `out` its output channel; kh, kw are compile-time constants in the fixed-size
 * variants (the tap loops unroll). */
TS_INLINE void dw_channel(const ts_depthwise_s8_params *p, const dw_interior *r, const int8_t *in, ptrdiff_t in_px,
                          ptrdiff_t in_row, const int8_t *f, const int32_t kh, const int32_t kw, const int fixed,
                          uint32_t bias, int32_t mult, int32_t shift, int8_t *out, ptrdiff_t out_px, ptrdiff_t out_row)
{
    const ptrdiff_t tap_y = (ptrdiff_t)p->dilation_h * in_row, tap_x = (ptrdiff_t)p->dilation_w * in_px;
    const ptrdiff_t step_x = (ptrdiff_t)p->stride_w * in_px;
    uint32_t fsum = 0u, inner;
    int32_t oy, ox, fy, fx;
    for (fy = 0; fy < kh * kw; ++fy)
        fsum += (uint32_t)f[fy];
    inner = bias + (uint32_t)p->input_offset * fsum; /* sum f * (v + offset) = inner + sum f * v */
    for (oy = 0; oy < p->out_h; ++oy) {
        int8_t *o = out + (ptrdiff_t)oy * out_row;
        if (oy < r->y_lo || oy >= r->y_hi) {
            for (ox = 0; ox < p->out_w; ++ox)
                o[ox * out_px] = dw_border(p, in, in_px, in_row, f, kh, kw, bias, mult, shift, oy, ox);
            continue;
        }
        for (ox = 0; ox < r->x_lo; ++ox)
            o[ox * out_px] = dw_border(p, in, in_px, in_row, f, kh, kw, bias, mult, shift, oy, ox);
        {
            const int8_t *base = in + (ptrdiff_t)(oy * p->stride_h - p->pad_top) * in_row
                + (ptrdiff_t)(r->x_lo * p->stride_w - p->pad_left) * in_px;
            for (ox = r->x_lo; ox < r->x_hi; ++ox, base += step_x) {
                uint32_t acc = inner;
                if (kh <= 7 && kw <= 7 && fixed) { /* compile-time sizes: taps fully unrolled */
                    DW_UNROLL
                    for (fy = 0; fy < kh; ++fy) {
                        const int8_t *row = base + fy * tap_y;
                        DW_UNROLL
                        for (fx = 0; fx < kw; ++fx)
                            acc += (uint32_t)(f[fy * kw + fx] * row[fx * tap_x]);
                    }
                } else {
                    for (fy = 0; fy < kh; ++fy) {
                        const int8_t *row = base + fy * tap_y;
                        for (fx = 0; fx < kw; ++fx)
                            acc += (uint32_t)(f[fy * kw + fx] * row[fx * tap_x]);
                    }
                }
                o[ox * out_px] = dw_output(acc, mult, shift, p);
            }
        }
        for (ox = r->x_hi; ox < p->out_w; ++ox)
            o[ox * out_px] = dw_border(p, in, in_px, in_row, f, kh, kw, bias, mult, shift, oy, ox);
    }
}

TS_INLINE void dw_run(const ts_depthwise_s8_params *p, const int8_t *input, const int8_t *filter, const int32_t *bias,
                      const int32_t *multiplier, const int32_t *shift, int8_t *output, const int32_t kh,
                      const int32_t kw, const int fixed)
{
    const dw_interior r = dw_interior_of(p);
    const ptrdiff_t in_batch = (ptrdiff_t)p->in_h * p->in_row_pitch, out_batch = (ptrdiff_t)p->out_h * p->out_row_pitch;
    int32_t b, oc;
    for (b = 0; b < p->batches; ++b)
        for (oc = 0; oc < p->out_c; ++oc)
            dw_channel(p, &r, input + b * in_batch + oc / p->depth_multiplier, p->in_c, p->in_row_pitch,
                       filter + (ptrdiff_t)oc * kh * kw, kh, kw, fixed, bias ? (uint32_t)bias[oc] : 0u, multiplier[oc],
                       shift[oc], output + b * out_batch + oc, p->out_c, p->out_row_pitch);
}

/* In place, channel by channel through an in_h x in_w scratch (delta ≡ 0 mod C: output channel c
 * only ever lands on input channel c, which is already in scratch). */
TS_INLINE void dw_run_inplace(const ts_depthwise_s8_params *p, const int8_t *input, const int8_t *filter,
                              const int32_t *bias, const int32_t *multiplier, const int32_t *shift, int8_t *output,
                              int8_t *scratch, const int32_t kh, const int32_t kw, const int fixed)
{
    const dw_interior r = dw_interior_of(p);
    const int32_t c_count = p->in_c, pixels = p->in_h * p->in_w;
    int32_t c, i;
    for (c = 0; c < c_count; ++c) {
        const int8_t *src = input + c;
        for (i = 0; i < pixels; ++i)
            scratch[i] = src[(ptrdiff_t)i * c_count];
        dw_channel(p, &r, scratch, 1, p->in_w, filter + (ptrdiff_t)c * kh * kw, kh, kw, fixed,
                   bias ? (uint32_t)bias[c] : 0u, multiplier[c], shift[c], output + c, c_count,
                   (ptrdiff_t)p->out_w * c_count);
    }
}

TS_DEPTHWISE_DECLARE(ts_depthwise_s8) { dw_run(p, input, filter, bias, multiplier, shift, output, p->k_h, p->k_w, 0); }
TS_DEPTHWISE_DECLARE(ts_depthwise_3x3_s8) { dw_run(p, input, filter, bias, multiplier, shift, output, 3, 3, 1); }
TS_DEPTHWISE_DECLARE(ts_depthwise_5x5_s8) { dw_run(p, input, filter, bias, multiplier, shift, output, 5, 5, 1); }
TS_DEPTHWISE_DECLARE(ts_depthwise_7x7_s8) { dw_run(p, input, filter, bias, multiplier, shift, output, 7, 7, 1); }

TS_DEPTHWISE_DECLARE_INPLACE(ts_depthwise_s8_inplace)
{
    dw_run_inplace(p, input, filter, bias, multiplier, shift, output, scratch, p->k_h, p->k_w, 0);
}
TS_DEPTHWISE_DECLARE_INPLACE(ts_depthwise_3x3_s8_inplace)
{
    dw_run_inplace(p, input, filter, bias, multiplier, shift, output, scratch, 3, 3, 1);
}
TS_DEPTHWISE_DECLARE_INPLACE(ts_depthwise_5x5_s8_inplace)
{
    dw_run_inplace(p, input, filter, bias, multiplier, shift, output, scratch, 5, 5, 1);
}
TS_DEPTHWISE_DECLARE_INPLACE(ts_depthwise_7x7_s8_inplace)
{
    dw_run_inplace(p, input, filter, bias, multiplier, shift, output, scratch, 7, 7, 1);
}

void ts_depthwise_f32(const ts_depthwise_f32_params *p, const float *input, const float *filter, const float *bias,
                      float *output)
{
    int32_t b, oy, ox, ic, k, fy, fx;
    for (b = 0; b < p->batches; ++b) {
        const uint8_t *in = (const uint8_t *)input + (ptrdiff_t)b * p->in_h * p->in_row_pitch;
        uint8_t *out = (uint8_t *)output + (ptrdiff_t)b * p->out_h * p->out_row_pitch;
        for (oy = 0; oy < p->out_h; ++oy)
            for (ox = 0; ox < p->out_w; ++ox) {
                float *o = (float *)(out + (ptrdiff_t)oy * p->out_row_pitch) + (ptrdiff_t)ox * p->out_c;
                const int32_t iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
                for (ic = 0; ic < p->in_c; ++ic)
                    for (k = 0; k < p->depth_multiplier; ++k) {
                        const int32_t oc = k + ic * p->depth_multiplier;
                        float total = 0.0f, v, lo;
                        for (fy = 0; fy < p->k_h; ++fy) {
                            const int32_t iy = iy0 + fy * p->dilation_h;
                            if (iy < 0 || iy >= p->in_h)
                                continue;
                            for (fx = 0; fx < p->k_w; ++fx) {
                                const int32_t ix = ix0 + fx * p->dilation_w;
                                if (ix < 0 || ix >= p->in_w)
                                    continue;
                                total += ((const float *)(in + (ptrdiff_t)iy * p->in_row_pitch))[(ptrdiff_t)ix * p->in_c + ic]
                                    * filter[(fy * p->k_w + fx) * p->out_c + oc];
                            }
                        }
                        v = total + (bias ? bias[oc] : 0.0f);
                        lo = v < p->act_min ? p->act_min : v;
                        o[oc] = p->act_max < lo ? p->act_max : lo;
                    }
            }
    }
}
