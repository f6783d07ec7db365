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

/* ---- Fast path: contiguous single-channel input (in_px == 1), dilation 1, compile-time kernel
 * size and stride. Exactly the reference arithmetic:
 *  - requantization: gemmlowp's SaturatingRoundingDoublingHighMul equals floor((a*b + 2^30) / 2^31)
 *    for both signs (the negative nudge 1 - 2^30 with truncation is the same floor), so one 64-bit
 *    multiply-add and a shift; saturation (a == b == INT32_MIN) and exponents above 31 keep the
 *    generic path (checked once per channel);
 *  - interior pixels: taps in registers, two output pixels per step sharing the input loads (on a
 *    DSP core one word load gives 4 taps: __sxtb16 splits even/odd bytes, __smlad/__smla** MAC);
 *  - rows cut by the top/bottom padding run the same loop over the rows inside (the input offset
 *    folded per row set); left/right border pixels clip their tap ranges once. */
typedef struct {
    int32_t mult, left, right, mask, half, off, lo, hi;
} dw_rq;

TS_INLINE int dw_rq_init(dw_rq *q, int32_t multiplier, int32_t shift, const ts_depthwise_s8_params *p)
{
    q->mult = multiplier;
    q->left = shift > 0 ? (shift > 31 ? 31 : shift) : 0;
    q->right = shift > 0 ? 0 : -shift;
    q->mask = q->right <= 31 ? (int32_t)(((int64_t)1 << q->right) - 1) : 0;
    q->half = q->mask >> 1;
    q->off = p->output_offset;
    q->lo = p->act_min;
    q->hi = p->act_max;
    return multiplier != INT32_MIN && q->right <= 31;
}

TS_INLINE int8_t dw_rq_out(uint32_t acc, const dw_rq *q)
{
    const int32_t x = (int32_t)(acc << q->left);
    const int64_t ab = (int64_t)x * q->mult + ((int64_t)1 << 30);
    const int32_t r = (int32_t)(uint32_t)((uint64_t)ab >> 31);
    const int32_t t = q->half + (int32_t)((uint32_t)r >> 31);
    int32_t v = (r >> q->right) + ((r & q->mask) > t ? 1 : 0);
    v = ts_add_wrap(v, q->off);
    v = v < q->lo ? q->lo : v;
    return (int8_t)(v > q->hi ? q->hi : v);
}

#if defined(__ARM_FEATURE_DSP) && !defined(TS_NO_DSP)
#include <arm_acle.h>
#define DW_DSP 1
TS_INLINE uint32_t dw_ld32(const int8_t *s)
{
    uint32_t w;
    memcpy(&w, s, 4);
    return w;
}
#else
#define DW_DSP 0
#endif

/* Left/right border pixel of the fast path: filter rows [fy0, fy1) (inside), columns clipped to
 * the input (zero-point padding skipped); the column test unrolls with the compile-time width. */
TS_INLINE int8_t dwf_edge(const int8_t *in, ptrdiff_t in_row, int32_t in_w, const int32_t *fr, const int32_t KW,
                          int32_t fy0, int32_t fy1, uint32_t bias, int32_t off, int32_t iy0, int32_t ix0, const dw_rq *q)
{
    const int32_t fx0 = ix0 < 0 ? -ix0 : 0, fx1 = in_w - ix0 < KW ? in_w - ix0 : KW;
    uint32_t acc = bias;
    int32_t fy, fx;
    for (fy = fy0; fy < fy1; ++fy) {
        const int8_t *row = in + (ptrdiff_t)(iy0 + fy) * in_row;
        DW_UNROLL
        for (fx = 0; fx < KW; ++fx)
            if (fx >= fx0 && fx < fx1)
                acc += (uint32_t)(fr[fy * KW + fx] * (row[ix0 + fx] + off));
    }
    return dw_rq_out(acc, q);
}

/* Interior pixels [x0, x1) of one output row over n filter rows (all inside the input): `s`
 * points at pixel x0's first tap, fr/fp at the first filter row used. */
