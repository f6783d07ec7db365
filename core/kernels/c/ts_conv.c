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

/* The 1x1 kernels' requantization. When every channel has a positive multiplier and a right
 * shift e in 1..31 (checked once per call: `fast`), conv_requantize's single rounding applies
 * with [ab < 0] = [acc < 0] (m > 0), the whole sum in one 64-bit value:
 *   t = acc * m + k - (acc & 2^31),  k = 2^30 + 2^(30+e),  result = (t >> 32) >> (e - 1)
 * (the high word of t, floored by 2^(e-1): floor(t / 2^(31+e))); k is a per-channel constant
 * (low word 2^30, plus 2^31 when e = 1; high word 2^(e-2), 0 when e = 1). Otherwise
 * ts_requantize. */
static int conv_all_fast(const int32_t *mult, const int32_t *shift, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; ++i)
        if ((uint32_t)(-shift[i] - 1) >= 31u || mult[i] <= 0)
            return 0;
    return 1;
}

/* The clamp and offset of the output, read once into locals (int8 stores may alias *p). */
typedef struct {
    int32_t offset, lo, hi, fast;
} conv_act;

TS_INLINE conv_act conv_act_make(const ts_conv_s8_params *p, const int32_t *mult, const int32_t *shift)
{
    conv_act a;
    a.offset = p->output_offset, a.lo = p->act_min, a.hi = p->act_max;
    a.fast = conv_all_fast(mult, shift, p->out_c);
    return a;
}

/* k of a channel with right shift e (fast case). */
TS_INLINE int64_t conv_rq_k(int32_t e)
{
    const uint32_t b = 1u << e;
    return (int64_t)(((uint64_t)(b >> 2) << 32) | (uint64_t)(0x40000000u + ((b & 2u) << 30)));
}

