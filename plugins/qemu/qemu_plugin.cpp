// The QEMU probe as a Qt plugin (metadata in plugin.json, read before loading).
#include "qemu_driver.h"

#include <QObject>

namespace ts {

class QemuProbePlugin : public QObject, public QemuDriver {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TS_PROBE_DRIVER_IID FILE "plugin.json")
    Q_INTERFACES(ts::ProbeDriver)
};

} // namespace ts

#include "qemu_plugin.moc"
