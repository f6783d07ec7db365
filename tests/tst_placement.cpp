// checkPlacement, the invariant every plan is checked with (no two buffers live at the same step
// share a byte), on hand-written placements: known-bad ones must be reported, good ones must pass.
// Lifetimes are inclusive step ranges (a buffer is live at its first and its last step, as in
// TFLM's planner); byte ranges are half-open. A buffer that shrinks over its life keeps its
// remaining bytes at its start ("head") or, tail-aligned, at its end: segment k then starts at
// base + largest − size_k. A brute-force byte map, written out below, is the independent oracle
// for a set of generated placements.

#include "plan/planner.h"
#include "testsupport.h"

#include <map>

using namespace ts;

namespace {

using Buffers = std::vector<std::vector<Segment>>;

// The oracle: paint every step's live segments byte by byte; a byte painted twice is a conflict.
bool overlapsByByteMap(const Buffers& buffers, const std::vector<int64_t>& offsets, const std::vector<bool>& tail)
{
    int lastStep = 0;
    for (const auto& b : buffers)
        for (const Segment& s : b)
            lastStep = std::max(lastStep, s.last);
    for (int step = 0; step <= lastStep; ++step) {
        std::map<int64_t, size_t> owner; // byte → buffer
        for (size_t b = 0; b < buffers.size(); ++b) {
            int64_t largest = 0;
            for (const Segment& s : buffers[b])
                largest = std::max(largest, s.size);
            for (const Segment& s : buffers[b]) {
                if (step < s.first || step > s.last)
                    continue;
                const int64_t start = tail[b] ? offsets[b] + largest - s.size : offsets[b];
                for (int64_t byte = start; byte < start + s.size; ++byte)
                    if (!owner.emplace(byte, b).second && owner[byte] != b)
                        return true;
            }
        }
    }
    return false;
}

} // namespace

Q_DECLARE_METATYPE(Buffers)
Q_DECLARE_METATYPE(std::vector<int64_t>)
Q_DECLARE_METATYPE(std::vector<bool>)

class TestPlacement : public QObject {
    Q_OBJECT
private slots:
    void handWritten_data();
    void handWritten();
    void shrinkingGeometry();
    void malformed();
    void agreesWithByteMap();
};

void TestPlacement::handWritten_data()
{
    QTest::addColumn<Buffers>("buffers");
    QTest::addColumn<std::vector<int64_t>>("offsets");
    QTest::addColumn<std::vector<bool>>("tail");
    QTest::addColumn<QString>("conflict"); // empty: no conflict; else text the report must contain

    // A live at steps 0-2 (100 B), B at 1-3 (50 B), C at 3-4 (100 B).
    const Buffers abc{{{0, 2, 100}}, {{1, 3, 50}}, {{3, 4, 100}}};
    // A [0,100), B [100,150), C [0,100): C reuses A's bytes after A's last step 2.
    QTest::newRow("good: reuse after death") << abc << std::vector<int64_t>{0, 100, 0} << std::vector<bool>{} << QString();
    // C at 50: [50,150) meets B [100,150) at step 3.
    QTest::newRow("bad: C over B at step 3") << abc << std::vector<int64_t>{0, 100, 50} << std::vector<bool>{}
                                             << QString("buffers 1 [100, +50) and 2 [50, +100) overlap while both are live (steps 3..3)");
    // B at 60: [60,110) meets A [0,100) at steps 1-2.
    QTest::newRow("bad: B over A at steps 1-2") << abc << std::vector<int64_t>{0, 60, 150} << std::vector<bool>{}
                                                << QString("buffers 0 [0, +100) and 1 [60, +50) overlap while both are live (steps 1..2)");
    // Touching byte ranges do not overlap: A [0,100), B [100,150).
    QTest::newRow("good: adjacent bytes") << Buffers{{{0, 5, 100}}, {{0, 5, 50}}} << std::vector<int64_t>{0, 100}
                                          << std::vector<bool>{} << QString();
    // One byte of overlap is a conflict: B at 99.
    QTest::newRow("bad: one byte") << Buffers{{{0, 5, 100}}, {{0, 5, 50}}} << std::vector<int64_t>{0, 99}
                                   << std::vector<bool>{} << QString("overlap while both are live");
    // Lifetimes are inclusive: A's last step 2 is C's first, so they may not share bytes.
    QTest::newRow("bad: last step = first step") << Buffers{{{0, 2, 64}}, {{2, 4, 64}}} << std::vector<int64_t>{0, 0}
                                                 << std::vector<bool>{} << QString("(steps 2..2)");
    QTest::newRow("good: consecutive steps") << Buffers{{{0, 2, 64}}, {{3, 4, 64}}} << std::vector<int64_t>{0, 0}
                                             << std::vector<bool>{} << QString();
    // A zero-sized buffer holds no bytes.
    QTest::newRow("good: empty buffer") << Buffers{{{0, 4, 64}}, {{1, 2, 0}}} << std::vector<int64_t>{0, 10}
                                        << std::vector<bool>{} << QString();

    // Shrinking buffer X: 96 B at steps 0-1, then 32 B at steps 2-3 (an in-place output smaller
    // than the input it overwrites). Y: 64 B at steps 2-3, placed at 32.
    const Buffers xy{{{0, 1, 96}, {2, 3, 32}}, {{2, 3, 64}}};
    // Head: X's tail segment is [0,32), Y [32,96): no conflict.
    QTest::newRow("good: shrinking, head") << xy << std::vector<int64_t>{0, 32} << std::vector<bool>{false, false}
                                           << QString();
    // Tail: X's tail segment is [0 + 96 − 32, +32) = [64,96), inside Y [32,96) at steps 2-3. Only
    // the tail alignment makes them overlap.
    QTest::newRow("bad: shrinking, tail") << xy << std::vector<int64_t>{0, 32} << std::vector<bool>{true, false}
                                          << QString("buffers 0 [64, +32) and 1 [32, +64) overlap while both are live (steps 2..3)");
    // The mirror: Y at 0 [0,64) is fine beside a tail-aligned X [64,96), not beside a head one [0,32).
    QTest::newRow("good: shrinking, tail, Y below") << xy << std::vector<int64_t>{0, 0} << std::vector<bool>{true, false}
                                                    << QString();
    QTest::newRow("bad: shrinking, head, Y below") << xy << std::vector<int64_t>{0, 0} << std::vector<bool>{false, false}
                                                   << QString("buffers 0 [0, +32) and 1 [0, +64) overlap while both are live (steps 2..3)");
    // Y live only while X is at its largest (steps 0-1) conflicts whichever way X is aligned.
    QTest::newRow("bad: while X is largest") << Buffers{{{0, 1, 96}, {2, 3, 32}}, {{1, 1, 16}}} << std::vector<int64_t>{0, 80}
                                             << std::vector<bool>{false, false} << QString("(steps 1..1)");
    // A buffer that grows (an in-place output larger than its input): 32 B then 96 B. Tail: the
    // first segment sits at [64,96); Z at [0,64) during step 0 does not meet it.
    QTest::newRow("good: growing, tail") << Buffers{{{0, 0, 32}, {1, 2, 96}}, {{0, 0, 64}}} << std::vector<int64_t>{0, 0}
                                         << std::vector<bool>{true, false} << QString();
    QTest::newRow("bad: growing, head") << Buffers{{{0, 0, 32}, {1, 2, 96}}, {{0, 0, 64}}} << std::vector<int64_t>{0, 0}
                                        << std::vector<bool>{false, false} << QString("(steps 0..0)");
}

