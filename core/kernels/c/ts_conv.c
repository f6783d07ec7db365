/* ts_conv: int8 CONV_2D kernels (see ts_conv.h). Accumulators are uint32_t so that their
 * wrap-around is defined and equal to the reference's two's-complement int32 addition. */
#include "ts_conv.h"

#if defined(__ARM_FEATURE_DSP) && !defined(TS_NO_DSP)
#include <arm_acle.h>
#define TS_CONV_DSP 1
/* DSP path (Cortex-M4/M7): four int8 at a time widened by SXTB16 into the int16 pairs (even
 * bytes, odd bytes) and accumulated by SMLAD. SMLAD's sum is exact modulo 2^32 (only the Q flag
 * notes an overflow), and the int32 accumulators of the portable path wrap the same way, so any
 * order of the products gives the same bytes. */
TS_INLINE uint32_t conv_ld4(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
TS_INLINE int32_t conv_even(uint32_t v) { return (int32_t)__sxtb16((int32_t)v); }
TS_INLINE int32_t conv_odd(uint32_t v)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v)); /* SXTB16 of the value rotated by 8 */
    return r;
}
#define CONV_MAC(acc, a, b) ((acc) = (uint32_t)__smlad((a), (b), (int32_t)(acc)))
#endif

/* ts_requantize(x, m, shift) for the usual case, a right shift e = -shift in 1..31 and m !=
 * INT32_MIN, as one 64-bit product: with ab = x * m, SaturatingRoundingDoublingHighMul is
 * floor((ab + 2^30) / 2^31) for either sign of ab (TFLite's truncating division of ab + 1 - 2^30
 * when ab < 0 equals that floor), and RoundingDivideByPOT(v, e) is floor((v + 2^(e-1) - [v < 0]) / 2^e)
 * with v < 0 exactly when ab < -2^30; the two floors nest into one:
 *   floor((ab + 2^30 + 2^(30+e) - [ab < -2^30] 2^31) / 2^(31+e)),
 * where [ab < 0] may replace [ab < -2^30] (for -2^30 <= ab < 0 both give 0), the high word of the 64-bit sum shifted right by e - 1. The other cases take ts_requantize. */
TS_INLINE int32_t conv_requantize(int32_t x, int32_t m, int32_t shift)
{
    if ((uint32_t)(-shift - 1) < 31u && m != INT32_MIN) {
        const int64_t ab = (int64_t)x * m;
        const int64_t t = ab + (((int64_t)1 << 30) + ((int64_t)1 << (30 - shift)))
            - (int64_t)(((uint64_t)ab >> 63) << 31);
        return (int32_t)(t >> 32) >> (-shift - 1);
    }
    return ts_requantize(x, m, shift);
}

/* The requantized, offset and clamped int8 of one accumulator. */
TS_INLINE int8_t conv_output(uint32_t acc, int32_t multiplier, int32_t shift, const ts_conv_s8_params *p)
{
    const int32_t v = ts_add_wrap(conv_requantize((int32_t)acc, multiplier, shift), p->output_offset);
    return (int8_t)ts_clamp(v, p->act_min, p->act_max);
}

/* The 1x1 kernels' requantization. When every channel has a right shift e in 1..31 and a
 * multiplier other than INT32_MIN (checked once per call: `fast`), conv_requantize's sum splits as
 *   u = floor((ab + 2^30 - [ab < 0] 2^31) / 2^31)   (SaturatingRoundingDoublingHighMul - [v < 0]),
 *   result = floor((u + 2^(e-1)) / 2^e) = (u >> e) + bit e-1 of u,
 * with no overflow and no per-channel constant but e; otherwise ts_requantize. */
static int conv_all_fast(const int32_t *mult, const int32_t *shift, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i)
        if ((uint32_t)(-shift[i] - 1) >= 31u || mult[i] == INT32_MIN)
            return 0;
    return 1;
}

/* The clamp and offset of the output, read once into locals (int8 stores may alias *p). */
typedef struct {
    int32_t offset, lo, hi, fast;
} conv_act;

TS_INLINE int8_t conv_rq_out(uint32_t acc, int32_t m, int32_t shift, const conv_act *a)
{
    int32_t v;
    if (a->fast) {
        const int64_t ab = (int64_t)(int32_t)acc * m;
        const int64_t t = ab + ((int64_t)1 << 30) - (int64_t)(((uint64_t)ab >> 63) << 31);
        const int32_t u = (int32_t)(t >> 31), e = -shift;
        v = (u >> e) + ((u >> (e - 1)) & 1);
    } else {
        v = ts_requantize((int32_t)acc, m, shift);
    }
    return (int8_t)ts_clamp(ts_add_wrap(v, a->offset), a->lo, a->hi);
}

