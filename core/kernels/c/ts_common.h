/* TinyStudio kernels: what every kernel shares. Portable C99, no dynamic memory, no floating point
 * in int8 paths. The fixed-point helpers round exactly as TFLite's reference kernels (gemmlowp,
 * TFLM's default double-rounding MultiplyByQuantizedMultiplier). */
#ifndef TS_COMMON_H
#define TS_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define TS_INLINE static inline __attribute__((always_inline))
#else
#define TS_INLINE static inline
#endif

#ifdef __cplusplus
#define TS_RESTRICT __restrict
extern "C" {
#else
#define TS_RESTRICT restrict
#endif

/* Two's-complement int32 wrap-around add (an int32 accumulator on the target). */
TS_INLINE int32_t ts_add_wrap(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }

TS_INLINE int32_t ts_clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* gemmlowp SaturatingRoundingDoublingHighMul. */
TS_INLINE int32_t ts_sat_doubling_high_mul(int32_t a, int32_t b)
{
    const int64_t ab = (int64_t)a * (int64_t)b;
    const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    if (a == b && a == INT32_MIN)
        return INT32_MAX;
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* gemmlowp RoundingDivideByPOT: round half away from zero; exponent 0..31 (beyond 31: 0). */
TS_INLINE int32_t ts_rounding_divide_by_pot(int32_t x, int exponent)
{
    int32_t mask, remainder, threshold;
    if (exponent <= 0)
        return x;
    if (exponent > 31)
        return 0;
    mask = (int32_t)(((int64_t)1 << exponent) - 1);
    remainder = x & mask;
    threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* TFLite MultiplyByQuantizedMultiplier (double rounding): x * multiplier * 2^(shift - 31). */
TS_INLINE int32_t ts_requantize(int32_t x, int32_t multiplier, int32_t shift)
{
    const int left = shift > 0 ? (shift > 31 ? 31 : shift) : 0;
    const int right = shift > 0 ? 0 : -shift;
    return ts_rounding_divide_by_pot(ts_sat_doubling_high_mul((int32_t)((uint32_t)x << left), multiplier), right);
}

/* TFLite's 64-bit MultiplyByQuantizedMultiplier (int16 paths): multiplier rounded to 15 bits, one
 * rounding shift. */
TS_INLINE int32_t ts_requantize64(int64_t x, int32_t multiplier, int32_t shift)
{
    const int32_t reduced = multiplier < 0x7FFF0000 ? (multiplier + (1 << 15)) >> 16 : 0x7FFF;
    const int total = 15 - shift;
    int64_t r;
    if (total < 1)
        return x < 0 ? INT32_MIN : INT32_MAX;
    if (total > 62)
        return 0;
    r = (int64_t)((uint64_t)x * (uint64_t)(int64_t)reduced) + ((int64_t)1 << (total - 1));
    return (int32_t)(r >> total);
}

/* MultiplyByQuantizedMultiplierSmallerThanOneExp / GreaterThanOne (softmax, logistic, add). */
TS_INLINE int32_t ts_requantize_lt1(int32_t x, int32_t multiplier, int32_t left_shift)
{
    return ts_rounding_divide_by_pot(ts_sat_doubling_high_mul(x, multiplier), -left_shift);
}
TS_INLINE int32_t ts_requantize_gt1(int32_t x, int32_t multiplier, int32_t left_shift)
{
    const int s = left_shift < 0 ? 0 : (left_shift > 31 ? 31 : left_shift);
    return ts_sat_doubling_high_mul((int32_t)((uint32_t)x << s), multiplier);
}

#ifdef __cplusplus
}
#endif

#endif /* TS_COMMON_H */
