// Reference SOFTMAX, LOG_SOFTMAX, LOGISTIC and TANH (int8 and float32; int8 softmax also to an int16
// output), computed the way TFLite Micro's reference kernels compute them: the quantized paths use
// gemmlowp's fixed-point exp / reciprocal / log / logistic / tanh, re-implemented below on plain
// int32 raw values (the number of integer bits of each value is passed explicitly).

#include "reference/fixedpoint.h"
#include "reference/registry.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ts::ref {

namespace {

// ---------------------------------------------------------------------------------------------
// gemmlowp-style fixed point on raw int32 values. A value "Qn" has n integer bits and 31 - n
// fractional bits.

constexpr int32_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int32_t kInt32Max = std::numeric_limits<int32_t>::max();

// Two's-complement wrapping arithmetic (gemmlowp's scalar Add/Sub/Neg are plain int arithmetic).
int32_t wrapAdd(int32_t a, int32_t b) { return int32_t(uint32_t(a) + uint32_t(b)); }
int32_t wrapSub(int32_t a, int32_t b) { return int32_t(uint32_t(a) - uint32_t(b)); }
int32_t wrapNeg(int32_t a) { return int32_t(0u - uint32_t(a)); }

// Product of two fixed-point numbers: Qa * Qb -> Q(a+b).
int32_t fpMul(int32_t a, int32_t b) { return saturatingRoundingDoublingHighMul(a, b); }

// Multiply by 2^exponent: saturating for a left shift, rounding to nearest for a right shift.
int32_t saturatingRoundingMulByPOT(int32_t x, int exponent)
{
    if (exponent == 0)
        return x;
    if (exponent < 0)
        return roundingDivideByPOT(x, -exponent);
    const int32_t threshold = int32_t((int64_t(1) << (31 - exponent)) - 1);
    if (x > threshold)
        return kInt32Max;
    if (x < -threshold)
        return kInt32Min;
    return int32_t(uint32_t(x) << exponent);
}

// Change the number of integer bits of a value (gemmlowp Rescale).
int32_t rescale(int32_t x, int srcIntegerBits, int dstIntegerBits)
{
    return saturatingRoundingMulByPOT(x, srcIntegerBits - dstIntegerBits);
}

// (a + b) / 2 rounded half away from zero.
int32_t roundingHalfSum(int32_t a, int32_t b)
{
    const int64_t sum = int64_t(a) + int64_t(b);
    const int64_t sign = sum >= 0 ? 1 : -1;
    return int32_t((sum + sign) / 2);
}

int32_t saturatingAdd32(int32_t a, int32_t b)
{
    const int64_t s = int64_t(a) + int64_t(b);
    return int32_t(std::clamp<int64_t>(s, kInt32Min, kInt32Max));
}

int32_t saturatingSub32(int32_t a, int32_t b)
{
    const int64_t s = int64_t(a) - int64_t(b);
    return int32_t(std::clamp<int64_t>(s, kInt32Min, kInt32Max));
}

int countLeadingZeros(uint32_t x)
{
    if (x == 0)
        return 32;
    int n = 0;
    while (!(x & 0x80000000u)) {
        x <<= 1;
        ++n;
    }
    return n;
}

// exp(a) for a in [-1/4, 0), a and result in Q0.
int32_t expOnIntervalMinusQuarterToZero(int32_t a)
{
    const int32_t expMinusEighth = 1895147668; // exp(-1/8)
    const int32_t oneThird = 715827883;
    // Taylor expansion around -1/8: x = a + 1/8.
    const int32_t x = wrapAdd(a, int32_t(1) << 28);
    const int32_t x2 = fpMul(x, x);
    const int32_t x3 = fpMul(x2, x);
    const int32_t x4 = fpMul(x2, x2);
    const int32_t x4Over4 = saturatingRoundingMulByPOT(x4, -2);
    const int32_t poly = saturatingRoundingMulByPOT(wrapAdd(fpMul(wrapAdd(x4Over4, x3), oneThird), x2), -1);
    return wrapAdd(expMinusEighth, fpMul(expMinusEighth, wrapAdd(x, poly)));
}

// exp(a) for a <= 0; a has `integerBits` integer bits, the result is Q0.
int32_t expOnNegativeValues(int32_t a, int integerBits)
{
    const int fractionalBits = 31 - integerBits;
    const int32_t oneQuarter = int32_t(1) << (fractionalBits - 2);
    const int32_t mask = oneQuarter - 1;
    const int32_t aModQuarterMinusQuarter = wrapSub(a & mask, oneQuarter);
    int32_t result = expOnIntervalMinusQuarterToZero(rescale(aModQuarterMinusQuarter, integerBits, 0));
    const int32_t remainder = wrapSub(aModQuarterMinusQuarter, a);

    // exp(-2^e) for e = -2 .. 4, in Q0.
    struct Step {
        int exponent;
        int32_t multiplier;
    };
    static constexpr Step steps[] = {{-2, 1672461947}, {-1, 1302514674}, {0, 790015084}, {1, 290630308},
                                     {2, 39332535},    {3, 720401},      {4, 242}};
    for (const Step& s : steps) {
        if (integerBits > s.exponent) {
            const int shift = fractionalBits + s.exponent;
            if (remainder & (int32_t(1) << shift))
                result = fpMul(result, s.multiplier);
        }
    }

    if (integerBits > 5) {
        const int32_t clamp = -(int32_t(1) << (36 - integerBits)); // -32
        if (a < clamp)
            result = 0;
    }
    if (a == 0)
        result = kInt32Max; // one
    return result;
}

// Newton-Raphson iterations on x ~ 1 / half_denominator, x in Q2, for a in Q0 in (0, 1).
int32_t newtonReciprocalQ2(int32_t halfDenominator)
{
    const int32_t c48Over17 = 1515870810;      // Q2
    const int32_t cMinus32Over17 = -1010580540; // Q2
    const int32_t oneQ2 = int32_t(1) << 29;
    int32_t x = wrapAdd(c48Over17, fpMul(halfDenominator, cMinus32Over17));
    for (int i = 0; i < 3; ++i) {
        const int32_t halfDenominatorTimesX = fpMul(halfDenominator, x);         // Q2
        const int32_t oneMinus = wrapSub(oneQ2, halfDenominatorTimesX);          // Q2
        x = wrapAdd(x, rescale(fpMul(x, oneMinus), 4, 2));                       // Q4 -> Q2
    }
    return x;
}

// 1 / (1 + a) for a in [0, 1), Q0 in and out.
int32_t oneOverOnePlusX(int32_t a)
{
    const int32_t x = newtonReciprocalQ2(roundingHalfSum(a, kInt32Max));
    // x / 2 reinterpreted as Q1, then to Q0.
    return rescale(x, 1, 0);
}

// (1 - a) / (1 + a) for a in [0, 1), Q0 in and out.
int32_t oneMinusXOverOnePlusX(int32_t a)
{
    const int32_t x = newtonReciprocalQ2(roundingHalfSum(a, kInt32Max));
    return rescale(wrapSub(x, int32_t(1) << 29), 2, 0);
}

// logistic(a) with a in Q(integerBits), result Q0.
int32_t fixedLogistic(int32_t a, int integerBits)
{
    const int32_t absInput = a > 0 ? a : wrapNeg(a);
    const int32_t ifPositive = oneOverOnePlusX(expOnNegativeValues(wrapNeg(absInput), integerBits));
    const int32_t ifNegative = wrapSub(kInt32Max, ifPositive);
    if (a == 0)
        return int32_t(1) << 30; // one half
    return a > 0 ? ifPositive : ifNegative;
}

// tanh(a) with a in Q(integerBits), result Q0.
int32_t fixedTanh(int32_t a, int integerBits)
{
    const int32_t negAbs = a < 0 ? a : wrapNeg(a);
    // exp(2 * negAbs): the same raw value read with one more integer bit.
    const int32_t t = oneMinusXOverOnePlusX(expOnNegativeValues(negAbs, integerBits + 1));
    if (a == 0)
        return 0;
    return a < 0 ? wrapNeg(t) : t;
}

// TFLite's SaturatingRoundingMultiplyByPOTParam (only used with non-negative exponents).
int32_t saturatingMulByPOTParam(int32_t x, int exponent)
{
    return saturatingRoundingMulByPOT(x, exponent);
}

// log(x) for x >= 1; x in Q(inputIntegerBits), result in Q(outputIntegerBits).
int32_t logXForXGreaterOrEqualTo1(int32_t inputRaw, int inputIntegerBits, int outputIntegerBits)
{
    const int accumBits = outputIntegerBits + 1;
    const int32_t log2 = 1488522236;
    const int32_t sqrtSqrtHalf = 1805811301;
    const int32_t sqrtHalf = 1518500250;
    const int32_t oneQuarter = 536870912;
    const int32_t alphaN = 117049297;
    const int32_t alphaD = 127690142;
    const int32_t alphaI = 1057819769;
    const int32_t alphaF = 638450708;

    const int32_t shiftedQuarter = rescale(oneQuarter, 0, accumBits);

    // The input's raw value read as Q0; the power of two is worked out from the headroom.
    const int32_t zA = inputRaw;
    const int zAHeadroomPlus1 = countLeadingZeros(uint32_t(zA));
    const int32_t rATmp = saturatingMulByPOTParam(zA, zAHeadroomPlus1 - 1);
    const int32_t rA = saturatingMulByPOTParam(fpMul(rATmp, sqrtHalf), 1);
    const int32_t zAPow2Adj =
        saturatingAdd32(saturatingMulByPOTParam(int32_t(inputIntegerBits - zAHeadroomPlus1), 31 - accumBits),
                        shiftedQuarter);

    const int32_t zB = fpMul(zA, sqrtHalf);
    const int zBHeadroom = countLeadingZeros(uint32_t(zB)) - 1;
    const int32_t rB = saturatingMulByPOTParam(zA, zBHeadroom);
    const int32_t zBPow2Adj =
        saturatingSub32(saturatingMulByPOTParam(int32_t(inputIntegerBits - zBHeadroom), 31 - accumBits),
                        shiftedQuarter);

    const int32_t r = std::min(rA, rB);
    const int32_t zPow2Adj = std::max(zAPow2Adj, zBPow2Adj); // Q(accumBits)

    const int32_t p = roundingHalfSum(r, sqrtSqrtHalf);
    int32_t q = wrapSub(r, sqrtSqrtHalf);
    q = wrapAdd(q, q);

    const int32_t commonSq = fpMul(q, q);
    const int32_t num = wrapAdd(fpMul(q, r), fpMul(fpMul(q, commonSq), alphaN));
    const int32_t denomMinusOne =
        wrapAdd(fpMul(p, wrapAdd(wrapAdd(alphaI, q), fpMul(alphaD, commonSq))), fpMul(alphaF, q));
    const int32_t recipDenom = oneOverOnePlusX(denomMinusOne);

    const int32_t numScaled = rescale(num, 0, accumBits);
    const int32_t sum = wrapAdd(fpMul(zPow2Adj, log2), fpMul(numScaled, recipDenom)); // Q(accumBits)
    return rescale(sum, accumBits, outputIntegerBits);
}

// TFLite's GetReciprocal: 1/x for x in Q(integerBits), as a Q0 value and a power of two.
int32_t getReciprocal(int32_t x, int integerBits, int* numBitsOverUnit)
{
    const int headroomPlusOne = countLeadingZeros(uint32_t(x));
    *numBitsOverUnit = integerBits - headroomPlusOne;
    const int32_t shiftedSumMinusOne = int32_t((uint32_t(x) << headroomPlusOne) - (uint32_t(1) << 31));
    return oneOverOnePlusX(shiftedSumMinusOne);
}

// ---------------------------------------------------------------------------------------------
// Parameter preparation (TFLite's quantization_util, default build: no single rounding, no
// float emulation).

// beta * input_scale as a Q(inputIntegerBits) multiplier.
void preprocessSoftmaxScaling(double beta, double inputScale, int inputIntegerBits, int32_t* multiplier,
                              int* leftShift)
{
    const double maxRealMultiplier = double((int64_t(1) << 31) - 1);
    const double real = std::min(beta * inputScale * double(1 << (31 - inputIntegerBits)), maxRealMultiplier);
    quantizeMultiplierGreaterThanOne(real, multiplier, leftShift);
}

int calculateInputRadius(int inputIntegerBits, int inputLeftShift, int totalSignedBits = 31)
{
    // Powers of two through ldexp: exact, and defined for any shift an odd scale produces.
    const double maxInputRescaled = 1.0 * double((1 << inputIntegerBits) - 1)
        * std::ldexp(1.0, totalSignedBits - inputIntegerBits) / std::ldexp(1.0, inputLeftShift);
    return int(std::min(std::floor(maxInputRescaled), double(std::numeric_limits<int>::max())));
}

// Rows of the last dimension: outer count and depth.
bool rowsOf(const Tensor& x, const Tensor& y, int64_t* outer, int* depth)
{
    if (x.shape.empty())
        return false;
    const int64_t n = elements(x);
    if (n != elements(y))
        return false;
    *depth = x.shape.back();
    if (*depth <= 0) {
        *outer = 0;
        return n == 0;
    }
    *outer = n / *depth;
    return true;
}

std::string checkBytes(Tensors& t, const Op& op, int inBytes, int outBytes)
{
    if (op.inputs.empty() || op.outputs.empty())
        return "expects one input and one output";
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& y = t.info(op.outputs[0]);
    if (t.bytes(op.inputs[0]).size() < size_t(elements(x)) * size_t(inBytes))
        return "input buffer too small";
    if (t.bytes(op.outputs[0]).size() < size_t(elements(y)) * size_t(outBytes))
        return "output buffer too small";
    if (elements(x) != elements(y))
        return "input " + shapeString(x.shape) + " and output " + shapeString(y.shape) + " differ in size";
    return {};
}

// ---------------------------------------------------------------------------------------------
// SOFTMAX

float softmaxBeta(const Op& op)
{
    const auto* o = std::get_if<SoftmaxOptions>(&op.options);
    return o ? o->beta : 1.0f;
}

template <typename OutT>
std::string softmaxInt8To(Tensors& t, const Op& op)
{
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& y = t.info(op.outputs[0]);
    int64_t outer = 0;
    int depth = 0;
    if (!rowsOf(x, y, &outer, &depth))
        return "input " + shapeString(x.shape) + " does not match output " + shapeString(y.shape);

    constexpr int kScaledDiffIntegerBits = 5;
    constexpr int kAccumulationIntegerBits = 12;
    int32_t multiplier = 0;
    int leftShift = 0;
    preprocessSoftmaxScaling(double(softmaxBeta(op)), double(scaleOf(x)), kScaledDiffIntegerBits, &multiplier,
                             &leftShift);
    const int diffMin = int(-1.0 * calculateInputRadius(kScaledDiffIntegerBits, leftShift));

    const int8_t* in = t.in<int8_t>(op.inputs[0]);
    OutT* out = t.out<OutT>(op.outputs[0]);
    constexpr int32_t outMin = std::numeric_limits<OutT>::min();
    constexpr int32_t outMax = std::numeric_limits<OutT>::max();
    for (int64_t i = 0; i < outer; ++i) {
        const int8_t* row = in + i * depth;
        OutT* dst = out + i * depth;
        int8_t maxInRow = std::numeric_limits<int8_t>::min();
        for (int c = 0; c < depth; ++c)
            maxInRow = std::max(maxInRow, row[c]);

        int32_t sumOfExps = 0; // Q12
        for (int c = 0; c < depth; ++c) {
            const int32_t diff = int32_t(row[c]) - maxInRow;
            if (diff >= diffMin) {
                const int32_t scaled = multiplyByQuantizedMultiplierGreaterThanOne(diff, multiplier, leftShift);
                sumOfExps = wrapAdd(sumOfExps,
                                    rescale(expOnNegativeValues(scaled, kScaledDiffIntegerBits), 0,
                                            kAccumulationIntegerBits));
            }
        }

        int numBitsOverUnit = 0;
        const int32_t shiftedScale = getReciprocal(sumOfExps, kAccumulationIntegerBits, &numBitsOverUnit);
        const int exponent = numBitsOverUnit + 31 - int(sizeof(OutT) * 8);
        if (exponent < 0 || exponent > 31)
            return "softmax reciprocal exponent out of range";

        for (int c = 0; c < depth; ++c) {
            const int32_t diff = int32_t(row[c]) - maxInRow;
            if (diff >= diffMin) {
                const int32_t scaled = multiplyByQuantizedMultiplierGreaterThanOne(diff, multiplier, leftShift);
                const int32_t e = expOnNegativeValues(scaled, kScaledDiffIntegerBits);
                const int32_t unsat = roundingDivideByPOT(fpMul(shiftedScale, e), exponent);
                dst[c] = OutT(std::clamp(unsat + outMin, outMin, outMax));
            } else {
                dst[c] = OutT(outMin);
            }
        }
    }
    return {};
}

std::string softmaxInt8(Tensors& t, const Op& op)
{
    if (op.inputs.empty() || op.outputs.empty())
        return "expects one input and one output";
    const Tensor& y = t.info(op.outputs[0]);
    if (y.dtype == DType::Int8) {
        if (auto e = checkBytes(t, op, 1, 1); !e.empty())
            return e;
        if (zeroPointOf(y) != -128)
            return "int8 softmax needs output zero point -128";
        return softmaxInt8To<int8_t>(t, op);
    }
    if (y.dtype == DType::Int16) {
        if (auto e = checkBytes(t, op, 1, 2); !e.empty())
            return e;
        if (zeroPointOf(y) != -32768)
            return "int8->int16 softmax needs output zero point -32768";
        return softmaxInt8To<int16_t>(t, op);
    }
    return std::string("int8 softmax to ") + dtypeName(y.dtype) + " is not supported";
}

std::string softmaxFloat(Tensors& t, const Op& op)
{
    if (auto e = checkBytes(t, op, 4, 4); !e.empty())
        return e;
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& y = t.info(op.outputs[0]);
    if (y.dtype != DType::Float32)
        return "float softmax needs a float32 output";
    int64_t outer = 0;
    int depth = 0;
    if (!rowsOf(x, y, &outer, &depth))
        return "input " + shapeString(x.shape) + " does not match output " + shapeString(y.shape);
    // TFLM keeps beta as a double and narrows it back to float here.
    const float beta = float(double(softmaxBeta(op)));
    const float* in = t.in<float>(op.inputs[0]);
    float* out = t.out<float>(op.outputs[0]);
    for (int64_t i = 0; i < outer; ++i) {
        const float* row = in + i * depth;
        float* dst = out + i * depth;
        float maxValue = std::numeric_limits<float>::lowest();
        for (int c = 0; c < depth; ++c)
            maxValue = std::max(maxValue, row[c]);
        float sum = 0.0f;
        for (int c = 0; c < depth; ++c) {
            const float e = std::exp((row[c] - maxValue) * beta);
            dst[c] = e;
            sum += e;
        }
        for (int c = 0; c < depth; ++c)
            dst[c] = dst[c] / sum;
    }
    return {};
}

// ---------------------------------------------------------------------------------------------
// LOG_SOFTMAX (beta is always 1)

std::string logSoftmaxFloat(Tensors& t, const Op& op)
{
    if (auto e = checkBytes(t, op, 4, 4); !e.empty())
        return e;
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& y = t.info(op.outputs[0]);
    if (y.dtype != DType::Float32)
        return "float log_softmax needs a float32 output";
    int64_t outer = 0;
    int depth = 0;
    if (!rowsOf(x, y, &outer, &depth))
        return "input " + shapeString(x.shape) + " does not match output " + shapeString(y.shape);
    const float* in = t.in<float>(op.inputs[0]);
    float* out = t.out<float>(op.outputs[0]);
    for (int64_t i = 0; i < outer; ++i) {
        const float* row = in + i * depth;
        float* dst = out + i * depth;
        float maxValue = std::numeric_limits<float>::lowest();
        for (int c = 0; c < depth; ++c)
            maxValue = std::max(maxValue, row[c]);
        float sum = 0.0f;
        for (int c = 0; c < depth; ++c)
            sum += std::exp(row[c] - maxValue);
        const float logSum = std::log(sum);
        for (int c = 0; c < depth; ++c)
            dst[c] = row[c] - maxValue - logSum;
    }
    return {};
}

std::string logSoftmaxInt8(Tensors& t, const Op& op)
{
    if (auto e = checkBytes(t, op, 1, 1); !e.empty())
        return e;
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& y = t.info(op.outputs[0]);
    if (y.dtype != DType::Int8)
        return "int8 log_softmax needs an int8 output";
    if (scaleOf(y) != 16.0f / 256 || zeroPointOf(y) != 127)
        return "int8 log_softmax needs output scale 16/256 and zero point 127";
    int64_t outer = 0;
    int depth = 0;
    if (!rowsOf(x, y, &outer, &depth))
        return "input " + shapeString(x.shape) + " does not match output " + shapeString(y.shape);

    constexpr int kInputIntegerBits = 5;
    constexpr int kAccumulationIntegerBits = 12;
    constexpr int kOutputIntegerBits = 4;

    int32_t multiplier = 0;
    int leftShift = 0;
    preprocessSoftmaxScaling(1.0, double(scaleOf(x)), kInputIntegerBits, &multiplier, &leftShift);
    if (leftShift < 0 || leftShift > 31 || multiplier <= 0)
        return "the input scale " + std::to_string(scaleOf(x)) + " is out of the range int8 log_softmax can rescale";
    // The inverse of the input scaling, as a multiplier below one.
    const double reverseNumerator = double(int32_t(uint32_t(1) << (31 - leftShift)));
    const double realReverse = reverseNumerator / double(multiplier);
    int32_t reverseDivisor = 0;
    int reverseShift = 0; // <= 0
    quantizeMultiplierSmallerThanOneExp(realReverse, &reverseDivisor, &reverseShift);
    const int diffMin = -calculateInputRadius(kInputIntegerBits, leftShift);

    const int8_t* in = t.in<int8_t>(op.inputs[0]);
    int8_t* out = t.out<int8_t>(op.outputs[0]);
    for (int64_t i = 0; i < outer; ++i) {
        const int8_t* row = in + i * depth;
        int8_t* dst = out + i * depth;
        int8_t maxInRow = std::numeric_limits<int8_t>::min();
        for (int c = 0; c < depth; ++c)
            maxInRow = std::max(maxInRow, row[c]);

        int32_t sumOfExps = 0; // Q12
        for (int c = 0; c < depth; ++c) {
            const int32_t diff = int32_t(row[c]) - maxInRow;
            if (diff >= diffMin) {
                const int32_t inQ5 = multiplyByQuantizedMultiplier(diff, multiplier, leftShift);
                sumOfExps = wrapAdd(sumOfExps, rescale(expOnNegativeValues(inQ5, kInputIntegerBits), 0,
                                                       kAccumulationIntegerBits));
            }
        }

        const int32_t logSumQ5 = logXForXGreaterOrEqualTo1(sumOfExps, kAccumulationIntegerBits, kInputIntegerBits);
        const int32_t shiftedLogSum = wrapAdd(logSumQ5, kInt32Min);
        const int32_t adjustedDiffMin =
            std::max(int32_t(diffMin - 1), multiplyByQuantizedMultiplier(shiftedLogSum, reverseDivisor, reverseShift));

        for (int c = 0; c < depth; ++c) {
            const int32_t diff = int32_t(row[c]) - maxInRow;
            if (diff > adjustedDiffMin) {
                const int32_t inQ5 = multiplyByQuantizedMultiplier(diff, multiplier, leftShift);
                const int32_t v = roundingDivideByPOT(wrapSub(inQ5, logSumQ5),
                                                      31 - kInputIntegerBits - kOutputIntegerBits)
                    + 127;
                dst[c] = int8_t(std::clamp(v, int32_t(-128), int32_t(127)));
            } else {
                dst[c] = -128;
            }
        }
    }
    return {};
}

// ---------------------------------------------------------------------------------------------
// LOGISTIC and TANH

// Input rescaling of the int8 logistic/tanh kernels: scale * 2^(31 - 4) split by frexp without
// TFLite's QuantizeMultiplier normalisation.
struct Int8ActivationParams {
    int32_t zeroPoint = 0;
    int32_t rangeRadius = 0;
    int32_t multiplier = 0;
    int leftShift = 0;
};

Int8ActivationParams int8ActivationParams(const Tensor& x)
{
    constexpr int kInputIntegerBits = 4;
    Int8ActivationParams p;
    p.zeroPoint = zeroPointOf(x);
    const double real = double(scaleOf(x)) * double(1 << (31 - kInputIntegerBits));
    const double q = std::isfinite(real) ? std::frexp(real, &p.leftShift) : 0.0;
    // As the C++ cast on x86-64 does, 2^31 lands on INT32_MIN.
    p.multiplier = int32_t(uint32_t(int64_t(std::round(q * double(int64_t(1) << 31)))));
    p.rangeRadius = calculateInputRadius(kInputIntegerBits, p.leftShift, 31);
    return p;
}

std::string logisticInt8(Tensors& t, const Op& op)
{
    if (auto e = checkBytes(t, op, 1, 1); !e.empty())
        return e;
    const Tensor& x = t.info(op.inputs[0]);
    const Tensor& y = t.info(op.outputs[0]);
    if (y.dtype != DType::Int8)
        return "int8 logistic needs an int8 output";
    if (zeroPointOf(y) != -128)
        return "int8 logistic needs output zero point -128";
    const Int8ActivationParams p = int8ActivationParams(x);
    const int8_t* in = t.in<int8_t>(op.inputs[0]);
    int8_t* out = t.out<int8_t>(op.outputs[0]);
    const int64_t n = elements(x);
    for (int64_t i = 0; i < n; ++i) {
        const int32_t v = int32_t(in[i]) - p.zeroPoint;
        if (v <= -p.rangeRadius) {
            out[i] = -128;
        } else if (v >= p.rangeRadius) {
            out[i] = 127;
        } else {
            const int32_t inQ4 = multiplyByQuantizedMultiplier(v, p.multiplier, p.leftShift);
            const int32_t outQ0 = fixedLogistic(inQ4, 4);
            const int32_t r = roundingDivideByPOT(outQ0, 31 - 8) - 128;
            out[i] = int8_t(std::clamp(r, int32_t(-128), int32_t(127)));
        }
    }
    return {};
}

std::string logisticFloat(Tensors& t, const Op& op)
{
    if (auto e = checkBytes(t, op, 4, 4); !e.empty())
        return e;
    if (t.info(op.outputs[0]).dtype != DType::Float32)
        return "float logistic needs a float32 output";
    const float cutoffUpper = 16.619047164916992188f;
    const float cutoffLower = -9.0f;
    const float* in = t.in<float>(op.inputs[0]);
    float* out = t.out<float>(op.outputs[0]);
    const int64_t n = elements(t.info(op.inputs[0]));
    for (int64_t i = 0; i < n; ++i) {
        const float v = in[i];
        float r;
        if (v > cutoffUpper)
            r = 1.0f;
        else if (v < cutoffLower)
            r = std::exp(v);
        else
            r = 1.0f / (1.0f + std::exp(-v));
        out[i] = r;
    }
    return {};
}

std::string tanhInt8(Tensors& t, const Op& op)
{
    if (auto e = checkBytes(t, op, 1, 1); !e.empty())
        return e;
    const Tensor& x = t.info(op.inputs[0]);
    if (t.info(op.outputs[0]).dtype != DType::Int8)
        return "int8 tanh needs an int8 output";
    const Int8ActivationParams p = int8ActivationParams(x);
    const int8_t* in = t.in<int8_t>(op.inputs[0]);
    int8_t* out = t.out<int8_t>(op.outputs[0]);
    const int64_t n = elements(x);
    for (int64_t i = 0; i < n; ++i) {
        const int32_t v = int32_t(in[i]) - p.zeroPoint;
        if (v <= -p.rangeRadius) {
            out[i] = -128;
        } else if (v >= p.rangeRadius) {
            out[i] = 127;
        } else {
            const int32_t inQ4 = multiplyByQuantizedMultiplier(v, p.multiplier, p.leftShift);
            const int32_t outQ0 = fixedTanh(inQ4, 4);
            // TFLM's int8 tanh writes Q0.7 directly (output zero point 0, scale 1/128).
            const int32_t r = roundingDivideByPOT(outQ0, 31 - 7);
            out[i] = int8_t(std::clamp(r, int32_t(-128), int32_t(127)));
        }
    }
    return {};
}

std::string tanhFloat(Tensors& t, const Op& op)
{
    if (auto e = checkBytes(t, op, 4, 4); !e.empty())
        return e;
    if (t.info(op.outputs[0]).dtype != DType::Float32)
        return "float tanh needs a float32 output";
    const float* in = t.in<float>(op.inputs[0]);
    float* out = t.out<float>(op.outputs[0]);
    const int64_t n = elements(t.info(op.inputs[0]));
    for (int64_t i = 0; i < n; ++i)
        out[i] = std::tanh(in[i]);
    return {};
}

} // namespace

void registerActivationKernels(KernelTable& t)
{
    t.add(OpKind::Softmax, DType::Int8, softmaxInt8);
    t.add(OpKind::Softmax, DType::Float32, softmaxFloat);
    t.add(OpKind::LogSoftmax, DType::Int8, logSoftmaxInt8);
    t.add(OpKind::LogSoftmax, DType::Float32, logSoftmaxFloat);
    t.add(OpKind::Logistic, DType::Int8, logisticInt8);
    t.add(OpKind::Logistic, DType::Float32, logisticFloat);
    t.add(OpKind::Tanh, DType::Int8, tanhInt8);
    t.add(OpKind::Tanh, DType::Float32, tanhFloat);
}

} // namespace ts::ref
