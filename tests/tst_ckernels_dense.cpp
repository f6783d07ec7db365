// C kernels (dense family) against the reference interpreter: not written yet.
#include <QtTest>

class TestCKernels : public QObject {
    Q_OBJECT
private slots:
    void placeholder() { QSKIP("kernel tests not written yet"); }
};

QTEST_GUILESS_MAIN(TestCKernels)
#include "tst_ckernels_dense.moc"