TS_INLINE conv_act conv_act_make(const ts_conv_s8_params *p, const int32_t *mult, const int32_t *shift)
{
    conv_act a;
    a.offset = p->output_offset, a.lo = p->act_min, a.hi = p->act_max;
    a.fast = conv_all_fast(mult, shift, p->out_c);
    return a;
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

/* Dot products over `n` int8 of two inputs (x0, x1) with two filter rows (f0, f1), added to
 * a[0] (x0.f0), a[1] (x1.f0), a[2] (x0.f1), a[3] (x1.f1). */
TS_INLINE void dot_2x2_s8(const int8_t *x0, const int8_t *x1, const int8_t *f0, const int8_t *f1, int32_t n,
                          uint32_t *a)
{
    uint32_t a00 = a[0], a01 = a[1], a10 = a[2], a11 = a[3];
    int32_t j = 0;
#ifdef TS_CONV_DSP
    if (x1 - x0 == f1 - f0) {
        /* The usual layout (x1 = x0 + d, f1 = f0 + d): two pointers and one offset, 8 bytes a turn. */
        const ptrdiff_t d = x1 - x0;
        const int8_t *xp = x0, *fp = f0;
        const int8_t *const end = x0 + (n & ~7);
#define DOT_2X2_STEP(o)                                                                                          \
    do {                                                                                                         \
        const uint32_t v0 = conv_ld4(xp + (o)), v1 = conv_ld4(xp + (o) + d);                                     \
        const uint32_t w0 = conv_ld4(fp + (o)), w1 = conv_ld4(fp + (o) + d);                                     \
        int32_t we = conv_even(w0), wo = conv_odd(w0);                                                           \
        const int32_t v0e = conv_even(v0), v1e = conv_even(v1), v0o = conv_odd(v0), v1o = conv_odd(v1);         \
        CONV_MAC(a00, we, v0e);                                                                                  \
        CONV_MAC(a01, we, v1e);                                                                                  \
        CONV_MAC(a00, wo, v0o);                                                                                  \
        CONV_MAC(a01, wo, v1o);                                                                                  \
        we = conv_even(w1), wo = conv_odd(w1);                                                                   \
        CONV_MAC(a10, we, v0e);                                                                                  \
        CONV_MAC(a11, we, v1e);                                                                                  \
        CONV_MAC(a10, wo, v0o);                                                                                  \
        CONV_MAC(a11, wo, v1o);                                                                                  \
    } while (0)
        while (xp != end) {
            DOT_2X2_STEP(0);
            DOT_2X2_STEP(4);
            xp += 8, fp += 8;
        }
        if (n & 4)
            DOT_2X2_STEP(0);
#undef DOT_2X2_STEP
        j = n & ~3;
    }
    for (; j + 4 <= n; j += 4) {
        const uint32_t w0 = conv_ld4(f0 + j), w1 = conv_ld4(f1 + j), v0 = conv_ld4(x0 + j), v1 = conv_ld4(x1 + j);
        const int32_t v0e = conv_even(v0), v0o = conv_odd(v0), v1e = conv_even(v1), v1o = conv_odd(v1);
        const int32_t w0e = conv_even(w0), w0o = conv_odd(w0), w1e = conv_even(w1), w1o = conv_odd(w1);
        CONV_MAC(a00, w0e, v0e);
        CONV_MAC(a01, w0e, v1e);
        CONV_MAC(a10, w1e, v0e);
        CONV_MAC(a11, w1e, v1e);
        CONV_MAC(a00, w0o, v0o);
        CONV_MAC(a01, w0o, v1o);
        CONV_MAC(a10, w1o, v0o);
        CONV_MAC(a11, w1o, v1o);
    }
#endif
    for (; j < n; ++j) {
        const int32_t v0 = x0[j], v1 = x1[j], w0 = f0[j], w1 = f1[j];
        a00 += (uint32_t)(w0 * v0);
        a01 += (uint32_t)(w0 * v1);
        a10 += (uint32_t)(w1 * v0);
        a11 += (uint32_t)(w1 * v1);
    }
    a[0] = a00, a[1] = a01, a[2] = a10, a[3] = a11;
}

/* One input with four filter rows f, f + n, f + 2n, f + 3n, added to a[0..3]. */
TS_INLINE void dot_1x4_s8(const int8_t *x, const int8_t *f, int32_t n, uint32_t *a)
{
    const int8_t *f0 = f, *f1 = f + n, *f2 = f1 + n, *f3 = f2 + n;
    uint32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
    int32_t j = 0;
#ifdef TS_CONV_DSP
    {
        /* Pointers to rows 0 and 2, rows 1 and 3 at offset n: few live registers, no spills. */
        const int8_t *xp = x, *fa = f0, *fb = f2;
        const int8_t *const end = x + (n & ~3);
        while (xp != end) {
            const uint32_t v = conv_ld4(xp);
            const int32_t ve = conv_even(v), vo = conv_odd(v);
            uint32_t w = conv_ld4(fa);
            CONV_MAC(a0, conv_even(w), ve);
            CONV_MAC(a0, conv_odd(w), vo);
            w = conv_ld4(fa + n);
            CONV_MAC(a1, conv_even(w), ve);
            CONV_MAC(a1, conv_odd(w), vo);
            w = conv_ld4(fb);
            CONV_MAC(a2, conv_even(w), ve);
            CONV_MAC(a2, conv_odd(w), vo);
            w = conv_ld4(fb + n);
            CONV_MAC(a3, conv_even(w), ve);
            CONV_MAC(a3, conv_odd(w), vo);
            xp += 4, fa += 4, fb += 4;
        }
        j = n & ~3;
    }
#endif
    for (; j < n; ++j) {
        const int32_t v = x[j];
        a0 += (uint32_t)(f0[j] * v);
        a1 += (uint32_t)(f1[j] * v);
        a2 += (uint32_t)(f2[j] * v);
        a3 += (uint32_t)(f3[j] * v);
    }
    a[0] = a0, a[1] = a1, a[2] = a2, a[3] = a3;
}

/* One input with one filter row. */
TS_INLINE uint32_t dot_1x1_s8(const int8_t *x, const int8_t *f, int32_t n, uint32_t acc)
{
    uint32_t a1 = 0u;
    int32_t j = 0;
#ifdef TS_CONV_DSP
    for (; j + 4 <= n; j += 4) {
        const uint32_t v = conv_ld4(x + j), w = conv_ld4(f + j);
        CONV_MAC(acc, conv_even(w), conv_even(v));
        CONV_MAC(a1, conv_odd(w), conv_odd(v));
    }
#endif
    for (; j + 1 < n; j += 2) {
        acc += (uint32_t)(f[j] * x[j]);
        a1 += (uint32_t)(f[j + 1] * x[j + 1]);
    }
    if (j < n)
        acc += (uint32_t)(f[j] * x[j]);
    return acc + a1;
}

/* Two adjacent pixels (x: 2 * in_c bytes, o: 2 * out_c bytes), two by two output channels; the
 * input offset folded in the bias. `x` and `o` never overlap (the in-place variant passes a
 * scratch copy for one of them). */
TS_INLINE void pointwise_pair(const ts_conv_s8_params *p, const conv_act *act, const int8_t *TS_RESTRICT x,
                              const int8_t *TS_RESTRICT filter, const int32_t *TS_RESTRICT bias,
                              const int32_t *TS_RESTRICT mult, const int32_t *TS_RESTRICT shift, int8_t *TS_RESTRICT o)
{
    const int32_t cin = p->in_c, cout = p->out_c;
    const int8_t *x0 = x, *x1 = x + cin;
    int8_t *o0 = o, *o1 = o + cout;
    int32_t oc;
    for (oc = 0; oc + 1 < cout; oc += 2) {
        const int8_t *f0 = filter + (ptrdiff_t)oc * cin;
        uint32_t a[4];
        a[0] = a[1] = (uint32_t)bias[oc];
        a[2] = a[3] = (uint32_t)bias[oc + 1];
        dot_2x2_s8(x0, x1, f0, f0 + cin, cin, a);
        o0[oc] = conv_rq_out(a[0], mult[oc], shift[oc], act);
        o1[oc] = conv_rq_out(a[1], mult[oc], shift[oc], act);
        o0[oc + 1] = conv_rq_out(a[2], mult[oc + 1], shift[oc + 1], act);
        o1[oc + 1] = conv_rq_out(a[3], mult[oc + 1], shift[oc + 1], act);
    }
    if (oc < cout) {
        const int8_t *f0 = filter + (ptrdiff_t)oc * cin;
        o0[oc] = conv_rq_out(dot_1x1_s8(x0, f0, cin, (uint32_t)bias[oc]), mult[oc], shift[oc], act);
        o1[oc] = conv_rq_out(dot_1x1_s8(x1, f0, cin, (uint32_t)bias[oc]), mult[oc], shift[oc], act);
    }
}

/* 1x1: `n` contiguous pixels, two pixels by two output channels; input offset folded in the bias. */
static void pointwise_run(const ts_conv_s8_params *p, const int8_t *TS_RESTRICT in, const int8_t *TS_RESTRICT filter,
                          const int32_t *TS_RESTRICT bias, const int32_t *TS_RESTRICT mult,
                          const int32_t *TS_RESTRICT shift, int8_t *TS_RESTRICT out, int32_t n)
{
    const int32_t cin = p->in_c, cout = p->out_c;
    const conv_act act = conv_act_make(p, mult, shift);
    int32_t px = 0, oc;
    for (; px + 1 < n; px += 2)
        pointwise_pair(p, &act, in + (ptrdiff_t)px * cin, filter, bias, mult, shift, out + (ptrdiff_t)px * cout);
    if (px < n) {
        const int8_t *x0 = in + (ptrdiff_t)px * cin;
        int8_t *o0 = out + (ptrdiff_t)px * cout;
        for (oc = 0; oc < cout; ++oc)
            o0[oc] = conv_rq_out(dot_1x1_s8(x0, filter + (ptrdiff_t)oc * cin, cin, (uint32_t)bias[oc]), mult[oc],
                                 shift[oc], &act);
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

/* All output channels of one pixel into dst[0..out_c), four at a time; the in-place variant:
 * `px` may be the scratch copy or the arena, never written here. */
TS_INLINE void pointwise_pixel(const ts_conv_s8_params *p, const conv_act *act, const int8_t *px, const int8_t *filter,
                               const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *dst)
{
    const int32_t cin = p->in_c, cout = p->out_c;
    int32_t oc, i;
    for (oc = 0; oc + 3 < cout; oc += 4) {
        uint32_t a[4];
        a[0] = (uint32_t)bias[oc], a[1] = (uint32_t)bias[oc + 1];
        a[2] = (uint32_t)bias[oc + 2], a[3] = (uint32_t)bias[oc + 3];
        dot_1x4_s8(px, filter + (ptrdiff_t)oc * cin, cin, a);
        for (i = 0; i < 4; ++i)
            dst[oc + i] = conv_rq_out(a[i], mult[oc + i], shift[oc + i], act);
    }
    for (; oc < cout; ++oc)
        dst[oc] = conv_rq_out(dot_1x1_s8(px, filter + (ptrdiff_t)oc * cin, cin, (uint32_t)bias[oc]), mult[oc],
                              shift[oc], act);
}

void ts_conv_1x1_s8_inplace(const ts_conv_s8_params *p, const int8_t *input, const int8_t *filter,
                            const int32_t *folded_bias, const int32_t *multiplier, const int32_t *shift,
                            int8_t *output, int8_t *scratch, int32_t backward)
{
    const int32_t pixels = p->batches * p->in_h * p->in_w, cin = p->in_c, cout = p->out_c;
    const conv_act act = conv_act_make(p, multiplier, shift);
    int32_t k = 0;
    /* Two pixels at a time (each filter load serves both): the pair's outputs never cover an input
     * read after the pair (the contract's order), and the pair's own pixels go through `scratch`
     * (2 * min(in_c, out_c) bytes): a shrinking pair is built there and copied out; an expanding
     * pair's inputs are copied there first. */
    for (; k + 1 < pixels; k += 2) {
        const int32_t lo = backward ? pixels - 2 - k : k; /* the pair is pixels lo and lo + 1 */
        int8_t *dst = output + (ptrdiff_t)lo * cout;
        const int8_t *x = input + (ptrdiff_t)lo * cin;
        int8_t *o = dst;
        if (cout <= cin) {
            o = scratch;
        } else {
            memcpy(scratch, x, (size_t)(2 * cin));
            x = scratch;
        }
        pointwise_pair(p, &act, x, filter, folded_bias, multiplier, shift, o); /* one copy of the kernel */
        if (cout <= cin)
            memcpy(dst, scratch, (size_t)(2 * cout));
    }
    for (; k < pixels; ++k) {
        const int32_t px = backward ? pixels - 1 - k : k;
        int8_t *dst = output + (ptrdiff_t)px * cout;
        if (cout <= cin) {
            /* Shrink: the output pixel is built in scratch while input pixel px is read in
             * place, then stored (it may cover input pixel px, never one not read yet). */
            pointwise_pixel(p, &act, input + (ptrdiff_t)px * cin, filter, folded_bias, multiplier, shift, scratch);
            memcpy(dst, scratch, (size_t)cout);
        } else {
            /* Expand: the input pixel goes to scratch first; the wider output pixel is then
             * written over it. */
            memcpy(scratch, input + (ptrdiff_t)px * cin, (size_t)cin);
            pointwise_pixel(p, &act, scratch, filter, folded_bias, multiplier, shift, dst);
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
