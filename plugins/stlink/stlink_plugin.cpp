// The ST-Link probe plugin: a Qt plugin object that owns a StlinkDriver on libstlink
// (makeLibStlinkApi) and forwards the ProbeDriver calls to it.

#include "stlink_driver.h"

#include <QObject>

namespace ts {

class StlinkPlugin : public QObject, public ProbeDriver {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID TS_PROBE_DRIVER_IID FILE "plugin.json")
    Q_INTERFACES(ts::ProbeDriver)

public:
    StlinkPlugin() : m_driver(&makeLibStlinkApi) {}

    std::string name() const override { return m_driver.name(); }
    std::string description() const override { return m_driver.description(); }
    Result<std::vector<ProbeInfo>> scan(const BoardSet& boards) override { return m_driver.scan(boards); }
    Result<std::unique_ptr<ProbeSession>> open(const std::string& serial, const Board& board) override
    {
        return m_driver.open(serial, board);
    }

private:
    StlinkDriver m_driver;
};

} // namespace ts

#include "stlink_plugin.moc"