void TestPlacement::handWritten()
{
    QFETCH(Buffers, buffers);
    QFETCH(std::vector<int64_t>, offsets);
    QFETCH(std::vector<bool>, tail);
    QFETCH(QString, conflict);
    const QString report = QString::fromStdString(checkPlacement(buffers, offsets, tail));
    if (conflict.isEmpty())
        QVERIFY2(report.isEmpty(), qPrintable(report));
    else
        QVERIFY2(report.contains(conflict), qPrintable("reported: '" + report + "'"));
    // The oracle agrees with the hand-written verdict.
    std::vector<bool> t = tail;
    t.resize(buffers.size(), false);
    QCOMPARE(overlapsByByteMap(buffers, offsets, t), !conflict.isEmpty());
}

// Where the segments of a shrinking buffer sit, and the peak of a placement, by hand.
void TestPlacement::shrinkingGeometry()
{
    const std::vector<Segment> x{{0, 1, 96}, {2, 3, 32}};
    QCOMPARE(segmentOffset(x, 0, 100, false), int64_t(100));
    QCOMPARE(segmentOffset(x, 1, 100, false), int64_t(100));
    QCOMPARE(segmentOffset(x, 0, 100, true), int64_t(100));
    QCOMPARE(segmentOffset(x, 1, 100, true), int64_t(100 + 96 - 32));
    // X at 0 (96 B), Y (64 B) at 32: peak 32 + 64 = 96. X at 16, tail: its segments end at 112.
    const Buffers xy{x, {{2, 3, 64}}};
    QCOMPARE(placementPeak(xy, {0, 32}), int64_t(96));
    QCOMPARE(placementPeak(xy, {16, 0}, {true, false}), int64_t(112));
}

void TestPlacement::malformed()
{
    const Buffers two{{{0, 1, 16}}, {{0, 1, 16}}};
    QVERIFY(QString::fromStdString(checkPlacement(two, {0})).contains("1 offsets for 2 buffers"));
    QVERIFY(QString::fromStdString(checkPlacement(two, {0, -16})).contains("negative offset"));
}

// Generated placements (xorshift32, fixed seed): checkPlacement reports a conflict exactly when the
// byte map finds a byte held by two live buffers.
void TestPlacement::agreesWithByteMap()
{
    uint32_t x = 12345;
    auto next = [&x](uint32_t n) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        return x % n;
    };
    int conflicts = 0, clean = 0;
    for (int trial = 0; trial < 3000; ++trial) {
        const int count = 2 + int(next(4));
        Buffers buffers;
        std::vector<int64_t> offsets;
        std::vector<bool> tail;
        for (int b = 0; b < count; ++b) {
            std::vector<Segment> segs;
            int step = int(next(5));
            const int pieces = 1 + int(next(3));
            for (int k = 0; k < pieces; ++k) {
                const int len = int(next(3));
                segs.push_back({step, step + len, 8 * int64_t(next(8))});
                step += len + 1;
            }
            buffers.push_back(segs);
            offsets.push_back(8 * int64_t(next(16)));
            tail.push_back(next(2) == 1);
        }
        const std::string report = checkPlacement(buffers, offsets, tail);
        const bool oracle = overlapsByByteMap(buffers, offsets, tail);
        QVERIFY2(report.empty() != oracle, qPrintable(QString("trial %1: checkPlacement says '%2', the byte map %3")
                                                          .arg(trial)
                                                          .arg(QString::fromStdString(report))
                                                          .arg(oracle ? "finds an overlap" : "finds none")));
        (oracle ? conflicts : clean)++;
    }
    // Both verdicts were exercised many times.
    QVERIFY2(conflicts > 300 && clean > 300, qPrintable(QString("%1 conflicts, %2 clean").arg(conflicts).arg(clean)));
}

QTEST_GUILESS_MAIN(TestPlacement)
#include "tst_placement.moc"