/* One requantized, offset and clamped output: fast (k, e1 = e - 1) or through ts_requantize. */
TS_INLINE int8_t conv_rq_out(uint32_t acc, int32_t m, int32_t shift, int64_t k, int32_t e1, const conv_act *a)
{
    int32_t v;
    if (a->fast) {
        const int64_t t = (int64_t)(int32_t)acc * m + k - (int64_t)(acc & 0x80000000u);
        v = (int32_t)(t >> 32) >> e1;
    } else {
        v = ts_requantize((int32_t)acc, m, shift);
    }
    return (int8_t)ts_clamp(ts_add_wrap(v, a->offset), a->lo, a->hi);
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

/* ---- 1x1 (pointwise) kernels. The filter comes arranged by the code generator (ts_conv.h,
 * TS_CONV_1X1 layout): output channels in pairs, each pair's two rows interleaved in 4-byte
 * chunks, then the rows' cin % 4 tail bytes, the block padded to 4 bytes; an odd last channel's
 * row as is. The input pixels are widened to int16 once per pixel pair into `s` (4-byte aligned)
 * and reused by every output channel: per 4 channels j, the words (x0[4j], x0[4j+2]),
 * (x0[4j+1], x0[4j+3]), the same for x1 (a pair; a single pixel has only its two words, in
 * groups of two), then the tails as plain int16. One SXTB16 splits a filter word into the
 * matching (even, odd) int16 pairs, and SMLAD multiplies and adds a pair. The portable path
 * copies the pixels' int8 bytes as they are instead (x0 then x1; no DSP, nothing to gain). */
#define PW_BLOCK(cin) TS_CONV_1X1_BLOCK(cin)

/* Pixels x0 and x1 (pair) or x0 alone into s: the layout above (DSP), or the int8 copies. */
TS_INLINE void pw_widen(const int8_t *x0, const int8_t *x1, int32_t cin, int16_t *TS_RESTRICT s, const int pair)
{
#ifdef TS_CONV_DSP
    const int32_t g = cin >> 2, t = cin & 3;
    uint32_t *w = (uint32_t *)(void *)s;
    int32_t j;
    for (j = 0; j < g; ++j) {
        const uint32_t v0 = conv_ld4(x0 + 4 * j);
        w[0] = (uint32_t)conv_even(v0);
        w[1] = (uint32_t)conv_odd(v0);
        if (pair) {
            const uint32_t v1 = conv_ld4(x1 + 4 * j);
            w[2] = (uint32_t)conv_even(v1);
            w[3] = (uint32_t)conv_odd(v1);
            w += 4;
        } else {
            w += 2;
        }
    }
    s = (int16_t *)(void *)w;
    x0 += 4 * g, x1 += 4 * g;
    for (j = 0; j < t; ++j) {
        s[j] = x0[j];
        if (pair)
            s[t + j] = x1[j];
    }
#else
    /* Without SXTB16/SMLAD widening buys nothing: the pixels' int8 bytes as they are (x1 after x0). */
    memcpy(s, x0, (size_t)cin);
    if (pair)
        memcpy((int8_t *)(void *)s + cin, x1, (size_t)cin);
#endif
}

#ifndef TS_CONV_DSP
/* Portable: one block of the TS_CONV_1X1 layout (rows f0, f1 interleaved in 4-byte chunks, then
 * the t tail bytes of each) against x0 and x1 (pair) or x0 alone, added to a[0] (x0.f0), a[1]
 * (x1.f0), a[2] (x0.f1), a[3] (x1.f1). */
#if defined(__GNUC__)
#define PW_NOINLINE
/* An empty asm over the accumulators: keeps GCC from re-associating the unrolled sums into
 * partial sums (which spill the accumulators); no instruction. */
#define PW_KEEP(a, b, c, d) __asm__("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d))
#else
#define PW_NOINLINE
#define PW_KEEP(a, b, c, d) ((void)0)
#endif
static PW_NOINLINE void pw_dot2x2_portable(const int8_t *f, const int8_t *x0, const int8_t *x1, int32_t g, int32_t t,
                                           uint32_t *a)
{
    uint32_t a00 = a[0], a01 = a[1], a10 = a[2], a11 = a[3];
    int32_t j;
    for (j = 0; j < g; ++j, f += 8, x0 += 4, x1 += 4) {
#define PW_PSTEP(b)                                                                                               \
    do {                                                                                                          \
        const int32_t w0 = f[b], w1 = f[4 + (b)], v0 = x0[b], v1 = x1[b];                                         \
        a00 += (uint32_t)(w0 * v0);                                                                               \
        a01 += (uint32_t)(w0 * v1);                                                                               \
        a10 += (uint32_t)(w1 * v0);                                                                               \
        a11 += (uint32_t)(w1 * v1);                                                                               \
        PW_KEEP(a00, a01, a10, a11);                                                                              \
    } while (0)
        PW_PSTEP(0);
        PW_PSTEP(1);
        PW_PSTEP(2);
        PW_PSTEP(3);
#undef PW_PSTEP
    }
    for (j = 0; j < t; ++j) {
        const int32_t w0 = f[j], w1 = f[t + j], v0 = x0[j], v1 = x1[j];
        a00 += (uint32_t)(w0 * v0);
        a01 += (uint32_t)(w0 * v1);
        a10 += (uint32_t)(w1 * v0);
        a11 += (uint32_t)(w1 * v1);
    }
    a[0] = a00, a[1] = a01, a[2] = a10, a[3] = a11;
}

static PW_NOINLINE void pw_dot1x2_portable(const int8_t *f, const int8_t *x0, int32_t g, int32_t t, uint32_t *a)
{
    uint32_t a00 = a[0], a10 = a[2];
    int32_t j, b;
    for (j = 0; j < g; ++j, f += 8, x0 += 4)
        for (b = 0; b < 4; ++b) {
            const int32_t v0 = x0[b];
            a00 += (uint32_t)(f[b] * v0);
            a10 += (uint32_t)(f[4 + b] * v0);
        }
    for (j = 0; j < t; ++j) {
        a00 += (uint32_t)(f[j] * x0[j]);
        a10 += (uint32_t)(f[t + j] * x0[j]);
    }
    a[0] = a00, a[2] = a10;
}
#endif

/* All output channels of a widened pixel pair (pair = 1: o0 and o1) or of one pixel (pair = 0:
 * o0). The input offset is folded in the bias. */
TS_INLINE void pw_dot(const ts_conv_s8_params *p, const conv_act *act, const int16_t *TS_RESTRICT s,
                      const int8_t *TS_RESTRICT filter, const int32_t *TS_RESTRICT bias,
                      const int32_t *TS_RESTRICT mult, const int32_t *TS_RESTRICT shift, int8_t *TS_RESTRICT o0,
                      int8_t *TS_RESTRICT o1, const int pair)
{
    const int32_t cin = p->in_c, cout = p->out_c, g = cin >> 2, t = cin & 3, blk = PW_BLOCK(cin);
#ifdef TS_CONV_DSP
    const int16_t *const st = s + (pair ? 8 : 4) * g; /* the tails, int16 */
#else
    const int8_t *const x0 = (const int8_t *)(const void *)s, *const x1 = x0 + cin; /* int8 copies */
#endif
    const int8_t *f = filter;
    int32_t oc, j;
    for (oc = 0; oc + 1 < cout; oc += 2, f += blk) {
        const int32_t m0 = mult[oc], m1 = mult[oc + 1], e0 = -shift[oc], e1 = -shift[oc + 1];
        const int64_t k0 = conv_rq_k(e0 & 31), k1 = conv_rq_k(e1 & 31);
        uint32_t a00 = (uint32_t)bias[oc], a10 = (uint32_t)bias[oc + 1], a01 = a00, a11 = a10;
#ifdef TS_CONV_DSP
        const int8_t *const ft = f + 8 * g;
        {
            /* Two groups (8 input channels) a turn: filter words (w0, w1) at fw[2q], fw[2q + 1], the
             * widened pixel words at xw[xs * q] (xs = 4 for a pair, 2 for one pixel). */
            const uint32_t *fw = (const uint32_t *)(const void *)f, *xw = (const uint32_t *)(const void *)s;
            const uint32_t *const end = fw + 2 * (g & ~1);
            const int32_t xs = pair ? 4 : 2;
#define PW_STEP(q)                                                                                                \
    do {                                                                                                          \
        const uint32_t w0 = fw[2 * (q)], w1 = fw[2 * (q) + 1];                                                    \
        const int32_t w0e = conv_even(w0), w0o = conv_odd(w0), w1e = conv_even(w1), w1o = conv_odd(w1);           \
        const int32_t x0e = (int32_t)xw[xs * (q)], x0o = (int32_t)xw[xs * (q) + 1];                               \
        CONV_MAC(a00, w0e, x0e);                                                                                  \
        CONV_MAC(a00, w0o, x0o);                                                                                  \
        CONV_MAC(a10, w1e, x0e);                                                                                  \
        CONV_MAC(a10, w1o, x0o);                                                                                  \
        if (pair) {                                                                                               \
            const int32_t x1e = (int32_t)xw[xs * (q) + 2], x1o = (int32_t)xw[xs * (q) + 3];                       \
            CONV_MAC(a01, w0e, x1e);                                                                              \
            CONV_MAC(a01, w0o, x1o);                                                                              \
            CONV_MAC(a11, w1e, x1e);                                                                              \
            CONV_MAC(a11, w1o, x1o);                                                                              \
        }                                                                                                         \
    } while (0)
            while (fw != end) {
                PW_STEP(0);
                PW_STEP(1);
                fw += 4, xw += 2 * xs;
            }
            if (g & 1)
                PW_STEP(0);
#undef PW_STEP
        }
        for (j = 0; j < t; ++j) {
            const int32_t w0 = ft[j], w1 = ft[t + j], v0 = st[j];
            a00 += (uint32_t)(w0 * v0);
            a10 += (uint32_t)(w1 * v0);
            if (pair) {
                const int32_t v1 = st[t + j];
                a01 += (uint32_t)(w0 * v1);
                a11 += (uint32_t)(w1 * v1);
            }
        }
#else
        {
            uint32_t a[4];
            a[0] = a00, a[1] = a01, a[2] = a10, a[3] = a11;
            if (pair)
                pw_dot2x2_portable(f, x0, x1, g, t, a);
            else
                pw_dot1x2_portable(f, x0, g, t, a);
            a00 = a[0], a01 = a[1], a10 = a[2], a11 = a[3];
        }
#endif
        o0[oc] = conv_rq_out(a00, m0, -e0, k0, e0 - 1, act);
        o0[oc + 1] = conv_rq_out(a10, m1, -e1, k1, e1 - 1, act);
        if (pair) {
            o1[oc] = conv_rq_out(a01, m0, -e0, k0, e0 - 1, act);
            o1[oc + 1] = conv_rq_out(a11, m1, -e1, k1, e1 - 1, act);
        }
    }
    if (oc < cout) { /* the odd last channel: its row, g words then t bytes */
        const int32_t m0 = mult[oc], e0 = -shift[oc];
        const int64_t k0 = conv_rq_k(e0 & 31);
        uint32_t a0 = (uint32_t)bias[oc], a1 = a0;
#ifdef TS_CONV_DSP
        for (j = 0; j < g; ++j) {
            const int16_t *x = s + (pair ? 8 : 4) * j;
            const int8_t *f0 = f + 4 * j;
            a0 += (uint32_t)(f0[0] * x[0]) + (uint32_t)(f0[2] * x[1]) + (uint32_t)(f0[1] * x[2])
                + (uint32_t)(f0[3] * x[3]);
            if (pair)
                a1 += (uint32_t)(f0[0] * x[4]) + (uint32_t)(f0[2] * x[5]) + (uint32_t)(f0[1] * x[6])
                    + (uint32_t)(f0[3] * x[7]);
        }
        for (j = 0; j < t; ++j) {
            a0 += (uint32_t)(f[4 * g + j] * st[j]);
            if (pair)
                a1 += (uint32_t)(f[4 * g + j] * st[t + j]);
        }
#else
        for (j = 0; j < cin; ++j) {
            a0 += (uint32_t)(f[j] * x0[j]);
            if (pair)
                a1 += (uint32_t)(f[j] * x1[j]);
        }
#endif
        o0[oc] = conv_rq_out(a0, m0, -e0, k0, e0 - 1, act);
        if (pair)
            o1[oc] = conv_rq_out(a1, m0, -e0, k0, e0 - 1, act);
    }
}

/* Pixels lo, lo + 1 (pair) or lo alone of a contiguous run: widened into s, then every output
 * channel. The whole input of the step is in s before any output byte of it is stored. */
static void pw_pair(const ts_conv_s8_params *p, const conv_act *act, const int8_t *in, const int8_t *filter,
                    const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *out, int16_t *s)
{
    pw_widen(in, in + p->in_c, p->in_c, s, 1);
    pw_dot(p, act, s, filter, bias, mult, shift, out, out + p->out_c, 1);
}

static void pw_single(const ts_conv_s8_params *p, const conv_act *act, const int8_t *in, const int8_t *filter,
                      const int32_t *bias, const int32_t *mult, const int32_t *shift, int8_t *out, int16_t *s)
{
    pw_widen(in, in, p->in_c, s, 0);
    pw_dot(p, act, s, filter, bias, mult, shift, out, NULL, 0);
}

void ts_conv_1x1_s8(const ts_conv_s8_params *p, const int8_t *input, const int8_t *filter,
                    const int32_t *folded_bias, const int32_t *multiplier, const int32_t *shift, int8_t *output,
                    int16_t *scratch)
{
    const int32_t cin = p->in_c, cout = p->out_c;
    const int contiguous = p->in_row_pitch == p->in_w * cin && p->out_row_pitch == p->out_w * cout;
    const int32_t rows = contiguous ? 1 : p->batches * p->out_h;
    const int32_t n = contiguous ? p->batches * p->out_h * p->out_w : p->out_w;
    const conv_act act = conv_act_make(p, multiplier, shift);
    int32_t r, px;
    for (r = 0; r < rows; ++r) {
        const int8_t *in = input + (ptrdiff_t)r * p->in_row_pitch;
        int8_t *out = output + (ptrdiff_t)r * p->out_row_pitch;
        for (px = 0; px + 1 < n; px += 2)
            pw_pair(p, &act, in + (ptrdiff_t)px * cin, filter, folded_bias, multiplier, shift,
                    out + (ptrdiff_t)px * cout, scratch);
        if (px < n)
            pw_single(p, &act, in + (ptrdiff_t)px * cin, filter, folded_bias, multiplier, shift,
                      out + (ptrdiff_t)px * cout, scratch);
    }
}

void ts_conv_1x1_s8_inplace(const ts_conv_s8_params *p, const int8_t *input, const int8_t *filter,
                            const int32_t *folded_bias, const int32_t *multiplier, const int32_t *shift,
                            int8_t *output, int16_t *scratch, int32_t backward)
{
    const int32_t pixels = p->batches * p->in_h * p->in_w, cin = p->in_c, cout = p->out_c;
    const conv_act act = conv_act_make(p, multiplier, shift);
    int32_t k = 0;
    /* Two pixels at a time: the pair's outputs never cover an input read after the pair (the
     * contract's order), and the pair's own inputs are in scratch before its outputs are stored. */
    for (; k + 1 < pixels; k += 2) {
        const int32_t lo = backward ? pixels - 2 - k : k; /* the pair is pixels lo and lo + 1 */
        pw_pair(p, &act, input + (ptrdiff_t)lo * cin, filter, folded_bias, multiplier, shift,
                output + (ptrdiff_t)lo * cout, scratch);
    }
    if (k < pixels) {
        const int32_t px = backward ? 0 : pixels - 1;
        pw_single(p, &act, input + (ptrdiff_t)px * cin, filter, folded_bias, multiplier, shift,
                  output + (ptrdiff_t)px * cout, scratch);
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