TS_INLINE void dwf_span(const int8_t *s, ptrdiff_t in_row, const int32_t *fr, const int32_t *fp, const int32_t KW,
                        const int32_t SX, const int32_t n, uint32_t inner, int32_t x0, int32_t x1, const dw_rq *q,
                        int8_t *o, ptrdiff_t out_px)
{
    int32_t ox = x0, fy, fx;
    (void)fp;
    for (; ox + 1 < x1; ox += 2, s += 2 * SX) {
        uint32_t a0 = inner, a1 = inner;
#if DW_DSP
        if (KW == 3 && (SX == 1 || SX == 2)) {
            DW_UNROLL
            for (fy = 0; fy < n; ++fy) {
                const int8_t *r = s + fy * in_row;
                const int32_t w = (int32_t)dw_ld32(r);
                const int32_t ev = __sxtb16(w), od = __sxtb16((int32_t)(((uint32_t)w >> 8) | ((uint32_t)w << 24)));
                const int32_t f02 = fp[2 * fy], f1 = fp[2 * fy + 1];
                a0 = (uint32_t)__smlad(ev, f02, (int32_t)a0);
                a0 = (uint32_t)__smlabb(od, f1, (int32_t)a0);
                if (SX == 1) {
                    a1 = (uint32_t)__smlad(od, f02, (int32_t)a1);
                    a1 = (uint32_t)__smlatb(ev, f1, (int32_t)a1);
                } else {
                    a1 = (uint32_t)__smlatb(ev, f02, (int32_t)a1);
                    a1 = (uint32_t)__smlatb(od, f1, (int32_t)a1);
                    a1 = (uint32_t)__smlabt((int32_t)r[4], f02, (int32_t)a1);
                }
            }
        } else
#endif
        {
            DW_UNROLL
            for (fy = 0; fy < n; ++fy) {
                const int8_t *r = s + fy * in_row;
                DW_UNROLL
                for (fx = 0; fx < KW; ++fx) {
                    a0 += (uint32_t)(fr[fy * KW + fx] * r[fx]);
                    a1 += (uint32_t)(fr[fy * KW + fx] * r[fx + SX]);
                }
            }
        }
        o[ox * out_px] = dw_rq_out(a0, q);
        o[(ox + 1) * out_px] = dw_rq_out(a1, q);
    }
    if (ox < x1) {
        uint32_t a0 = inner;
        for (fy = 0; fy < n; ++fy) {
            const int8_t *r = s + fy * in_row;
            DW_UNROLL
            for (fx = 0; fx < KW; ++fx)
                a0 += (uint32_t)(fr[fy * KW + fx] * r[fx]);
        }
        o[ox * out_px] = dw_rq_out(a0, q);
    }
}

TS_INLINE void dwf_channel(const ts_depthwise_s8_params *p, const dw_interior *r, const int8_t *in, ptrdiff_t in_row,
                           const int8_t *f, const int32_t KH, const int32_t KW, const int32_t SX, uint32_t bias,
                           const dw_rq *q, int8_t *out, ptrdiff_t out_px, ptrdiff_t out_row)
{
    int32_t fr[49], fp[14];
    uint32_t rsum[7];
    const int32_t off = p->input_offset, sy = p->stride_h;
    int32_t oy, ox, i, fy;
    for (fy = 0; fy < KH; ++fy) {
        uint32_t s = 0u;
        for (i = 0; i < KW; ++i) {
            fr[fy * KW + i] = f[fy * KW + i];
            s += (uint32_t)f[fy * KW + i];
        }
        rsum[fy] = s;
        if (KW == 3) {
            fp[2 * fy] = (int32_t)(((uint32_t)f[fy * 3] & 0xFFFFu) | ((uint32_t)f[fy * 3 + 2] << 16));
            fp[2 * fy + 1] = f[fy * 3 + 1];
        }
    }
    for (oy = 0; oy < p->out_h; ++oy) {
        const int32_t iy0 = oy * sy - p->pad_top;
        const int32_t fy0 = iy0 < 0 ? -iy0 : 0, fy1 = p->in_h - iy0 < KH ? p->in_h - iy0 : KH;
        int8_t *o = out + (ptrdiff_t)oy * out_row;
        uint32_t inner = bias;
        if (fy1 <= fy0) {
            for (ox = 0; ox < p->out_w; ++ox)
                o[ox * out_px] = dw_rq_out(bias, q);
            continue;
        }
        for (fy = fy0; fy < fy1; ++fy)
            inner += (uint32_t)off * rsum[fy];
        for (ox = 0; ox < r->x_lo; ++ox)
            o[ox * out_px] = dwf_edge(in, in_row, p->in_w, fr, KW, fy0, fy1, bias, off, iy0, ox * SX - p->pad_left, q);
        if (r->x_lo < r->x_hi) {
            const int8_t *s = in + (ptrdiff_t)(iy0 + fy0) * in_row + (r->x_lo * SX - p->pad_left);
            if (fy0 == 0 && fy1 == KH)
                dwf_span(s, in_row, fr, fp, KW, SX, KH, inner, r->x_lo, r->x_hi, q, o, out_px);
            else
                dwf_span(s, in_row, fr + fy0 * KW, fp + 2 * fy0, KW, SX, fy1 - fy0, inner, r->x_lo, r->x_hi, q, o,
                         out_px);
        }
        for (ox = r->x_hi; ox < p->out_w; ++ox)
            o[ox * out_px] = dwf_edge(in, in_row, p->in_w, fr, KW, fy0, fy1, bias, off, iy0, ox * SX - p->pad_left, q);
    }
}

