#pragma once
// TFLite's fixed-point arithmetic (as in TFLite/TFLM's reference kernels and gemmlowp), written out
// plainly. Every int8 kernel of the reference interpreter goes through these helpers.

#include <cstdint>
#include <limits>

namespace ts::ref {

// real_multiplier = quantized_multiplier * 2^(shift - 31), quantized_multiplier in [2^30, 2^31).
void quantizeMultiplier(double realMultiplier, int32_t* quantizedMultiplier, int* shift);
// For multipliers in (0, 1): shift <= 0.
void quantizeMultiplierSmallerThanOneExp(double realMultiplier, int32_t* quantizedMultiplier, int* leftShift);
// For multipliers > 1 (softmax input scaling).
void quantizeMultiplierGreaterThanOne(double realMultiplier, int32_t* quantizedMultiplier, int* leftShift);

// gemmlowp SaturatingRoundingDoublingHighMul.
int32_t saturatingRoundingDoublingHighMul(int32_t a, int32_t b);
// gemmlowp RoundingDivideByPOT (round half away from zero).
int32_t roundingDivideByPOT(int32_t x, int exponent);
// TFLite MultiplyByQuantizedMultiplier (double rounding, TFLM's default build).
int32_t multiplyByQuantizedMultiplier(int32_t x, int32_t quantizedMultiplier, int shift);
int32_t multiplyByQuantizedMultiplier(int64_t x, int32_t quantizedMultiplier, int shift);
int32_t multiplyByQuantizedMultiplierSmallerThanOneExp(int32_t x, int32_t quantizedMultiplier, int leftShift);
int32_t multiplyByQuantizedMultiplierGreaterThanOne(int32_t x, int32_t quantizedMultiplier, int leftShift);

// Two's-complement int32 addition and subtraction: what an int32 accumulator does on the target when
// a sum overflows (signed overflow is undefined in C++; absurd weights or scales get there).
inline int32_t addWrap(int32_t a, int32_t b) { return int32_t(uint32_t(a) + uint32_t(b)); }
inline int32_t subWrap(int32_t a, int32_t b) { return int32_t(uint32_t(a) - uint32_t(b)); }

// TfLiteRound: round half away from zero.
inline float roundHalfAway(float x) { return x >= 0 ? float(int64_t(x + 0.5f)) : -float(int64_t(-x + 0.5f)); }

template <typename T>
T clampTo(int32_t v)
{
    if (v < int32_t(std::numeric_limits<T>::min()))
        return std::numeric_limits<T>::min();
    if (v > int32_t(std::numeric_limits<T>::max()))
        return std::numeric_limits<T>::max();
    return T(v);
}

} // namespace ts::ref
