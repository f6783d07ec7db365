#include "reference/fixedpoint.h"

#include <algorithm>
#include <cmath>

namespace ts::ref {

void quantizeMultiplier(double realMultiplier, int32_t* quantizedMultiplier, int* shift)
{
    // Zero, negative, infinite and NaN multipliers only come from broken quantization parameters:
    // they give a zero multiplier rather than undefined behaviour.
    if (!(realMultiplier > 0.0) || !std::isfinite(realMultiplier)) {
        *quantizedMultiplier = 0;
        *shift = 0;
        return;
    }
    const double q = std::frexp(realMultiplier, shift);
    auto qFixed = static_cast<int64_t>(std::round(q * double(int64_t(1) << 31)));
    if (qFixed == (int64_t(1) << 31)) {
        qFixed /= 2;
        ++*shift;
    }
    // Very small multipliers flush to zero, as TFLite does.
    if (*shift < -31) {
        *shift = 0;
        qFixed = 0;
    }
    // Multipliers of 2^31 and more cannot be applied to an int32: saturate (TFLite aborts here).
    if (*shift > 31) {
        *shift = 31;
        qFixed = std::numeric_limits<int32_t>::max();
    }
    *quantizedMultiplier = static_cast<int32_t>(qFixed);
}

void quantizeMultiplierSmallerThanOneExp(double realMultiplier, int32_t* quantizedMultiplier, int* leftShift)
{
    int shift = 0;
    quantizeMultiplier(realMultiplier, quantizedMultiplier, &shift);
    *leftShift = shift;
}

void quantizeMultiplierGreaterThanOne(double realMultiplier, int32_t* quantizedMultiplier, int* leftShift)
{
    quantizeMultiplier(realMultiplier, quantizedMultiplier, leftShift);
}

int32_t saturatingRoundingDoublingHighMul(int32_t a, int32_t b)
{
    const bool overflow = a == b && a == std::numeric_limits<int32_t>::min();
    const int64_t ab = int64_t(a) * int64_t(b);
    const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    const auto high = static_cast<int32_t>((ab + nudge) / (int64_t(1) << 31));
    return overflow ? std::numeric_limits<int32_t>::max() : high;
}

int32_t roundingDivideByPOT(int32_t x, int exponent)
{
    // TFLite requires 0 <= exponent <= 31; beyond 31 every int32 rounds to 0.
    if (exponent <= 0)
        return x;
    if (exponent > 31)
        return 0;
    const int32_t mask = int32_t((int64_t(1) << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t multiplyByQuantizedMultiplier(int32_t x, int32_t quantizedMultiplier, int shift)
{
    const int leftShift = shift > 0 ? std::min(shift, 31) : 0;
    const int rightShift = shift > 0 ? 0 : -shift;
    return roundingDivideByPOT(saturatingRoundingDoublingHighMul(int32_t(uint32_t(x) << leftShift), quantizedMultiplier),
                               rightShift);
}

int32_t multiplyByQuantizedMultiplier(int64_t x, int32_t quantizedMultiplier, int shift)
{
    // TFLite's 64-bit variant (int16 kernels) in the default build: the multiplier is first
    // rounded to 15 bits, then one rounding shift.
    const int32_t reduced = quantizedMultiplier < 0x7FFF0000 ? (quantizedMultiplier + (1 << 15)) >> 16 : 0x7FFF;
    const int totalShift = 15 - shift;
    if (totalShift < 1 || totalShift > 62) // only from absurd scales (TFLite checks them before)
        return totalShift < 1 ? (x < 0 ? std::numeric_limits<int32_t>::min() : std::numeric_limits<int32_t>::max()) : 0;
    const int64_t result = int64_t(uint64_t(x) * uint64_t(int64_t(reduced))) + (int64_t(1) << (totalShift - 1));
    return int32_t(result >> totalShift);
}

int32_t multiplyByQuantizedMultiplierSmallerThanOneExp(int32_t x, int32_t quantizedMultiplier, int leftShift)
{
    return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x, quantizedMultiplier), -leftShift);
}

int32_t multiplyByQuantizedMultiplierGreaterThanOne(int32_t x, int32_t quantizedMultiplier, int leftShift)
{
    leftShift = std::clamp(leftShift, 0, 31);
    return saturatingRoundingDoublingHighMul(int32_t(uint32_t(x) << leftShift), quantizedMultiplier);
}

} // namespace ts::ref