/* Fast channel when the geometry allows it (returns 0 otherwise: the caller runs dw_channel). */
TS_INLINE int dwf_try(const ts_depthwise_s8_params *p, const dw_interior *r, const int8_t *in, ptrdiff_t in_row,
                      const int8_t *f, const int32_t KH, const int32_t KW, uint32_t bias, int32_t mult, int32_t shift,
                      int8_t *out, ptrdiff_t out_px, ptrdiff_t out_row)
{
    dw_rq q;
    if (!dw_rq_init(&q, mult, shift, p) || p->dilation_h != 1 || p->dilation_w != 1)
        return 0;
    if (p->stride_w == 1)
        dwf_channel(p, r, in, in_row, f, KH, KW, 1, bias, &q, out, out_px, out_row);
    else if (p->stride_w == 2)
        dwf_channel(p, r, in, in_row, f, KH, KW, 2, bias, &q, out, out_px, out_row);
    else
        return 0;
    return 1;
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
            if (!(fixed && p->in_c == 1
                  && dwf_try(p, &r, input + b * in_batch, p->in_row_pitch, filter + (ptrdiff_t)oc * kh * kw, kh, kw,
                             bias ? (uint32_t)bias[oc] : 0u, multiplier[oc], shift[oc], output + b * out_batch + oc,
                             p->out_c, p->out_row_pitch)))
            dw_channel(p, &r, input + b * in_batch + oc / p->depth_multiplier, p->in_c, p->in_row_pitch,
                       filter + (ptrdiff_t)oc * kh * kw, kh, kw, fixed, bias ? (uint32_t)bias[oc] : 0u, multiplier[oc],
                       shift[oc], output + b * out_batch + oc, p->out_c, p->out_row_pitch);
}

/* In place, channel by channel through scratch (delta ≡ 0 mod C: output channel c only ever
 * lands on input channel c, which is already in scratch). Small maps: the channel goes into a
 * zero-point padded plane (the output's whole input window, bordered once per call), and the
 * channel kernels run over it as an unpadded map; every pixel takes the inner loop and the
 * padding's taps add f * (zp + input_offset) = 0, exactly the reference's skipped taps. */
/* One channel of `n` pixels `stride` bytes apart into `n` contiguous bytes (four loads before the
 * stores: the compiler need not assume `dst` aliases the next source byte). */
TS_INLINE void dw_gather(int8_t *dst, const int8_t *src, int32_t n, ptrdiff_t stride)
{
    const ptrdiff_t s2 = 2 * stride, s3 = 3 * stride, s4 = 4 * stride;
    int32_t i;
    for (i = 0; i + 4 <= n; i += 4, src += s4) {
        const int8_t v0 = src[0], v1 = src[stride], v2 = src[s2], v3 = src[s3];
        dst[i] = v0;
        dst[i + 1] = v1;
        dst[i + 2] = v2;
        dst[i + 3] = v3;
    }
    for (; i < n; ++i, src += stride)
        dst[i] = src[0];
}

TS_INLINE void dw_run_inplace(const ts_depthwise_s8_params *p, const int8_t *input, const int8_t *filter,
                              const int32_t *bias, const int32_t *multiplier, const int32_t *shift, int8_t *output,
                              int8_t *scratch, const int32_t kh, const int32_t kw, const int fixed)
{
    const int32_t c_count = p->in_c, pixels = p->in_h * p->in_w;
    const int padded = TS_DEPTHWISE_PLANE_BYTES(p) <= TS_DEPTHWISE_PLANE_MAX;
    ts_depthwise_s8_params pp = *p;
    dw_interior r;
    int32_t c, rows = p->in_h, cols = p->in_w;
    int8_t *dst0 = scratch;
    if (padded) {
        const int32_t ph = TS_DEPTHWISE_PLANE_H(p), pw = TS_DEPTHWISE_PLANE_W(p);
        memset(scratch, (int8_t)-p->input_offset, (size_t)ph * (size_t)pw);
        pp.in_h = ph, pp.in_w = pw, pp.in_row_pitch = pw, pp.pad_top = 0, pp.pad_left = 0;
        /* The input rows and columns inside the plane. */
        if (rows > ph - p->pad_top)
            rows = ph - p->pad_top;
        if (cols > pw - p->pad_left)
            cols = pw - p->pad_left;
        dst0 = scratch + (ptrdiff_t)p->pad_top * pw + p->pad_left;
    }
    r = dw_interior_of(&pp);
    for (c = 0; c < c_count; ++c) {
        const ptrdiff_t c1 = c_count;
        if (padded) {
            int32_t y;
            for (y = 0; y < rows; ++y)
                dw_gather(dst0 + (ptrdiff_t)y * pp.in_w, input + (ptrdiff_t)y * p->in_w * c_count + c, cols, c1);
        } else {
            dw_gather(scratch, input + c, pixels, c1);
        }
        if (fixed
            && dwf_try(&pp, &r, scratch, pp.in_w, filter + (ptrdiff_t)c * kh * kw, kh, kw, bias ? (uint32_t)bias[c] : 0u,
                       multiplier[c], shift[c], output + c, c_count, (ptrdiff_t)p->out_w * c_count))
            continue;
        dw_channel(&pp, &r, scratch, 1, pp.in_w, filter + (ptrdiff_t)c * kh * kw, kh, kw, fixed,
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

/* ---- One input channel (ts_depthwise_c1_s8): every output channel reads the same window, so
 * the kernel runs pixel by pixel over all channels. The filter comes pre-arranged by the code
 * generator (TS_DEPTHWISE_C1 layout in ts_depthwise.h): per filter row and 4-column group, for
 * each channel an (even taps, odd taps) pair of int16x2 words, zero beyond k_w; the bias folds
 * input_offset * (sum of the channel's taps). A pixel is
 *     bias' + sum over the k_h x k_w4 window of f * v,   v = the input, or -input_offset
 * (the zero point) for taps outside the input: exactly bias + sum over inside taps of
 * f * (x + input_offset), the reference. Pixels whose window lies inside read the input directly
 * (one word = 4 taps: __sxtb16 splits even/odd bytes, __smlad MACs a pair); the others first copy
 * their window into a zero-point padded patch on the stack. */
TS_INLINE int32_t dwc_lo(uint32_t w) { return (int32_t)(int16_t)(uint16_t)(w & 0xFFFFu); }
TS_INLINE int32_t dwc_hi(uint32_t w) { return (int32_t)w >> 16; /* arithmetic shift (GCC, Clang, MSVC) */ }

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 8
#define DWC_UNROLL _Pragma("GCC unroll 16")
#else
#define DWC_UNROLL
#endif


#if !DW_DSP && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Half k of the int16 pairs at w (little-endian: half 2i is word i's bits 0..15). */
TS_INLINE int32_t dwc_h16(const int32_t *w, int32_t k)
{
    int16_t v;
    memcpy(&v, (const unsigned char *)w + 2 * k, 2);
    return v;
}
#endif

/* Accumulates NC channels (filter words fw: the group's first channel at row 0, group 0; m2 =
 * 2 * out_c words between consecutive (row, group) blocks) over the window at s. */
TS_INLINE void dwc_dot(const int8_t *s, ptrdiff_t pitch, const int32_t *fw, ptrdiff_t m2, const int32_t KH,
                       const int32_t KQ, const int NC, uint32_t *acc)
{
    uint32_t a0 = acc[0], a1 = NC > 1 ? acc[1] : 0u, a2 = NC > 2 ? acc[2] : 0u, a3 = NC > 3 ? acc[3] : 0u;
    int32_t fy, q;
    for (fy = 0; fy < KH; ++fy, s += pitch, fw += KQ * m2) {
        DWC_UNROLL
        for (q = 0; q < KQ; ++q) {
            const int32_t *f = fw + q * m2;
#if DW_DSP
            const int32_t w = (int32_t)dw_ld32(s + 4 * q);
            const int32_t ev = __sxtb16(w), od = __sxtb16((int32_t)(((uint32_t)w >> 8) | ((uint32_t)w << 24)));
            a0 = (uint32_t)__smlad(od, f[1], __smlad(ev, f[0], (int32_t)a0));
            if (NC > 1)
                a1 = (uint32_t)__smlad(od, f[3], __smlad(ev, f[2], (int32_t)a1));
            if (NC > 2)
                a2 = (uint32_t)__smlad(od, f[5], __smlad(ev, f[4], (int32_t)a2));
            if (NC > 3)
                a3 = (uint32_t)__smlad(od, f[7], __smlad(ev, f[6], (int32_t)a3));
#else
            const int8_t *r = s + 4 * q;
            const int32_t v0 = r[0], v1 = r[1], v2 = r[2], v3 = r[3];
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            /* little-endian: the int16 halves are read in place (one ldrsh each) */
#define DWC_MAC(a, j)                                                                                               \
    a += (uint32_t)(v0 * dwc_h16(f, 4 * (j))) + (uint32_t)(v2 * dwc_h16(f, 4 * (j) + 1))                          \
        + (uint32_t)(v1 * dwc_h16(f, 4 * (j) + 2)) + (uint32_t)(v3 * dwc_h16(f, 4 * (j) + 3))
#else
#define DWC_MAC(a, j)                                                                                               \
    a += (uint32_t)(v0 * dwc_lo((uint32_t)f[2 * (j)])) + (uint32_t)(v2 * dwc_hi((uint32_t)f[2 * (j)]))            \
        + (uint32_t)(v1 * dwc_lo((uint32_t)f[2 * (j) + 1])) + (uint32_t)(v3 * dwc_hi((uint32_t)f[2 * (j) + 1]))
#endif
            DWC_MAC(a0, 0);
            if (NC > 1)
                DWC_MAC(a1, 1);
            if (NC > 2)
                DWC_MAC(a2, 2);
            if (NC > 3)
                DWC_MAC(a3, 3);
#undef DWC_MAC
#endif
        }
    }
    acc[0] = a0;
    if (NC > 1)
        acc[1] = a1;
    if (NC > 2)
        acc[2] = a2;
    if (NC > 3)
        acc[3] = a3;
}

/* Requantization of one channel, exactly ts_requantize (see dw_rq_out) for a right shift e in
 * 1..30 with the multiplier != INT32_MIN: h = floor((acc * m + 2^30) / 2^31), then
 * round-half-away-from-zero division by 2^e as (h >> e) + ((h & mask) + 2^(e-1) - (h < 0)) >> e
 * (the sum lies in [0, 2^(e+1)): no overflow). Other channels take dw_output. */
typedef struct {
    int32_t mult, e, mask, half, fast, shift;
} dwc_rq;

TS_INLINE void dwc_rq_init(dwc_rq *q, int32_t mult, int32_t shift)
{
    q->mult = mult;
    q->shift = shift;
    q->fast = mult != INT32_MIN && shift <= -1 && shift >= -30;
    q->e = q->fast ? -shift : 1;
    q->mask = (int32_t)(((uint32_t)1 << q->e) - 1u);
    q->half = (int32_t)((uint32_t)1 << (q->e - 1));
}

TS_INLINE int8_t dwc_out_fast(uint32_t acc, const dwc_rq *q, const ts_depthwise_s8_params *p)
{
    int32_t h, v;
    h = (int32_t)(uint32_t)((uint64_t)((int64_t)(int32_t)acc * q->mult + ((int64_t)1 << 30)) >> 31);
    v = (h >> q->e) + (int32_t)(((uint32_t)(h & q->mask) + (uint32_t)q->half + (uint32_t)(h >> 31)) >> q->e);
    v = ts_add_wrap(v, p->output_offset);
    v = v < p->act_min ? p->act_min : v;
    return (int8_t)(v > p->act_max ? p->act_max : v);
}

TS_INLINE int8_t dwc_out(uint32_t acc, const dwc_rq *q, const ts_depthwise_s8_params *p)
{
    return q->fast ? dwc_out_fast(acc, q, p) : dw_output(acc, q->mult, q->shift, p);
}

/* Sum of channel j's taps in filter row fy (all 4 * KQ columns; the padding ones are 0). */
TS_INLINE uint32_t dwc_rowsum(const int32_t *fw, ptrdiff_t m2, int32_t fy, int32_t KQ, int32_t j)
{
    uint32_t s = 0u;
    int32_t q;
    for (q = 0; q < KQ; ++q) {
        const int32_t *f = fw + (fy * KQ + q) * m2 + 2 * j;
        s += (uint32_t)(dwc_lo((uint32_t)f[0]) + dwc_hi((uint32_t)f[0]) + dwc_lo((uint32_t)f[1]) + dwc_hi((uint32_t)f[1]));
    }
    return s;
}

/* NC (1, 2 or 4) channels starting at the filter words fw (bias, multiplier, shift and output
 * already offset to the group) over the whole map of one batch. Per output row, the filter rows
 * [fy0, fy1) inside the input are summed and the outside ones (all taps on the zero point) fold
 * into the row's starting accumulator; the columns cut by the left/right padding go through a
 * zero-point padded patch of those rows. */
TS_INLINE void dwc_group(const ts_depthwise_s8_params *p, int32_t x_lo, int32_t x_hi, const int8_t *in,
                         const int32_t *fw, const int32_t *bias, const int32_t *multiplier, const int32_t *shift,
                         int8_t *out, const int32_t KH, const int32_t KQ, const int NC)
{
    union {
        uint32_t align;
        int8_t b[TS_DEPTHWISE_C1_MAX_PATCH];
    } patch;
    dwc_rq q[4];
    uint32_t acc[4], start[4];
    const int32_t kw4 = 4 * KQ, zp = -p->input_offset, m = p->out_c;
    const ptrdiff_t in_row = p->in_row_pitch, m2 = 2 * (ptrdiff_t)m;
    int32_t oy, ox, fy, fx, j, fast = 1;
    (void)patch.align;
    for (j = 0; j < NC; ++j) {
        dwc_rq_init(&q[j], multiplier[j], shift[j]);
        fast &= q[j].fast;
    }
    for (oy = 0; oy < p->out_h; ++oy) {
        const int32_t iy0 = oy * p->stride_h - p->pad_top;
        int32_t fy0 = iy0 < 0 ? -iy0 : 0, fy1 = p->in_h - iy0 < KH ? p->in_h - iy0 : KH, n;
        const int32_t *fr;
        int8_t *o = out + (ptrdiff_t)oy * p->out_row_pitch;
        if (fy0 > KH)
            fy0 = KH;
        if (fy1 < fy0)
            fy1 = fy0;
        n = fy1 - fy0;
        fr = fw + fy0 * KQ * m2;
        for (j = 0; j < NC; ++j) {
            uint32_t outside = 0u;
            for (fy = 0; fy < fy0; ++fy)
                outside += dwc_rowsum(fw, m2, fy, KQ, j);
            for (fy = fy1; fy < KH; ++fy)
                outside += dwc_rowsum(fw, m2, fy, KQ, j);
            start[j] = (uint32_t)bias[j] + (uint32_t)zp * outside;
        }
        for (ox = 0; ox < p->out_w; ++ox, o += m) {
            const int32_t ix0 = ox * p->stride_w - p->pad_left;
            const int8_t *src;
            ptrdiff_t pitch;
            for (j = 0; j < NC; ++j)
                acc[j] = start[j];
            if (ox >= x_lo && ox < x_hi) {
                src = in + (ptrdiff_t)(iy0 + fy0) * in_row + ix0;
                pitch = in_row;
            } else {
                const int32_t fx0 = ix0 < 0 ? (-ix0 < kw4 ? -ix0 : kw4) : 0;
                const int32_t fx1 = p->in_w - ix0 < kw4 ? (p->in_w - ix0 > fx0 ? p->in_w - ix0 : fx0) : kw4;
                for (fy = 0; fy < n; ++fy) {
                    const int8_t *r = in + (ptrdiff_t)(iy0 + fy0 + fy) * in_row + ix0;
                    int8_t *d = patch.b + fy * kw4;
                    DWC_UNROLL
                    for (fx = 0; fx < kw4; fx += 4) {
                        int8_t t[4];
                        int32_t k;
                        if (fx >= fx0 && fx + 4 <= fx1)
                            memcpy(t, r + fx, 4);
                        else
                            for (k = 0; k < 4; ++k)
                                t[k] = fx + k >= fx0 && fx + k < fx1 ? r[fx + k] : (int8_t)zp;
                        memcpy(d + fx, t, 4);
                    }
                }
                src = patch.b;
                pitch = kw4;
            }
            dwc_dot(src, pitch, fr, m2, n, KQ, NC, acc);
            if (fast) {
#if !DW_DSP
                DWC_UNROLL /* (on DSP cores the unrolled outputs crowd the dot's registers) */
#endif
                for (j = 0; j < NC; ++j)
                    o[j] = dwc_out_fast(acc[j], &q[j], p);
            } else {
                for (j = 0; j < NC; ++j)
                    o[j] = dwc_out(acc[j], &q[j], p);
            }
        }
    }
}

TS_INLINE void dwc_run(const ts_depthwise_s8_params *p, const int8_t *input, const int32_t *filter, const int32_t *bias,
                       const int32_t *multiplier, const int32_t *shift, int8_t *output, const int32_t KH,
                       const int32_t KQ)
{
    const int32_t m = p->out_c;
    int32_t x_lo, x_hi, b, c;
    dw_axis(p->in_w, p->out_w, 4 * KQ, p->stride_w, 1, p->pad_left, &x_lo, &x_hi);
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in = input + (ptrdiff_t)b * p->in_h * p->in_row_pitch;
        int8_t *out = output + (ptrdiff_t)b * p->out_h * p->out_row_pitch;
        for (c = 0; c + 4 <= m; c += 4)
            dwc_group(p, x_lo, x_hi, in, filter + 2 * c, bias + c, multiplier + c, shift + c, out + c, KH, KQ, 4);
        if (c + 2 <= m) {
            dwc_group(p, x_lo, x_hi, in, filter + 2 * c, bias + c, multiplier + c, shift + c, out + c, KH, KQ, 2);
            c += 2;
        }
        if (c < m)
            dwc_group(p, x_lo, x_hi, in, filter + 2 * c, bias + c, multiplier + c, shift + c, out + c, KH, KQ, 1);
    }
}

void ts_depthwise_c1_s8(const ts_depthwise_s8_params *p, const int8_t *input, const int32_t *filter,
                        const int32_t *bias, const int32_t *multiplier, const int32_t *shift, int8_t *output)
{
    const int32_t kq = (p->k_w + 3) / 4;
    if (p->k_h < 1 || kq < 1 || (int64_t)p->k_h * 4 * kq > TS_DEPTHWISE_C1_MAX_PATCH)
        return; /* outside the contract (the code generator never emits it): no byte written */
    if (p->k_h == 10 && kq == 2)
        dwc_run(p, input, filter, bias, multiplier, shift, output, 10, 2);
    else if (kq == 1)
        dwc_run(p, input, filter, bias, multiplier, shift, output, p->k_h, 1);
    else if (kq == 2)
        dwc_run(p, input, filter, bias, multiplier, shift, output, p->k_h, 2);
    else
        dwc_run(p, input, filter, bias, multiplier, shift, output, p->k_h, kq);
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
